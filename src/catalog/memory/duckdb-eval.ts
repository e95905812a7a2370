/**
 * The parts of the memory backend that need SQL or files: `where`, `sql()` and `aggregate()` text is
 * evaluated by DuckDB over the memory rows (loaded into an in-process DuckDB catalog), parquet tables
 * are read with DuckDB, and writing goes through the GeoParquet writer. DuckDB is imported only when
 * one of these runs, so bbox/interval work never loads it.
 */
import { existsSync } from 'node:fs';
import type { ArrowTableLike } from '../types.js';
import { CatalogError } from '../../errors.js';
import type { CatalogRow, GeoCatalog, GeoParquetWriteOptions, SqlParams } from '../types.js';
import { columnsOf, entriesOf, makeRelation, type Relation } from './relation.js';
import { CORE_NAMES } from './validate-row.js';
import type { PlainTable } from './with-columns.js';

/** Extra column carrying each memory row's position through DuckDB, so `where` keeps the original rows. */
const POSITION = '__geoslice_memory_pos';

/**
 * A DuckDB catalog over memory rows, in a table of the shared engine that closing the catalog drops.
 * The rows are not validated again: they were validated on entry or
 * derived by catalog operations (an intersect's bbox is the overlap of both bboxes, smaller than
 * its footprint, which row validation would refuse).
 */
async function duckCatalog(rows: CatalogRow[]): Promise<GeoCatalog> {
  const { duckdbCatalogFromRows } = await import('../duckdb/from-rows.js');
  return duckdbCatalogFromRows(rows, { validate: false });
}

async function withDuck<T>(rows: CatalogRow[], f: (cat: GeoCatalog) => Promise<T>): Promise<T> {
  const cat = await duckCatalog(rows);
  try {
    return await f(cat);
  } finally {
    await cat.close();
  }
}

/**
 * The rows of `rel` for which DuckDB evaluates `where` (with `params` bound) to true, in their order,
 * as the original memory rows. An empty relation stays empty without running DuckDB (it would not
 * know the extra columns). Errors are the DuckDB backend's {@link CatalogError}s.
 *
 * @example
 * ```ts
 * const cloudFree = await whereWithDuckDB(rel, 'cloud_pct < $max', { max: 10 }, 'rows(100)');
 * ```
 */
export async function whereWithDuckDB(
  rel: Relation,
  where: string,
  params: SqlParams | undefined,
  source: string,
): Promise<Relation> {
  if (rel.entries.length === 0) return rel;
  if (rel.columns.includes(POSITION))
    throw new CatalogError('BAD_QUERY', `${source}: column ${POSITION} is reserved by the memory backend; rename it`);
  const tagged = rel.entries.map((e, i) => ({ ...e.row, extras: { ...e.row.extras, [POSITION]: i } }));
  const keep = await withDuck(tagged, async (cat) => {
    const out: number[] = [];
    const filtered = cat.query({ where, params });
    try {
      for await (const r of filtered.rows()) out.push(Number(r.extras[POSITION]));
    } finally {
      await filtered.close();
    }
    return out;
  });
  keep.sort((a, b) => a - b);
  return makeRelation(
    keep.map((i) => rel.entries[i]),
    rel.columns,
  );
}

/**
 * Runs `sql()` (a SELECT over `catalog` or a bare WHERE expression) with DuckDB over the rows of `rel`;
 * the result rows become the new relation.
 *
 * @example
 * ```ts
 * const rel2 = await sqlWithDuckDB(rel, "SELECT * FROM catalog WHERE split = 'val'", undefined, 'rows(10)');
 * ```
 */
