/**
 * The in-memory {@link GeoCatalog}: plain arrays of rows plus a static R-tree, with lazy operations
 * that compose and run at the eager calls.
 */
import { type ArrowTableLike, GEOPARQUET_WRITE_OPTION_KEYS } from '../types.js';
import { CatalogError, iterateAtBoundary } from '../../errors.js';
import { checkOptionKeys } from '../../option-keys.js';
import { type BBox, bboxUnion, type GeoSlice, type TimeInterval } from '../../geo/index.js';
import { isGeoSlice, planQuery } from '../query-plan.js';
import type {
  CatalogQuery,
  CatalogRow,
  GeoCatalog,
  GeoParquetWriteOptions,
  IntersectOptions,
  SqlParams,
} from '../types.js';
import { filterRelation } from './filter.js';
import { intersectRelations } from './intersect.js';
import { columnsOf, entriesOf, makeRelation, type Relation } from './relation.js';
import { relationSchema } from './schema.js';
import { joinColumns, type PlainTable } from './with-columns.js';
import { CORE_NAMES } from './validate-row.js';

/**
 * What the memory backend cannot do in JS: SQL text (`where`, `sql()`, `aggregate()`), reading parquet
 * and Arrow tables for `withColumns`, and writing files. The catalog is given one when it is made
 * (`catalogFromRows` and DuckDB's `materialize()` give DuckDB's), so this folder does not import the
 * DuckDB backend, which imports this one to materialize.
 */
export interface MemorySql {
  /** The rows of `rel` for which `where` is true, in their order, as the original rows. */
  where(rel: Relation, where: string, params: SqlParams | undefined, source: string): Promise<Relation>;
  /** The rows of `sql()` (a SELECT over `catalog` or a bare WHERE expression) over the rows of `rel`. */
  sql(rel: Relation, text: string, params: SqlParams | undefined, source: string): Promise<Relation>;
  aggregate(rel: Relation, sql: string, params: SqlParams | undefined): Promise<Record<string, unknown>[]>;
  readTableFile(path: string): Promise<PlainTable>;
  readArrowTable(table: ArrowTableLike): Promise<PlainTable>;
  toGeoParquet(rel: Relation, path: string, opts?: GeoParquetWriteOptions): Promise<void>;
  toDuckDB(rel: Relation, path: string, opts?: { table?: string }): Promise<void>;
}

/**
 * An in-memory catalog. Build one with `catalogFromRows(rows)`; every lazy operation returns a new
 * `MemoryCatalog` whose plan runs (once, cached) at its first eager call. `where`, `sql` and `aggregate`
 * text is evaluated by DuckDB over the current rows (an in-process DuckDB catalog built from them);
 * everything else runs in JS without DuckDB.
 */
export class MemoryCatalog implements GeoCatalog {
  readonly engine = 'memory' as const;
  readonly source: string;
  private readonly plan: () => Promise<Relation>;
  private readonly steps: readonly string[];
  private readonly sqlEngine: MemorySql;
  private result: Promise<Relation> | undefined;
  private closed = false;

  /**
   * Internal: use `catalogFromRows` (or a lazy operation) to get one. `plan` computes the relation,
   * `steps` describe it for `explain()`, `sqlEngine` runs what needs SQL or files.
   */
  constructor(source: string, plan: () => Promise<Relation>, steps: readonly string[], sqlEngine: MemorySql) {
    this.source = source;
    this.plan = plan;
    this.steps = steps;
    this.sqlEngine = sqlEngine;
  }

  /**
   * The computed relation (runs the plan on first call).
   */
  relation(): Promise<Relation> {
    if (this.closed) {
      return Promise.reject(
        new CatalogError('CLOSED', `memory catalog ${this.source} was closed; build a new one with catalogFromRows`, {
          subject: this.source,
        }),
      );
    }
    return this.compute();
  }

  /** Runs the plan once (again after a failure); derived catalogs use it so that closing this one does not break them. */
  private compute(): Promise<Relation> {
    if (!this.result) {
      const run = this.plan();
      this.result = run;
      run.catch(() => {
        if (this.result === run) this.result = undefined;
      });
    }
    return this.result;
  }

