/**
 * Building a DuckDB catalog from JS rows (the `engine: 'duckdb'` case of `catalogFromRows`).
 */
import type { CatalogRowInput } from '../types.js';
import { catalogOverRows, type DuckDBCatalog } from './catalog.js';
import { DuckDBEngine, sharedEngine, type EngineOptions } from './engine.js';

/**
 * Options of {@link duckdbCatalogFromRows}.
 */
export interface DuckDBFromRowsOptions extends EngineOptions {
  /** Name used in messages and `catalog.source`; default `rows(<count>)`. */
  source?: string;
  /** Rows appended per batch (the extras schema is inferred from the first batch). Default 10_000. */
  batchSize?: number;
  /** Explicit DuckDB types of extra columns, e.g. `{ label: 'INTEGER' }`. */
  extrasTypes?: Record<string, string>;
  /** Validate rows (id, WKB, bbox inside footprint bounds, times, assets). Default true. */
  validate?: boolean;
}

/**
 * Loads rows (validated like the memory backend's, {@link CatalogError} `INVALID_ROW` naming the row)
 * into a DuckDB table and returns a DuckDB catalog over it. Without `memoryLimit`/`threads` the rows go
 * into the process-wide shared engine (so the catalog joins in SQL with files opened by `openCatalog`);
 * with them, into a private engine. `close()` drops the table (or closes the private engine). Extra columns a row lacks are NULL.
 */
export async function duckdbCatalogFromRows(
  rows: AsyncIterable<CatalogRowInput> | Iterable<CatalogRowInput>,
  opts: DuckDBFromRowsOptions = {},
): Promise<DuckDBCatalog> {
  const own = opts.memoryLimit !== undefined || opts.threads !== undefined || opts.tempDirectory !== undefined;
  const engine = own ? await DuckDBEngine.create(opts) : await sharedEngine();
  try {
    const load = {
      batchSize: opts.batchSize,
      extrasTypes: opts.extrasTypes,
      validate: opts.validate,
      source: opts.source,
    };
    return await catalogOverRows(engine, rows, load, own ? () => engine.close() : undefined);
  } catch (e) {
    if (own) await engine.close();
    throw e;
  }
}
