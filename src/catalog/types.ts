import type { BBox } from '../geo/bbox.js';
import type { TimeInterval } from '../geo/interval.js';
import type { GeoSlice } from '../geo/slice.js';
import { optionKeys } from '../option-keys.js';

/**
 * What a catalog row describes: `'raster'` (imagery, masks), `'vector'` (a vector file or one feature
 * of it, written by `buildVectorCatalog`) or `'xarray'` (reserved for data cubes). Catalog files
 * written before the `backend` column existed read as `'raster'`.
 */
export type RowBackend = 'raster' | 'vector' | 'xarray';

/** The values {@link RowBackend} may take, for validation. */
export const ROW_BACKENDS: readonly RowBackend[] = ['raster', 'vector', 'xarray'];

/**
 * One raster (or one acquisition made of several band files) in a catalog.
 */
export interface CatalogRow {
  id: string;
  /** band key -> file (+ 1-based band index inside it; default 1). */
  assets: Record<string, { href: string; band?: number }>;
  /** WKB footprint, EPSG:4326. */
  geometry: Uint8Array;
  /** EPSG:4326; `xmin > xmax` never happens here: footprints crossing the antimeridian are split into a MultiPolygon and the bbox spans -180..180. */
  bbox: BBox;
  tmin: Date | null;
  tmax: Date | null;
  /** The raster's native CRS, e.g. "EPSG:32633". */
  crs: string;
  /** What the row describes (the `backend` column): imagery or masks (`'raster'`), or a vector file / feature. */
  backend: RowBackend;
  /** Every other column: cloud_pct, split, label, uncertainty, COG header cache... */
  extras: Record<string, unknown>;
}

/**
 * A row as given to `catalogFromRows` / `duckdbCatalogFromRows`: a {@link CatalogRow} whose `backend`
 * may be left out (it then is `'raster'`).
 */
export type CatalogRowInput = Omit<CatalogRow, 'backend'> & { backend?: RowBackend | null };

/** Bound SQL parameters: positional (`?`/`$1`) as an array, or named (`$name`) as an object. */
export type SqlParams = unknown[] | Record<string, unknown>;

/**
 * A lazy filter. All parts are ANDed.
 */
export interface CatalogQuery {
  /** Area of interest; in `crs` (default EPSG:4326). Rows whose footprint intersects it (exact geometry test) match. */
  bbox?: BBox;
  /** CRS of `bbox`; the box is transformed (densified) to EPSG:4326. */
  crs?: string;
  /** Rows whose [tmin, tmax] overlaps it match. Rows with NULL times are excluded unless `includeUndated`. */
  interval?: TimeInterval;
  includeUndated?: boolean;
  /** A SQL boolean expression over the catalog's columns (DuckDB dialect); user values go in `params`. */
  where?: string;
  params?: SqlParams;
}

/** Options of {@link GeoCatalog.toGeoParquet}. */
export interface GeoParquetWriteOptions {
  /** Default `['hilbert', 'tmin']`: Hilbert key of the bbox centre, then tmin (`'time_bucket'`, the year of tmin, is also a key). `[]` keeps the current order. */
  sortBy?: string[];
  /** Write a directory of shards, one per distinct value of these columns (hive layout `col=value/`). */
  partitionBy?: string[];
  /** Default 'zstd'. */
  compression?: 'zstd' | 'snappy' | 'gzip' | 'uncompressed';
  /** Default 20_480 (ten DuckDB vectors): small row groups prune well and keep streaming memory low. */
  rowGroupSize?: number;
  /**
   * Default '1.1.0' (WKB BLOB geometry + bbox covering column); '1.0.0' writes no covering; '2.0' writes
   * the geometry with Parquet's native GEOMETRY logical type (per-row-group geospatial statistics; read by
   * DuckDB 1.5, GDAL 3.12+, pyarrow 21+) and keeps the bbox covering.
   */
  geoparquetVersion?: '1.1.0' | '1.0.0' | '2.0';
  /**
   * More Parquet key-value metadata for the footer, e.g. `{ 'geoslice:band_stats': json }` (string
   * values; the key `geo` is geoslice's own and refused).
   */
  metadata?: Record<string, string>;
}

