/**
 * The streaming GeoParquet writer: rows in, one catalog file (or hive directory) out.
 */
import { type CatalogRowInput, GEOPARQUET_WRITE_OPTION_KEYS, type GeoParquetWriteOptions } from '../types.js';
import { CatalogError } from '../../errors.js';
import { checkOptionKeys, optionKeys } from '../../option-keys.js';
import { DuckDBEngine, type EngineOptions } from '../duckdb/engine.js';
import { loadRows } from '../duckdb/load-rows.js';
import { quoteIdent } from '../duckdb/sql.js';
import { copyToGeoParquet } from './copy.js';

/**
 * Options of {@link writeGeoParquet}: the file layout options plus batching and DuckDB settings.
 */
export interface WriteGeoParquetOptions extends GeoParquetWriteOptions, EngineOptions {
  /** Rows validated and appended per batch (bounds the writer's JS memory). Default 10_000. */
  batchSize?: number;
  /** Explicit DuckDB types for extra columns, e.g. `{ label: 'INTEGER' }`; others are inferred from the first batch. */
  extrasTypes?: Record<string, string>;
  /** Validate rows (WKB, bbox, times...). Default true. */
  validate?: boolean;
  /** Called with the number of rows taken in so far after each batch; the writer itself prints nothing. */
  onProgress?: (rowsLoaded: number) => void;
}

/** The keys of {@link WriteGeoParquetOptions} (the compiler checks the list is complete). */
export const WRITE_GEOPARQUET_OPTION_KEYS = optionKeys<WriteGeoParquetOptions>()([
  ...GEOPARQUET_WRITE_OPTION_KEYS,
  'memoryLimit',
  'threads',
  'tempDirectory',
  'batchSize',
  'extrasTypes',
  'validate',
  'onProgress',
]);

/**
 * Streams rows into a GeoParquet 1.1 catalog file at `path` (format in `format.ts`). Rows are validated
 * and appended in batches to a private DuckDB instance (default memory limit 1GB, spilling to a temp
 * directory), sorted (default: Hilbert key of the bbox centre, then tmin) and written in
 * row groups of `rowGroupSize` rows (default 20_480; DuckDB rounds it up to a multiple of its 2048-row vector size) with the `geo` metadata, to a temp file renamed into
 * place. Returns the number of rows written. Throws {@link CatalogError} (`INVALID_ROW` naming the row,
 * `SCHEMA_MISMATCH`, `BAD_OPTION`, `WRITE_FAILED`).
 */
export async function writeGeoParquet(
  rows: AsyncIterable<CatalogRowInput> | Iterable<CatalogRowInput>,
  path: string,
  opts: WriteGeoParquetOptions = {},
): Promise<number> {
  checkOptionKeys(opts, WRITE_GEOPARQUET_OPTION_KEYS, 'writeGeoParquet', CatalogError);
  const engine = await DuckDBEngine.create({
    memoryLimit: opts.memoryLimit ?? '1GB',
    threads: opts.threads,
    tempDirectory: opts.tempDirectory,
  });
  try {
    const { table, count } = await loadRows(engine, rows, {
      batchSize: opts.batchSize,
      extrasTypes: opts.extrasTypes,
      validate: opts.validate,
      source: `rows for ${path}`,
      onProgress: opts.onProgress,
    });
    await copyToGeoParquet(engine, { sql: `SELECT * FROM ${quoteIdent(table)}`, params: {} }, path, opts);
    return count;
  } finally {
    await engine.close();
  }
}
