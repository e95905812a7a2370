/**
 * The catalog API: opening and building catalogs (DuckDB and in-memory backends), the
 * {@link GeoCatalog} interface and the GeoParquet writer.
 *
 * @example
 * ```ts
 * import { openCatalog, catalogFromRows, writeGeoParquet } from './catalog/index.js';
 * const cat = await openCatalog('scenes.parquet');
 * ```
 * @module
 */
export type {
  CatalogRow,
  CatalogQuery,
  GeoCatalog,
  GeoParquetWriteOptions,
  IntersectOptions,
  SqlParams,
} from './types.js';
export { openCatalog, type CatalogSource, type OpenCatalogOptions } from './open.js';
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
