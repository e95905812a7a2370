/**
 * Catalog builders: raster files and record tables (STAC, stac-geoparquet, Arrow, JS rows) into
 * GeoParquet catalogs, appending shards under a directory lock, compaction and optimisation.
 *
 * @example
 * ```ts
 * import { buildRasterCatalog } from 'geoslice';
 *
 * const { catalog } = await buildRasterCatalog('tiles/*.tif', { out: 'tiles.parquet', cogHeaders: true });
 * ```
 * @module
 */
export { buildRasterCatalog, type BuildRasterOptions, type BuildResult } from './build-raster-catalog.js';
export { buildCatalogFromTable, type BuildTableOptions } from './build-from-table.js';
export {
  appendToCatalog,
  compactCatalog,
  optimizeCatalog,
  listShards,
  type AppendInput,
  type AppendOptions,
} from './catalog-dir.js';
export { compactShards, COMPACT_PARTITIONS, type CompactShardsOptions } from './compact-shards.js';
export { checkBuildShard, partName, shardItems, type ShardOption } from './shard.js';
export { acquireLock, type CatalogLock, type LockOptions } from './lock.js';
export { parseFilenameTime, type DateFormat } from './filename-time.js';
export { rasterRow, rowFromLayout, normalizeHref, type RasterRowOptions } from './raster-row.js';
export { recordToRow, type ColumnMap, type RecordRowOptions } from './record-row.js';
export { readRecords, type TableSource } from './table-source.js';
export { expandFiles, type RasterFiles } from './file-source.js';
export { startProgress, type Progress, type ProgressOption } from './progress.js';
export { SkipReport, type OnError, type SkippedInput } from './skipped.js';
export { ModulePool } from './worker-pool.js';
export { COG_LAYOUT_SQL_TYPE, cogColumn, cogColumnTypes } from './cog-header-column.js';
export { sampleMetaColumns, sampleMetaTypes } from './sample-meta-columns.js';