/** The keys of {@link GeoParquetWriteOptions} (the compiler checks the list is complete). */
export const GEOPARQUET_WRITE_OPTION_KEYS = optionKeys<GeoParquetWriteOptions>()([
  'sortBy',
  'partitionBy',
  'compression',
  'rowGroupSize',
  'geoparquetVersion',
  'metadata',
]);

/** Options of {@link GeoCatalog.intersect}. */
export interface IntersectOptions {
  /** Ignore time: only the footprints must intersect. Default false (intervals must overlap too). */
  spatialOnly?: boolean;
}

/**
 * A catalog of rasters: lazy query operations return new catalogs; work happens only in the eager
 * methods. Implemented by the DuckDB backend (default) and the in-memory backend, which return the
 * same rows for the same operations.
 *
 * Intersect semantics: one output row per (left, right) pair whose footprints intersect (exact
 * geometry) and, unless `spatialOnly`, whose time ranges overlap. Output: `id` = `left.id + '|' + right.id`,
 * `assets` = left's assets plus right's (a clashing key from the right gets the prefix `right_`),
 * `geometry`, `crs` and `backend` = the left row's, `bbox` = the intersection of both bboxes, `tmin` = max of the
 * two tmins, `tmax` = min of the two tmaxes (NULL when either is NULL),
 * `extras` = left's extras plus right's (clashing names prefixed `right_`), plus `left_id` and `right_id`.
 *
 * Union semantics: all rows of both (UNION ALL); extras missing on one side are NULL; duplicate ids are kept.
 */
export interface GeoCatalog {
  /** The query engine: DuckDB or JS arrays. (Which kind of data a row describes is its `backend` column.) */
  readonly engine: 'duckdb' | 'memory';
  /** Where it came from (path, glob, or a description such as `rows(1234)`), for messages. */
  readonly source: string;

  query(q: CatalogQuery | GeoSlice): GeoCatalog;
  intersect(other: GeoCatalog, opts?: IntersectOptions): GeoCatalog;
  union(other: GeoCatalog): GeoCatalog;
  /** Escape hatch: a full `SELECT ... FROM catalog ...` (the current catalog is the relation `catalog`) or a bare WHERE expression. */
  sql(selectOrWhere: string, params?: SqlParams): GeoCatalog;
  /** Left-joins new columns on `on` (default `id`) from rows, an Arrow table, or a parquet file path. Existing columns with the same name are replaced. */
  withColumns(table: Record<string, unknown>[] | ArrowTableLike | string, opts?: { on?: string }): GeoCatalog;

  count(): Promise<number>;
  /** EPSG:4326 bounds of all rows, or null when empty. */
  bounds(): Promise<BBox | null>;
  /** Min tmin and max tmax, or null when no row has a time. */
  temporalExtent(): Promise<TimeInterval | null>;
  /** Runs `SELECT ...` over the relation `catalog` and returns plain rows. */
  aggregate(sql: string, params?: SqlParams): Promise<Record<string, unknown>[]>;
  /** The plan (DuckDB EXPLAIN) or a description of the in-memory pipeline. */
  explain(): Promise<string>;
  /** Column names and types (extras included). */
  schema(): Promise<{ name: string; type: string }[]>;
  /** Streams rows with bounded memory; breaking out of the loop releases the connection. */
  rows(opts?: { batchSize?: number }): AsyncIterable<CatalogRow>;
  /** Loads the rows into an in-memory catalog. */
  materialize(): Promise<GeoCatalog>;

  toGeoParquet(path: string, opts?: GeoParquetWriteOptions): Promise<void>;
  toDuckDB(path: string, opts?: { table?: string }): Promise<void>;
  /** Releases connections and temp files. Idempotent. */
  close(): Promise<void>;
}

/**
 * The part of an apache-arrow `Table` geoslice reads (`withColumns`, table builds). Declared here
 * structurally so that apache-arrow is not a dependency: pass a `Table` from your own apache-arrow.
 */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: unknown }[] };
  getChildAt(index: number): { get(row: number): unknown } | null;
  get(row: number): { toJSON(): unknown } | null;
}
