/**
 * `geoslice/catalog`: the catalog layer below `openCatalog` — the two backends (DuckDB, in-memory),
 * the GeoParquet writer and `geo` metadata, catalog directories of shards (append under a lock,
 * compact, optimize), the row builders and the catalog column constants.
 *
 * @example
 * ```ts
 * import { appendToCatalog, optimizeCatalog } from 'geoslice/catalog';
 *
 * await appendToCatalog('catalog/', { files: 'new-scenes/*.tif' }, { cogHeaders: true });
 * await optimizeCatalog('catalog/', 'catalog-sorted.parquet');
 * ```
 * @module
 */
export type {
  CatalogRow,
  CatalogRowInput,
  RowBackend,
  CatalogQuery,
  GeoCatalog,
  GeoParquetWriteOptions,
  IntersectOptions,
  ArrowTableLike,
  SqlParams,
} from './types.js';
export { openCatalog, openLocalCatalog, type CatalogSource, type OpenCatalogOptions } from './open.js';
export {
  openRemoteCatalog,
  isRemoteCatalogUrl,
  RemoteCatalog,
  type RemoteCatalogOptions,
  type RemoteReadStats,
} from './remote/remote-catalog.js';
export { catalogFromRows, memoryCatalogFromRows, type FromRowsOptions } from './from-rows.js';
export { MemoryCatalog } from './memory/catalog.js';
export { DuckDBCatalog } from './duckdb/catalog.js';
export { duckdbCatalogFromRows, type DuckDBFromRowsOptions } from './duckdb/from-rows.js';
export { DuckDBEngine, sharedEngine, type EngineOptions } from './duckdb/engine.js';
export { writeGeoParquet, type WriteGeoParquetOptions } from './geoparquet/writer.js';
export {
  buildGeoMetadata,
  interpretGeoMetadata,
  type GeoMetadata,
  type GeoColumnMetadata,
  type GeoColumnInfo,
} from './geoparquet/geo-metadata.js';
export {
  CORE_COLUMNS,
  CORE_TYPES,
  DEFAULT_SORT,
  DEFAULT_ROW_GROUP_SIZE,
  SORT_HILBERT,
  SORT_TIME_BUCKET,
} from './geoparquet/format.js';
export { normalizeQuery, type NormalizedQuery } from './query-plan.js';
export { MANIFEST_NAME, type CatalogManifest } from './manifest.js';
export {
  appendToCatalog,
  compactCatalog,
  compactShards,
  COMPACT_PARTITIONS,
  type CompactShardsOptions,
  type ShardOption,
  optimizeCatalog,
  listShards,
  parseFilenameTime,
  expandFiles,
  recordToRow,
  rasterRow,
  type AppendInput,
  type AppendOptions,
  type DateFormat,
  type RasterFiles,
  type ColumnMap,
  type RecordRowOptions,
  type RasterRowOptions,
  type TableSource,
} from './builders/index.js';
