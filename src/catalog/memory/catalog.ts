/**
 * The in-memory {@link GeoCatalog}: plain arrays of rows plus a static R-tree, with lazy operations
 * that compose and run at the eager calls.
 */
import type { ArrowTableLike } from '../types.js';
import { CatalogError } from '../../errors.js';
import { bboxUnion, type BBox } from '../../geo/bbox.js';
import type { TimeInterval } from '../../geo/interval.js';
import type { GeoSlice } from '../../geo/slice.js';
import { normalizeQuery } from '../query-plan.js';
import type {
  CatalogQuery,
  CatalogRow,
  GeoCatalog,
  GeoParquetWriteOptions,
  IntersectOptions,
  SqlParams,
} from '../types.js';
import {
  aggregateWithDuckDB,
  readArrowTable,
  readTableFile,
  sqlWithDuckDB,
  toDuckDBFile,
  toGeoParquetFile,
  whereWithDuckDB,
} from './duckdb-eval.js';
import { filterRelation } from './filter.js';
import { intersectRelations } from './intersect.js';
import { columnsOf, entriesOf, makeRelation, type Relation } from './relation.js';
import { relationSchema } from './schema.js';
import { joinColumns, type PlainTable } from './with-columns.js';
import { CORE_NAMES } from './validate-row.js';

/**
 * An in-memory catalog. Build one with `catalogFromRows(rows)`; every lazy operation returns a new
 * `MemoryCatalog` whose plan runs (once, cached) at its first eager call. `where`, `sql` and `aggregate`
 * text is evaluated by DuckDB over the current rows (an in-process DuckDB catalog built from them);
 * everything else runs in JS without DuckDB.
 *
 * @example
 * ```ts
 * const cat = catalogFromRows(rows);
 * const n = await cat.query({ bbox: [10, 45, 11, 46] }).count();
 * ```
 */
export class MemoryCatalog implements GeoCatalog {
  readonly backend = 'memory' as const;
  readonly source: string;
  private readonly plan: () => Promise<Relation>;
  private readonly steps: readonly string[];
  private result: Promise<Relation> | undefined;
  private closed = false;

  /**
   * Internal: use `catalogFromRows` (or a lazy operation) to get one. `plan` computes the relation,
   * `steps` describe it for `explain()`.
   *
   * @example
   * ```ts
   * const cat = new MemoryCatalog('rows(0)', async () => makeRelation([], []), ['rows(0)']);
   * ```
   */
  constructor(source: string, plan: () => Promise<Relation>, steps: readonly string[]) {
    this.source = source;
    this.plan = plan;
    this.steps = steps;
  }

  /**
   * The computed relation (runs the plan on first call).
   *
   * @example
   * ```ts
   * const rel = await cat.relation();
   * ```
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
    return new MemoryCatalog(this.source, plan, [...this.steps, step]);
  }

  query(q: CatalogQuery | GeoSlice): GeoCatalog {
    const n = normalizeQuery(q);
    const parts: string[] = [];
    if (n.boxes)
      parts.push(
        `bbox ${n.boxes.map((b) => JSON.stringify(b)).join(' or ')} (EPSG:4326): R-tree (flatbush) search, then exact footprint test`,
      );
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
      return n.where === null ? kept : whereWithDuckDB(kept, n.where, n.params, this.source);
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
      `intersect with ${other.backend} catalog ${other.source}: R-tree join on bboxes, exact footprint test${spatialOnly ? '' : ', time ranges overlap'}`,
      async () => intersectRelations(await this.compute(), await relationOf(other), spatialOnly),
    );
  }

  union(other: GeoCatalog): GeoCatalog {
    return this.derive(`union all with ${other.backend} catalog ${other.source}`, async () => {
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
      sqlWithDuckDB(await this.compute(), selectOrWhere, params, this.source),
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
      const plain = await plainTable(table);
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
    return aggregateWithDuckDB(await this.relation(), sql, params);
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
    return {
      async *[Symbol.asyncIterator]() {
        const rel = await self.relation();
        for (const { row } of rel.entries) yield copyRow(row);
      },
    };
  }

  async materialize(): Promise<GeoCatalog> {
    const rel = await this.relation();
    return new MemoryCatalog(this.source, async () => rel, [
      `rows(${rel.entries.length}) materialized from ${this.source}`,
    ]);
  }

  async toGeoParquet(path: string, opts?: GeoParquetWriteOptions): Promise<void> {
    await toGeoParquetFile(await this.relation(), path, opts);
  }

  async toDuckDB(path: string, opts?: { table?: string }): Promise<void> {
    await toDuckDBFile(await this.relation(), path, opts);
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
 *
 * @example
 * ```ts
 * const rel = await relationOf(duckCatalog);
 * ```
 */
export async function relationOf(cat: GeoCatalog): Promise<Relation> {
  if (cat instanceof MemoryCatalog) return cat.relation();
  const rows: CatalogRow[] = [];
  for await (const r of cat.rows()) rows.push(r);
  const columns =
    rows.length > 0 ? columnsOf(rows) : (await cat.schema()).map((c) => c.name).filter((n) => !CORE_NAMES.has(n));
  return makeRelation(entriesOf(rows), columns);
}

async function plainTable(table: Record<string, unknown>[] | ArrowTableLike | string): Promise<PlainTable> {
  if (typeof table === 'string') return readTableFile(table);
  if (Array.isArray(table)) {
    table.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        throw new CatalogError('BAD_QUERY', `withColumns row ${i} is not an object`);
    });
    return { columns: columnsOf(table.map((extras) => ({ extras }))), rows: table };
  }
  if (table && typeof table === 'object' && 'schema' in table && typeof table.getChildAt === 'function')
    return readArrowTable(table);
  throw new CatalogError(
    'BAD_QUERY',
    'withColumns needs an array of row objects, an apache-arrow Table or a parquet file path',
  );
}
