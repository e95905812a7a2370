/**
 * How the memory backend runs SQL: `where`, `sql()` and `aggregate()` text is evaluated by DuckDB over
 * the memory rows (loaded into an in-process DuckDB catalog), parquet tables are read with DuckDB, and
 * writing goes through the GeoParquet writer. DuckDB itself is imported only when one of these runs,
 * so bbox/interval work on a memory catalog never loads it.
 */
import { existsSync } from 'node:fs';
import { CatalogError } from '../../errors.js';
import type { MemorySql } from '../memory/catalog.js';
import { columnsOf, entriesOf, makeRelation, type Relation } from '../memory/relation.js';
import { CORE_NAMES } from '../memory/validate-row.js';
import type { PlainTable } from '../memory/with-columns.js';
import type { ArrowTableLike, CatalogRow, GeoCatalog, GeoParquetWriteOptions, SqlParams } from '../types.js';

/** Extra column carrying each memory row's position through DuckDB, so `where` keeps the original rows. */
const POSITION = '__geoslice_memory_pos';

/**
 * Makes a DuckDB catalog over memory rows that closing it drops. The rows are not validated again:
 * they were validated on entry or derived by catalog operations (an intersect's bbox is the overlap of
 * both bboxes, smaller than its footprint, which row validation would refuse).
 */
export type RowsCatalogFactory = (rows: CatalogRow[]) => Promise<GeoCatalog>;

/**
 * The {@link MemorySql} of the memory backend: DuckDB catalogs made by `rowsCatalog` evaluate the SQL.
 * `rowsCatalog` is a parameter so that this module does not import the DuckDB catalog, which imports
 * the memory catalog to materialize.
 */
export function duckdbMemorySql(rowsCatalog: RowsCatalogFactory): MemorySql {
  const withDuck = async <T>(rows: CatalogRow[], f: (cat: GeoCatalog) => Promise<T>): Promise<T> => {
    const cat = await rowsCatalog(rows);
    try {
      return await f(cat);
    } finally {
      await cat.close();
    }
  };
  return {
    where: (rel, where, params, source) => whereWithDuckDB(withDuck, rel, where, params, source),
    sql: (rel, text, params, source) => sqlWithDuckDB(withDuck, rel, text, params, source),
    aggregate: (rel, sql, params) => withDuck(rowsOf(rel), (cat) => cat.aggregate(sql, params)),
    readTableFile,
    readArrowTable,
    toGeoParquet: toGeoParquetFile,
    toDuckDB: (rel, path, opts) => withDuck(rowsOf(rel), (cat) => cat.toDuckDB(path, opts)),
  };
}

type WithDuck = <T>(rows: CatalogRow[], f: (cat: GeoCatalog) => Promise<T>) => Promise<T>;

function rowsOf(rel: Relation): CatalogRow[] {
  return rel.entries.map((e) => e.row);
}

/**
 * The rows of `rel` for which DuckDB evaluates `where` (with `params` bound) to true, in their order,
 * as the original memory rows. An empty relation stays empty without running DuckDB (it would not
 * know the extra columns). Errors are the DuckDB backend's {@link CatalogError}s.
 */
async function whereWithDuckDB(
  withDuck: WithDuck,
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
 */
async function sqlWithDuckDB(
  withDuck: WithDuck,
  rel: Relation,
  text: string,
  params: SqlParams | undefined,
  source: string,
): Promise<Relation> {
  return withDuck(rowsOf(rel), async (cat) => {
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
  });
}

/**
 * Reads a parquet file into a plain table (for `withColumns`). Throws {@link CatalogError} `NOT_FOUND`
 * for a missing path and `QUERY_FAILED` (naming the file) when DuckDB cannot read it.
 */
async function readTableFile(path: string): Promise<PlainTable> {
  if (!existsSync(path))
    throw new CatalogError('NOT_FOUND', `withColumns: ${path} does not exist; pass the path of a parquet file`, {
      subject: path,
    });
  const { sharedEngine, duckError } = await import('./engine.js');
  const { literalPath } = await import('./sql.js');
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

/** The records of an Arrow table (for `withColumns`), converted like the DuckDB backend does (timestamps and dates become `Date`s). */
async function readArrowTable(table: ArrowTableLike): Promise<PlainTable> {
  const { arrowToRecords } = await import('./load-records.js');
  return arrowToRecords(table);
}

/** Writes the rows of `rel` as GeoParquet with the streaming GeoParquet writer. */
async function toGeoParquetFile(rel: Relation, path: string, opts?: GeoParquetWriteOptions): Promise<void> {
  const { writeGeoParquet } = await import('../geoparquet/writer.js');
  // Rows were validated on entry or derived by catalog operations (an intersect's bbox is the overlap
  // of both bboxes, smaller than its footprint), so the writer does not validate them again.
  await writeGeoParquet(rowsOf(rel), path, { ...opts, validate: false });
}
