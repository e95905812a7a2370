/**
 * Building a catalog from JS rows: in memory (default) or in DuckDB.
 */
import { CatalogError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { duckdbMemorySql } from './duckdb/memory-sql.js';
import { MemoryCatalog } from './memory/catalog.js';
import { columnsOf, makeRelation, type Entry } from './memory/relation.js';
import { validateRow } from './memory/validate-row.js';
import type { CatalogRowInput, GeoCatalog } from './types.js';

/**
 * Options of {@link catalogFromRows}.
 */
export interface FromRowsOptions {
  /** Default 'memory'. 'duckdb' loads the rows into the DuckDB backend. */
  engine?: 'memory' | 'duckdb';
  /** Name used in messages and `catalog.source`; default `rows(<count>)`. */
  source?: string;
}

/** The keys of {@link FromRowsOptions} (the compiler checks the list is complete). */
export const FROM_ROWS_OPTION_KEYS = optionKeys<FromRowsOptions>()(['engine', 'source']);

/**
 * Validates rows and builds a memory catalog synchronously. Throws {@link CatalogError} `INVALID_ROW`
 * naming the row index and id (bad id, WKB, bbox, dates, assets or extras).
 */
export function memoryCatalogFromRows(rows: Iterable<CatalogRowInput>, opts: { source?: string } = {}): MemoryCatalog {
  if (
    rows === null ||
    typeof rows !== 'object' ||
    typeof (rows as Iterable<CatalogRowInput>)[Symbol.iterator] !== 'function'
  ) {
    throw new CatalogError('INVALID_ROW', 'catalogFromRows needs an array (or iterable) of CatalogRow objects');
  }
  const entries: Entry[] = [];
  let i = 0;
  for (const r of rows) entries.push({ row: validateRow(r, i++).row });
  const rel = makeRelation(entries, columnsOf(entries.map((e) => e.row)));
  const source = opts.source ?? `rows(${entries.length})`;
  return new MemoryCatalog(source, async () => rel, [source], memorySql);
}

/** SQL for memory catalogs: DuckDB catalogs over their rows in the shared engine, DuckDB loaded only when used. */
export const memorySql = duckdbMemorySql(async (rows) => {
  const { duckdbCatalogFromRows } = await import('./duckdb/from-rows.js');
  return duckdbCatalogFromRows(rows, { validate: false });
});

/**
 * A catalog over JS rows. The memory backend (default) validates the rows now (throwing
 * {@link CatalogError} `INVALID_ROW` that names the row) and returns the catalog synchronously; it keeps
 * them in arrays with an R-tree. `engine: 'duckdb'` loads them into the DuckDB backend and returns a
 * promise. Extra columns a row lacks are NULL. (`await` works on both.)
 */
export function catalogFromRows(
  rows: Iterable<CatalogRowInput>,
  opts?: FromRowsOptions & { engine?: 'memory' },
): MemoryCatalog;
export function catalogFromRows(
  rows: Iterable<CatalogRowInput>,
  opts: FromRowsOptions & { engine: 'duckdb' },
): Promise<GeoCatalog>;
export function catalogFromRows(
  rows: Iterable<CatalogRowInput>,
  opts?: FromRowsOptions,
): GeoCatalog | Promise<GeoCatalog>;
export function catalogFromRows(
  rows: Iterable<CatalogRowInput>,
  opts: FromRowsOptions = {},
): GeoCatalog | Promise<GeoCatalog> {
  checkOptionKeys(opts, FROM_ROWS_OPTION_KEYS, 'catalogFromRows', CatalogError);
  const engine = opts.engine ?? 'memory';
  if (engine === 'memory') return memoryCatalogFromRows(rows, opts);
  if (engine === 'duckdb')
    return import('./duckdb/from-rows.js').then(({ duckdbCatalogFromRows }) => duckdbCatalogFromRows(rows));
  throw new CatalogError(
    'BAD_OPTION',
    `catalogFromRows engine must be 'memory' or 'duckdb', got ${JSON.stringify(engine)}`,
  );
}