  private derive(step: string, plan: () => Promise<Relation>): MemoryCatalog {
    if (this.closed)
      throw new CatalogError(
        'CLOSED',
        `memory catalog ${this.source} was closed; build a new one with catalogFromRows`,
        { subject: this.source },
      );
    return new MemoryCatalog(this.source, plan, [...this.steps, step], this.sqlEngine);
  }

  query(q: CatalogQuery | GeoSlice): GeoCatalog {
    const n = planQuery(q);
    const parts: string[] = [];
    if (n.spatial) {
      const box = isGeoSlice(q) ? q.bounds : q.bbox;
      const crs = isGeoSlice(q) ? q.crs : (q.crs ?? 'EPSG:4326');
      parts.push(
        `bbox ${JSON.stringify(box)} (${crs}), in EPSG:4326 within ${n.spatial.cover.map((b) => JSON.stringify(b)).join(' or ')}: R-tree (flatbush) search, then exact footprint test`,
      );
    }
    if (n.interval) {
      const iso = (d: Date | null) => (d ? d.toISOString() : 'open');
      parts.push(
        `interval [${iso(n.interval.start)}, ${iso(n.interval.end)}] overlap, undated rows ${n.includeUndated ? 'kept' : 'dropped'}`,
      );
    }
    if (n.where !== null) parts.push(`where ${JSON.stringify(n.where)} evaluated by DuckDB over the surviving rows`);
    return this.derive(`query: ${parts.join('; ') || 'no filter'}`, async () => {
      const rel = await this.compute();
      const kept = makeRelation(filterRelation(rel, n), rel.columns);
      return n.where === null ? kept : this.sqlEngine.where(kept, n.where, n.params, this.source);
    });
  }

  intersect(other: GeoCatalog, opts: IntersectOptions = {}): GeoCatalog {
    if (opts.spatialOnly !== undefined && typeof opts.spatialOnly !== 'boolean') {
      throw new CatalogError(
        'BAD_QUERY',
        `intersect option spatialOnly must be a boolean, got ${String(opts.spatialOnly)}`,
      );
    }
    const spatialOnly = opts.spatialOnly ?? false;
    return this.derive(
      `intersect with ${other.engine} catalog ${other.source}: R-tree join on bboxes, exact footprint test${spatialOnly ? '' : ', time ranges overlap'}`,
      async () => intersectRelations(await this.compute(), await relationOf(other), spatialOnly),
    );
  }

  union(other: GeoCatalog): GeoCatalog {
    return this.derive(`union all with ${other.engine} catalog ${other.source}`, async () => {
      const a = await this.compute();
      const b = await relationOf(other);
      const columns = [...a.columns, ...b.columns.filter((c) => !a.columns.includes(c))];
      return makeRelation([...a.entries, ...b.entries], columns);
    });
  }

  sql(selectOrWhere: string, params?: SqlParams): GeoCatalog {
    if (typeof selectOrWhere !== 'string' || selectOrWhere.trim() === '') {
      throw new CatalogError('BAD_QUERY', 'sql() needs a SELECT over the relation `catalog` or a WHERE expression');
    }
    return this.derive(`sql ${JSON.stringify(selectOrWhere)} evaluated by DuckDB over the rows`, async () =>
      this.sqlEngine.sql(await this.compute(), selectOrWhere, params, this.source),
    );
  }

  withColumns(table: Record<string, unknown>[] | ArrowTableLike | string, opts: { on?: string } = {}): GeoCatalog {
    const on = opts.on ?? 'id';
    if (typeof on !== 'string' || on === '')
      throw new CatalogError('BAD_QUERY', 'withColumns option on must be a column name');
    const what =
      typeof table === 'string'
        ? `parquet file ${table}`
        : Array.isArray(table)
          ? `rows(${table.length})`
          : 'an Arrow table';
    return this.derive(`withColumns from ${what}: left join on ${on}`, async () => {
      const plain = await plainTable(table, this.sqlEngine);
      return joinColumns(await this.compute(), plain, on, what);
    });
  }

  async count(): Promise<number> {
    return (await this.relation()).entries.length;
  }

  async bounds(): Promise<BBox | null> {
    let b: BBox | null = null;
    for (const { row } of (await this.relation()).entries) b = b ? bboxUnion(b, row.bbox) : [...row.bbox];
    return b;
  }

