/**
 * # The geoslice catalog file format (GeoParquet 1.1)
 *
 * A catalog is one Parquet file (or a hive-partitioned directory of Parquet shards
 * `col=value/data_0.parquet`) with these columns, in this order:
 *
 * | column | Parquet / DuckDB type | meaning |
 * | --- | --- | --- |
 * | `id` | VARCHAR (BYTE_ARRAY UTF8) | unique row id |
 * | `assets` | MAP(VARCHAR, STRUCT(href VARCHAR, band INTEGER)) | band key -> file (+ 1-based band, NULL = 1). A Parquet MAP: DuckDB reads it as MAP, pyarrow/GeoPandas as `map<string, struct>` (lists of key/value pairs), GDAL's Parquet driver (3.8+; GDAL 3.6 has no Parquet driver built here) as a JSON field |
 * | `geometry` | BLOB (BYTE_ARRAY, no logical type) | footprint as ISO WKB, EPSG:4326 longitude/latitude |
 * | `bbox` | STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE) | the footprint's bounds, declared as the GeoParquet 1.1 bbox *covering* |
 * | `tmin`, `tmax` | TIMESTAMPTZ (INT64 TIMESTAMP(MICROS, UTC)) | acquisition time range; NULL = unknown (never a sentinel date) |
 * | `crs` | VARCHAR | the raster's native CRS, e.g. `EPSG:32633` (footprints stay in EPSG:4326) |
 * | `backend` | VARCHAR | what the row describes: `raster` or `vector` (later `xarray`); files written before the column existed read as `raster` |
 * | extras... | their own typed columns | numbers -> DOUBLE, bigint -> BIGINT, boolean -> BOOLEAN, string -> VARCHAR, Date -> TIMESTAMPTZ, Uint8Array -> BLOB, arrays -> LIST, plain objects -> STRUCT |
 *
 * The footer key `geo` holds the GeoParquet metadata (validates against the 1.1.0 JSON schema):
 * `{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{"encoding":"WKB",
 * "geometry_types":[...], "bbox":[xmin,ymin,xmax,ymax], "covering":{"bbox":{"xmin":["bbox","xmin"],...}}}}}`.
 * `crs` is omitted, which GeoParquet defines as OGC:CRS84 (longitude/latitude on WGS 84, the axis
 * order WKB uses for EPSG:4326 anyway). With `geoparquetVersion: '1.0.0'` the version is "1.0.0" and
 * `covering` is left out (the bbox column is still written, as an ordinary column). With
 * `geoparquetVersion: '2.0'` the version is "2.0.0" and `geometry` has Parquet's GEOMETRY logical type
 * (written through DuckDB's GEOMETRY, whose own `geo` metadata is turned off in favour of ours).
 *
 * The metadata is written with DuckDB core's `COPY ... (FORMAT parquet, KV_METADATA {geo: ...})`.
 * The geometry column is written as a plain BLOB on purpose: DuckDB core's GEOMETRY type would
 * make the writer emit its own `geo` metadata and the Parquet GEOMETRY logical type, which older
 * readers (GDAL < 3.12, pyarrow < 21) do not know. On reading, geoslice turns DuckDB's GeoParquet
 * conversion off (`enable_geoparquet_conversion = false`) so every file version reads as WKB.
 *
 * Rows are sorted by default by (Hilbert key of the bbox centre, `tmin`) and written in row groups of
 * ~20k rows, so each row group covers a compact region (and, within it, a run of times) and its
 * min/max statistics on `bbox.xmin`... and `tmin`/`tmax` let readers skip it. Files are written to a
 * temporary name in the destination directory and renamed into place, so a reader never sees a
 * half-written catalog.
 * @module
 */

/**
 * The required catalog columns, in file order.
 */
export const CORE_COLUMNS = ['id', 'assets', 'geometry', 'bbox', 'tmin', 'tmax', 'crs', 'backend'] as const;

/**
 * DuckDB SQL types of the required columns, as written.
 */
export const CORE_TYPES: Record<(typeof CORE_COLUMNS)[number], string> = {
  id: 'VARCHAR',
  assets: 'MAP(VARCHAR, STRUCT(href VARCHAR, band INTEGER))',
  geometry: 'BLOB',
  bbox: 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)',
  tmin: 'TIMESTAMP WITH TIME ZONE',
  tmax: 'TIMESTAMP WITH TIME ZONE',
  crs: 'VARCHAR',
  backend: 'VARCHAR',
};

/**
 * Default rows per Parquet row group (DuckDB rounds up to a multiple of 2048).
 */
export const DEFAULT_ROW_GROUP_SIZE = 20_480;

/**
 * Sort key: Hilbert key (order 16, world extent) of the bbox centre.
 */
export const SORT_HILBERT = 'hilbert';

/**
 * Sort key: the calendar year (UTC) of `tmin` (undated rows last).
 */
export const SORT_TIME_BUCKET = 'time_bucket';

/**
 * The default sort: Hilbert key of the bbox centre, then tmin. Space first because an AOI + period
 * query then reads about the row groups that hold its matches (benchmarks/catalog-query: median 1x,
 * max 3x the minimum on 10^7 rows), where a time-first order splits each region across many groups.
 */
export const DEFAULT_SORT: readonly string[] = [SORT_HILBERT, 'tmin'];