export async function sqlWithDuckDB(
  rel: Relation,
  text: string,
  params: SqlParams | undefined,
  source: string,
): Promise<Relation> {
  return withDuck(
    rel.entries.map((e) => e.row),
    async (cat) => {
      const out = cat.sql(text, params);
      const rows: CatalogRow[] = [];
      let columns: string[];
      try {
        for await (const r of out.rows()) rows.push(r);
        columns =
          rows.length > 0 ? columnsOf(rows) : (await out.schema()).map((c) => c.name).filter((n) => !CORE_NAMES.has(n));
      } finally {
        await out.close();
      }
      try {
        return makeRelation(entriesOf(rows), columns);
      } catch (e) {
        throw new CatalogError(
          'BAD_QUERY',
          `${source}: sql() returned a geometry that is not valid WKB: ${(e as Error).message}`,
          { cause: e },
        );
      }
    },
  );
}

/**
 * Runs `aggregate()` with DuckDB over the rows of `rel` and returns plain rows.
 *
 * @example
 * ```ts
 * const [{ n }] = await aggregateWithDuckDB(rel, 'SELECT count(*) AS n FROM catalog', undefined);
 * ```
 */
export async function aggregateWithDuckDB(
  rel: Relation,
  sql: string,
  params: SqlParams | undefined,
): Promise<Record<string, unknown>[]> {
  return withDuck(
    rel.entries.map((e) => e.row),
    (cat) => cat.aggregate(sql, params),
  );
}

/**
 * Reads a parquet file into a plain table (for `withColumns`). Throws {@link CatalogError} `NOT_FOUND`
 * for a missing path and `QUERY_FAILED` (naming the file) when DuckDB cannot read it.
 *
 * @example
 * ```ts
 * const labels = await readTableFile('labels.parquet');
 * ```
 */
export async function readTableFile(path: string): Promise<PlainTable> {
  if (!existsSync(path))
    throw new CatalogError('NOT_FOUND', `withColumns: ${path} does not exist; pass the path of a parquet file`, {
      subject: path,
    });
  const { sharedEngine, duckError } = await import('../duckdb/engine.js');
  const { literalPath } = await import('../duckdb/sql.js');
  const conn = await (await sharedEngine()).connect();
  try {
    const reader = await conn.runAndReadAll('SELECT * FROM read_parquet($path)', { path: literalPath(path) });
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJS() as Record<string, unknown>[] };
  } catch (e) {
    throw duckError(e, path);
  } finally {
    conn.closeSync();
  }
}

/**
 * The records of an Arrow table (for `withColumns`), converted like the DuckDB backend does
 * (timestamps and dates become `Date`s).
 *
 * @example
 * ```ts
 * const labels = await readArrowTable(tableFromArrays({ id: ['a'], split: ['val'] }));
 * ```
 */
export async function readArrowTable(table: ArrowTableLike): Promise<PlainTable> {
  const { arrowToRecords } = await import('../duckdb/load-records.js');
  return arrowToRecords(table);
}

/**
 * Writes the rows of `rel` as GeoParquet with the streaming GeoParquet writer.
 *
 * @example
 * ```ts
 * await toGeoParquetFile(rel, 'out.parquet', { compression: 'zstd' });
 * ```
 */
export async function toGeoParquetFile(rel: Relation, path: string, opts?: GeoParquetWriteOptions): Promise<void> {
  const { writeGeoParquet } = await import('../geoparquet/writer.js');
  // Rows were validated on entry or derived by catalog operations (an intersect's bbox is the overlap
  // of both bboxes, smaller than its footprint), so the writer does not validate them again.
  await writeGeoParquet(
    rel.entries.map((e) => e.row),
    path,
    { ...opts, validate: false },
  );
}

/**
 * Writes the rows of `rel` into a `.duckdb` file through the DuckDB backend.
 *
 * @example
 * ```ts
 * await toDuckDBFile(rel, 'catalog.duckdb', { table: 'scenes' });
 * ```
 */
export async function toDuckDBFile(rel: Relation, path: string, opts?: { table?: string }): Promise<void> {
  await withDuck(
    rel.entries.map((e) => e.row),
    (cat) => cat.toDuckDB(path, opts),
  );
}