  async temporalExtent(): Promise<TimeInterval | null> {
    let lo: number | null = null;
    let hi: number | null = null;
    for (const { row } of (await this.relation()).entries) {
      if (row.tmin && (lo === null || row.tmin.getTime() < lo)) lo = row.tmin.getTime();
      if (row.tmax && (hi === null || row.tmax.getTime() > hi)) hi = row.tmax.getTime();
    }
    if (lo === null && hi === null) return null;
    return { start: lo === null ? null : new Date(lo), end: hi === null ? null : new Date(hi) };
  }

  async aggregate(sql: string, params?: SqlParams): Promise<Record<string, unknown>[]> {
    if (typeof sql !== 'string' || sql.trim() === '')
      throw new CatalogError('BAD_QUERY', 'aggregate() needs a SELECT over the relation `catalog`');
    return this.sqlEngine.aggregate(await this.relation(), sql, params);
  }

  async explain(): Promise<string> {
    const lines = [
      'memory backend (JS arrays + static R-tree):',
      ...this.steps.map((s, i) => `${'  '.repeat(i + 1)}-> ${s}`),
    ];
    if (this.result) lines.push(`computed: ${(await this.result).entries.length} rows`);
    return lines.join('\n');
  }

  async schema(): Promise<{ name: string; type: string }[]> {
    return relationSchema(await this.relation());
  }

  rows(opts: { batchSize?: number } = {}): AsyncIterable<CatalogRow> {
    const bs = opts.batchSize;
    if (bs !== undefined && !(Number.isInteger(bs) && bs > 0)) {
      throw new CatalogError('BAD_OPTION', `rows({ batchSize }) must be a positive integer, got ${String(bs)}`);
    }
    const self = this;
    async function* stream(): AsyncGenerator<CatalogRow> {
      const rel = await self.relation();
      for (const { row } of rel.entries) yield copyRow(row);
    }
    return { [Symbol.asyncIterator]: () => iterateAtBoundary(CatalogError, `rows of ${self.source}`, stream()) };
  }

  async materialize(): Promise<GeoCatalog> {
    const rel = await this.relation();
    return new MemoryCatalog(
      this.source,
      async () => rel,
      [`rows(${rel.entries.length}) materialized from ${this.source}`],
      this.sqlEngine,
    );
  }

  async toGeoParquet(path: string, opts?: GeoParquetWriteOptions): Promise<void> {
    checkOptionKeys(opts, GEOPARQUET_WRITE_OPTION_KEYS, 'toGeoParquet', CatalogError);
    await this.sqlEngine.toGeoParquet(await this.relation(), path, opts);
  }

  async toDuckDB(path: string, opts?: { table?: string }): Promise<void> {
    await this.sqlEngine.toDuckDB(await this.relation(), path, opts);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A copy the caller may mutate without touching the catalog (the WKB bytes are shared). */
function copyRow(r: CatalogRow): CatalogRow {
  const assets: CatalogRow['assets'] = {};
  for (const [k, a] of Object.entries(r.assets)) assets[k] = { ...a };
  return { ...r, assets, bbox: [...r.bbox], extras: { ...r.extras } };
}

/**
 * The rows of any catalog as a relation: a memory catalog's own, another backend's streamed in.
 */
export async function relationOf(cat: GeoCatalog): Promise<Relation> {
  if (cat instanceof MemoryCatalog) return cat.relation();
  const rows: CatalogRow[] = [];
  for await (const r of cat.rows()) rows.push(r);
  const columns =
    rows.length > 0 ? columnsOf(rows) : (await cat.schema()).map((c) => c.name).filter((n) => !CORE_NAMES.has(n));
  return makeRelation(entriesOf(rows), columns);
}

async function plainTable(
  table: Record<string, unknown>[] | ArrowTableLike | string,
  sql: MemorySql,
): Promise<PlainTable> {
  if (typeof table === 'string') return sql.readTableFile(table);
  if (Array.isArray(table)) {
    table.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        throw new CatalogError('BAD_QUERY', `withColumns row ${i} is not an object`);
    });
    return { columns: columnsOf(table.map((extras) => ({ extras }))), rows: table };
  }
  if (table && typeof table === 'object' && 'schema' in table && typeof table.getChildAt === 'function')
    return sql.readArrowTable(table);
  throw new CatalogError(
    'BAD_QUERY',
    'withColumns needs an array of row objects, an apache-arrow Table or a parquet file path',
  );
}
