/**
 * The DuckDB {@link GeoCatalog}: a lazy SQL relation over GeoParquet files, a `.duckdb` table or
 * loaded rows. Lazy operations wrap the relation in more SQL (user values bound, identifiers
 * validated); eager operations run it on a fresh connection of the catalog's engine.
 */
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type ArrowTableLike, GEOPARQUET_WRITE_OPTION_KEYS } from '../types.js';
import { CatalogError, iterateAtBoundary } from '../../errors.js';
import { checkOptionKeys } from '../../option-keys.js';
import type { BBox } from '../../geo/bbox.js';
import type { TimeInterval } from '../../geo/interval.js';
import type { GeoSlice } from '../../geo/slice.js';
import { normalizeQuery } from '../query-plan.js';
import type {
  CatalogQuery,
  CatalogRow,
  CatalogRowInput,
  GeoCatalog,
  GeoParquetWriteOptions,
  IntersectOptions,
  SqlParams,
} from '../types.js';
import { CORE_COLUMNS } from '../geoparquet/format.js';
import { copyToDuckDB, copyToGeoParquet } from '../geoparquet/copy.js';
import { joinedColumns } from '../memory/intersect.js';
import { MemoryCatalog, relationOf } from '../memory/catalog.js';
import {
  describeQuery,
  duckError,
  runAll,
  runStatement,
  runStream,
  sharedEngine,
  type DuckDBEngine,
} from './engine.js';
import { loadRows, type LoadRowsOptions } from './load-rows.js';
import { duckdbMemorySql } from './memory-sql.js';
import { arrowToRecords, loadRecords } from './load-records.js';
import { chunkToRows, ROW_SELECT } from './row-convert.js';
import { Sandbox } from './sandbox.js';
import { bindFragment, literalPath, quoteIdent, quoteSchemaName, sqlString, type BoundSql } from './sql.js';
import { UDF } from './udf.js';
import { checkUserSql, type UserSqlKind } from './user-sql.js';

let paramCounter = 0;
let resultCounter = 0;
/** A fresh bound-parameter name holding `value`. */
function param(params: Record<string, unknown>, value: unknown): string {
  const name = `g${++paramCounter}`;
  params[name] = value;
  return `$${name}`;
}

const EXPECTED: Record<string, (t: string) => boolean> = {
  id: (t) => t === 'VARCHAR',
  assets: (t) => t.startsWith('MAP(VARCHAR, STRUCT(href VARCHAR'),
  geometry: (t) => t === 'BLOB',
  bbox: (t) => /^STRUCT\(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE\)$/.test(t),
  tmin: (t) => t === 'TIMESTAMP WITH TIME ZONE',
  tmax: (t) => t === 'TIMESTAMP WITH TIME ZONE',
  crs: (t) => t === 'VARCHAR',
  backend: (t) => t === 'VARCHAR',
};

const EXPECTED_TEXT: Record<string, string> = {
  id: 'VARCHAR',
  assets: 'MAP(VARCHAR, STRUCT(href VARCHAR, band INTEGER))',
  geometry: 'BLOB (WKB)',
  bbox: 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)',
  tmin: 'TIMESTAMPTZ',
  tmax: 'TIMESTAMPTZ',
  crs: 'VARCHAR',
  backend: 'VARCHAR',
};

/**
 * A catalog backed by DuckDB. Get one from `openCatalog(...)` or `duckdbCatalogFromRows(rows)`;
 * every lazy operation returns a new `DuckDBCatalog` sharing the engine.
 */
export class DuckDBCatalog implements GeoCatalog {
  readonly engine = 'duckdb' as const;
  private relationPromise: Promise<BoundSql> | undefined;
  private countPromise: Promise<number> | undefined;
  private closed = false;
  /** Set on place/time query results: they filter a validated relation, so their columns need no second DESCRIBE. */
  private filtersValidatedRelation = false;
  /** Sandboxes of the untrusted relations this catalog ran, by SQL text; closed by `close()`. */
  private readonly sandboxes = new Map<string, Promise<Sandbox>>();

  /**
   * Internal: `build` produces the relation (a SELECT with the catalog columns) when first needed.
   * `onClose` releases what this catalog owns (its engine, or the tables its rows were loaded into);
   * catalogs derived from a closed one stop working (`CLOSED` or a missing-table `QUERY_FAILED`).
   */
  constructor(
    readonly db: DuckDBEngine,
    readonly source: string,
    private readonly build: () => Promise<BoundSql>,
    private readonly onClose?: () => Promise<void>,
  ) {}

  /**
   * The relation, built once and checked to have the catalog columns with their types
   * ({@link CatalogError} `MISSING_COLUMNS` / `BAD_COLUMN_TYPE` naming them).
   */
  relation(): Promise<BoundSql> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!this.relationPromise) {
      this.relationPromise = (async () => {
        const rel = await this.build();
        if (this.filtersValidatedRelation) return rel;
        const cols = await this.describe(rel);
        const byName = new Map(cols.map((c) => [c.name, c.type.replaceAll('"', '')]));
        const missing = CORE_COLUMNS.filter((c) => !byName.has(c));
        if (missing.length) {
          throw new CatalogError(
            'MISSING_COLUMNS',
            `${this.source}: the result lacks the catalog column(s) ${missing.join(', ')}; a catalog needs ${CORE_COLUMNS.join(', ')} (select them, e.g. SELECT *, ... FROM catalog)`,
            { subject: missing.join(',') },
          );
        }
        const bad = CORE_COLUMNS.filter((c) => !EXPECTED[c](byName.get(c)!));
        if (bad.length) {
          throw new CatalogError(
            'BAD_COLUMN_TYPE',
            `${this.source}: catalog column(s) ${bad.map((c) => `${c} is ${byName.get(c)} (expected ${EXPECTED_TEXT[c]})`).join('; ')}; cast them in the query`,
            { subject: bad.join(',') },
          );
        }
        return rel;
      })();
      this.relationPromise.catch(() => undefined);
    }
    return this.relationPromise;
  }

  private closedError(): CatalogError {
    return new CatalogError('CLOSED', `catalog ${this.source} was closed; open it again`, { subject: this.source });
  }

  private async describe(rel: BoundSql): Promise<{ name: string; type: string }[]> {
    const conn = await this.connectFor(rel);
    try {
      return (await describeQuery(conn, rel.sql, rel.params, this.source)).map((c) => ({
        name: c.name,
        type: c.type.toString(),
      }));
    } finally {
      conn.closeSync();
    }
  }

  /**
   * A catalog over `build(this relation)`. Tables `build` creates (imported rows, joined tables) are
   * registered in `owned` and dropped when the derived catalog is closed.
   */
  private derive(build: (base: BoundSql, owned: string[]) => Promise<BoundSql>, source = this.source): DuckDBCatalog {
    if (this.closed) throw this.closedError();
    const owned: string[] = [];
    const db = this.db;
    const release = async (): Promise<void> => {
      for (const t of owned.splice(0)) await db.exec(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
    };
    return new DuckDBCatalog(db, source, async () => build(await this.relation(), owned), release);
  }

  /**
   * A connection for running `rel`: the engine's for trusted SQL, the relation's sandbox (external
   * access off, configuration locked) when it contains user SQL.
   */
  private async connectFor(rel: BoundSql): Promise<DuckDBConnection> {
    if (!rel.untrusted) return this.db.connect();
    if (this.closed) throw this.closedError();
    let box = this.sandboxes.get(rel.sql);
    if (!box) {
      box = Sandbox.create(this.db, rel.sql, this.source);
      this.sandboxes.set(rel.sql, box);
      box.catch(() => this.sandboxes.delete(rel.sql));
    }
    return (await box).connect();
  }

  /** Validates user SQL with DuckDB's parser on an engine connection (the text is not run there). */
  private async checkUser(sql: string, kind: UserSqlKind, what: string): Promise<void> {
    const conn = await this.db.connect();
    try {
      await checkUserSql(conn, sql, kind, `${this.source} ${what}`);
    } finally {
      conn.closeSync();
    }
  }

  /** The other catalog's relation in this engine: shared SQL when it lives in the same engine, else its rows loaded into a table (added to `owned`). */
  private async foreign(other: GeoCatalog, owned: string[]): Promise<BoundSql> {
    if (other instanceof DuckDBCatalog && other.db === this.db) return other.relation();
    const { table } = await loadRows(this.db, other.rows(), { validate: false, source: other.source });
    owned.push(table);
    return { sql: `SELECT * FROM ${quoteIdent(table)}`, params: {} };
  }

  query(q: CatalogQuery | GeoSlice): GeoCatalog {
    const n = normalizeQuery(q);
    const where = n.where !== null ? bindFragment(n.where, n.params, `${this.source} query where`) : null;
    const result = this.derive(async (base) => {
      if (where) await this.checkUser(where.sql, 'where', 'query where');
      const params: Record<string, unknown> = { ...base.params };
      const conds: string[] = [];
      if (n.boxes) {
        if (n.boxes.length === 0) conds.push('false');
        const ys = n.boxes.map((b) => [b[1], b[3]]);
        const sameY = ys.every((y) => y[0] === ys[0][0] && y[1] === ys[0][1]);
        if (sameY && n.boxes.length > 1)
          conds.push(`bbox.ymin <= ${param(params, ys[0][1])} AND bbox.ymax >= ${param(params, ys[0][0])}`);
        const alts = n.boxes.map((b) => {
          const [x1, y1, x2, y2] = b.map((v) => param(params, v));
          const cheap = `bbox.xmin <= ${x2} AND bbox.xmax >= ${x1} AND bbox.ymin <= ${y2} AND bbox.ymax >= ${y1}`;
          return `(${cheap} AND CASE WHEN ${cheap} THEN ${UDF.intersectsBBox}(geometry, ${x1}, ${y1}, ${x2}, ${y2}) ELSE false END)`;
        });
        if (alts.length) conds.push(alts.length === 1 ? alts[0] : `(${alts.join(' OR ')})`);
      }
      if (n.interval) {
        const { start, end } = n.interval;
        const dated: string[] = [];
        if (start) {
          const s = param(params, start);
          dated.push(`(tmax IS NULL OR tmax >= ${s})`, `coalesce(tmax, tmin) >= ${s}`);
        }
        if (end) {
          const e = param(params, end);
          dated.push(`(tmin IS NULL OR tmin <= ${e})`, `coalesce(tmin, tmax) <= ${e}`);
        }
        const datedSql = `(tmin IS NOT NULL OR tmax IS NOT NULL)${dated.length ? ` AND ${dated.join(' AND ')}` : ''}`;
        conds.push(n.includeUndated ? `((tmin IS NULL AND tmax IS NULL) OR (${datedSql}))` : datedSql);
      }
      if (where) {
        conds.push(`(${where.sql})`);
        Object.assign(params, where.params);
      }
      if (conds.length === 0) return base;
      return {
        sql: `SELECT * FROM (${base.sql}) AS q WHERE ${conds.join(' AND ')}`,
        params,
        untrusted: base.untrusted || where !== null,
      };
    });
    // Without user SQL the filter cannot change the columns (a user `where` is still checked up front).
    if (where === null) result.filtersValidatedRelation = true;
    return result;
  }

  intersect(other: GeoCatalog, opts: IntersectOptions = {}): GeoCatalog {
    if (opts.spatialOnly !== undefined && typeof opts.spatialOnly !== 'boolean') {
      throw new CatalogError(
        'BAD_QUERY',
        `intersect option spatialOnly must be a boolean, got ${String(opts.spatialOnly)}`,
      );
    }
    const spatialOnly = opts.spatialOnly ?? false;
    return this.derive(async (left, owned) => {
      const right = await this.foreign(other, owned);
      const extrasOf = async (r: BoundSql) =>
        (await this.describe(r)).map((c) => c.name).filter((c) => !(CORE_COLUMNS as readonly string[]).includes(c));
      const [le, re] = await Promise.all([extrasOf(left), extrasOf(right)]);
      const names = joinedColumns(le, re);
      const expr = new Map<string, string>();
      for (const c of le) expr.set(c, `l.${quoteSchemaName(c)}`);
      for (const c of re) expr.set(names.rightName.get(c)!, `r.${quoteSchemaName(c)}`);
      expr.set('left_id', 'l.id');
      expr.set('right_id', 'r.id');
      const extras = names.columns.map((c) => `${expr.get(c)} AS ${quoteSchemaName(c)}`);
      const time = spatialOnly
        ? ''
        : ` AND (l.tmin IS NOT NULL OR l.tmax IS NOT NULL) AND (r.tmin IS NOT NULL OR r.tmax IS NOT NULL)
            AND coalesce(l.tmin, l.tmax) <= coalesce(r.tmax, r.tmin) AND coalesce(r.tmin, r.tmax) <= coalesce(l.tmax, l.tmin)`;
      const select = `SELECT l.id || '|' || r.id AS id,
          map_concat(l.assets, map_from_entries(list_transform(map_entries(r.assets),
            e -> {'key': CASE WHEN list_contains(map_keys(l.assets), e.key) THEN 'right_' || e.key ELSE e.key END, 'value': e.value}))) AS assets,
          l.geometry AS geometry,
          struct_pack(xmin := greatest(l.bbox.xmin, r.bbox.xmin), ymin := greatest(l.bbox.ymin, r.bbox.ymin),
                      xmax := least(l.bbox.xmax, r.bbox.xmax), ymax := least(l.bbox.ymax, r.bbox.ymax)) AS bbox,
          CASE WHEN l.tmin IS NULL OR r.tmin IS NULL THEN NULL ELSE greatest(l.tmin, r.tmin) END AS tmin,
          CASE WHEN l.tmax IS NULL OR r.tmax IS NULL THEN NULL ELSE least(l.tmax, r.tmax) END AS tmax,
          l.crs AS crs, l.backend AS backend${extras.length ? `,\n          ${extras.join(', ')}` : ''}`;
      const overlap = `l.bbox.xmin <= r.bbox.xmax AND r.bbox.xmin <= l.bbox.xmax AND l.bbox.ymin <= r.bbox.ymax AND r.bbox.ymin <= l.bbox.ymax${time}`;
      const cell = await this.joinCellSize(left, right);
      const g = gridSql(cell);
      const once = `${g.cellOf('greatest(l.bbox.xmin, r.bbox.xmin)')} = l.gs_gx AND ${g.cellOf('greatest(l.bbox.ymin, r.bbox.ymin)')} = l.gs_gy`;
      // The exact (JS) footprint test runs only on pairs that pass the cheap tests: CASE evaluates its
      // THEN branch only for the rows whose WHEN holds, whatever order the optimizer gives the filters.
      const exact = (cheap: string) =>
        `WHERE CASE WHEN ${cheap} THEN ${UDF.geomsIntersect}(l.geometry, r.geometry) ELSE false END`;
      // Grid (partition) join: rows spanning at most GRID_MAX_CELLS cells go to every cell they touch and
      // pairs meet by cell (a hash join); a pair is kept only in the cell holding the lower-left corner of
      // the two bboxes' intersection, so it comes out once. The few larger rows pair by bbox inequalities.
      const sql = `${select}
        FROM (${g.spread(left.sql)}) AS l JOIN (${g.spread(right.sql)}) AS r
          ON l.gs_gx = r.gs_gx AND l.gs_gy = r.gs_gy
        ${exact(`${overlap} AND ${once}`)}
        UNION ALL ${select}
        FROM (${g.large(left.sql)}) AS l JOIN (${right.sql}) AS r ON ${overlap}
        ${exact('true')}
        UNION ALL ${select}
        FROM (${g.small(left.sql)}) AS l JOIN (${g.large(right.sql)}) AS r ON ${overlap}
        ${exact('true')}`;
      return { sql, params: { ...left.params, ...right.params }, untrusted: left.untrusted || right.untrusted };
    }, `${this.source} ∩ ${other.source}`);
  }

  /**
   * Grid cell size (degrees) of the partition join: the larger mean bbox extent of the two sides, so a
   * typical row of the side with larger rows touches about 4 cells and one of the other side 1 or 2.
   */
  private async joinCellSize(left: BoundSql, right: BoundSql): Promise<number> {
    const ext = async (r: BoundSql) => {
      const [row] = await this.db.all(
        `SELECT avg(bbox.xmax - bbox.xmin) AS w, avg(bbox.ymax - bbox.ymin) AS h FROM (${r.sql}) AS s`,
        r.params,
        this.source,
      );
      return Math.max(Number(row.w ?? 0) || 0, Number(row.h ?? 0) || 0);
    };
    const [a, b] = await Promise.all([ext(left), ext(right)]);
    const size = Math.max(a, b);
    return size > 1e-9 ? Math.min(size, 360) : 1e-6;
  }

  union(other: GeoCatalog): GeoCatalog {
    return this.derive(async (left, owned) => {
      const right = await this.foreign(other, owned);
      return {
        sql: `SELECT * FROM (${left.sql}) UNION ALL BY NAME SELECT * FROM (${right.sql})`,
        params: { ...left.params, ...right.params },
        untrusted: left.untrusted || right.untrusted,
      };
    }, `${this.source} ∪ ${other.source}`);
  }

  sql(selectOrWhere: string, params?: SqlParams): GeoCatalog {
    const b = bindFragment(selectOrWhere, params, 'sql()');
    return this.derive(async (base) => {
      const select = withCatalog(base.sql, b.sql);
      await this.checkUser(b.sql, select ? 'select' : 'where', 'sql()');
      return {
        sql: select ?? `SELECT * FROM (${base.sql}) AS catalog WHERE (${b.sql})`,
        params: { ...base.params, ...b.params },
        untrusted: true,
      };
    });
  }

  withColumns(table: Record<string, unknown>[] | ArrowTableLike | string, opts: { on?: string } = {}): GeoCatalog {
    const on = opts.on ?? 'id';
    const onSql = quoteIdent(on, 'withColumns on');
    const what =
      typeof table === 'string'
        ? `parquet file ${table}`
        : Array.isArray(table)
          ? `rows(${table.length})`
          : 'an Arrow table';
    return this.derive(async (base, owned) => {
      let tableSql: string;
      if (typeof table === 'string') {
        const abs = resolvePath(table);
        if (!existsSync(abs))
          throw new CatalogError('NOT_FOUND', `withColumns: ${table} does not exist; pass the path of a parquet file`, {
            subject: table,
          });
        tableSql = `SELECT * FROM read_parquet(${sqlString(literalPath(abs))})`;
      } else if (Array.isArray(table)) {
        const columns = [...new Set(table.flatMap((r) => (typeof r === 'object' && r !== null ? Object.keys(r) : [])))];
        const t = await loadRecords(this.db, columns, table, what);
        owned.push(t);
        tableSql = `SELECT * FROM ${quoteIdent(t)}`;
      } else if (table && typeof table === 'object' && 'schema' in table) {
        const { columns, rows } = arrowToRecords(table);
        const t = await loadRecords(this.db, columns, rows, what);
        owned.push(t);
        tableSql = `SELECT * FROM ${quoteIdent(t)}`;
      } else {
        throw new CatalogError(
          'BAD_QUERY',
          'withColumns needs rows (an array of objects), an Arrow table or a parquet file path',
        );
      }
      const catCols = (await this.describe(base)).map((c) => c.name);
      const tabCols = (await this.describe({ sql: tableSql, params: {} })).map((c) => c.name);
      if (!catCols.includes(on)) {
        throw new CatalogError(
          'BAD_QUERY',
          `withColumns: the catalog has no column ${JSON.stringify(on)} to join on; use 'id' or one of ${catCols.join(', ')}`,
          { subject: on },
        );
      }
      if (!tabCols.includes(on)) {
        throw new CatalogError(
          'BAD_QUERY',
          `withColumns: ${what} has no join column ${JSON.stringify(on)}; its columns are ${tabCols.join(', ')}`,
          { subject: what },
        );
      }
      const added = tabCols.filter((c) => c !== on);
      const core = added.filter((c) => (CORE_COLUMNS as readonly string[]).includes(c));
      if (core.length) {
        throw new CatalogError(
          'BAD_QUERY',
          `withColumns: ${what} has column(s) ${core.join(', ')} that would replace core catalog columns; rename them`,
          { subject: core.join(',') },
        );
      }
      const replaced = added.filter((c) => catCols.includes(c));
      const left = replaced.length ? `c.* EXCLUDE (${replaced.map(quoteSchemaName).join(', ')})` : 'c.*';
      const right = added.map((c) => `t.${quoteSchemaName(c)}`);
      return {
        sql: `SELECT ${[left, ...right].join(', ')} FROM (${base.sql}) AS c LEFT JOIN (${tableSql}) AS t ON c.${onSql} = t.${onSql}`,
        params: base.params,
        untrusted: base.untrusted,
      };
    });
  }

  count(): Promise<number> {
    if (!this.countPromise) {
      this.countPromise = (async () => {
        const [r] = await this.run(`SELECT count(*) AS n FROM ($REL) AS c`);
        return Number(r.n);
      })();
      this.countPromise.catch(() => {
        this.countPromise = undefined;
      });
    }
    return this.countPromise;
  }

  async bounds(): Promise<BBox | null> {
    const [r] = await this.run(
      `SELECT min(bbox.xmin) AS a, min(bbox.ymin) AS b, max(bbox.xmax) AS c, max(bbox.ymax) AS d FROM ($REL) AS c`,
    );
    return r.a === null ? null : [r.a as number, r.b as number, r.c as number, r.d as number];
  }

  async temporalExtent(): Promise<TimeInterval | null> {
    const [r] = await this.run(`SELECT min(tmin) AS s, max(tmax) AS e FROM ($REL) AS c`);
    if (r.s === null && r.e === null) return null;
    return { start: (r.s as Date | null) ?? null, end: (r.e as Date | null) ?? null };
  }

  async aggregate(sql: string, params?: SqlParams): Promise<Record<string, unknown>[]> {
    const b = bindFragment(sql, params, 'aggregate()');
    const rel = await this.relation();
    const text = withCatalog(rel.sql, b.sql);
    if (!text)
      throw new CatalogError(
        'BAD_QUERY',
        'aggregate() needs a SELECT (or WITH/FROM) over the relation `catalog`, e.g. SELECT split, count(*) FROM catalog GROUP BY split',
      );
    await this.checkUser(b.sql, 'select', 'aggregate()');
    const composed: BoundSql = { sql: text, params: { ...rel.params, ...b.params }, untrusted: true };
    const conn = await this.connectFor(composed);
    try {
      return await runAll(conn, composed.sql, composed.params, this.source);
    } finally {
      conn.closeSync();
    }
  }

  async explain(): Promise<string> {
    const rows = await this.run(`EXPLAIN SELECT * FROM ($REL) AS c`);
    return rows.map((r) => String(r.explain_value ?? Object.values(r).join('\n'))).join('\n');
  }

  async schema(): Promise<{ name: string; type: string }[]> {
    return this.describe(await this.relation());
  }

  rows(opts: { batchSize?: number } = {}): AsyncIterable<CatalogRow> {
    const batchSize = opts.batchSize ?? 2048;
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new CatalogError(
        'BAD_OPTION',
        `rows() batchSize must be a positive integer, got ${String(opts.batchSize)}`,
      );
    const self = this;
    return {
      [Symbol.asyncIterator]: () => iterateAtBoundary(CatalogError, `rows of ${self.source}`, stream()),
    };
    async function* stream(): AsyncGenerator<CatalogRow> {
      const rel = await self.relation();
      const conn = await self.connectFor(rel);
      try {
        const result = await runStream(conn, `SELECT ${ROW_SELECT} FROM (${rel.sql}) AS c`, rel.params, self.source);
        const names = result.columnNames();
        const fetch = () => {
          const p = result.fetchChunk().catch((e: unknown) => {
            throw duckError(e, self.source);
          });
          p.catch(() => undefined);
          return p;
        };
        // One chunk is always in flight, so DuckDB produces the next while JS converts this one.
        let next = fetch();
        let done = false;
        while (!done) {
          const batch: CatalogRow[] = [];
          while (batch.length < batchSize) {
            const chunk = await next;
            if (!chunk || chunk.rowCount === 0) {
              done = true;
              break;
            }
            next = fetch();
            for (const r of chunkToRows(chunk, names, self.source)) batch.push(r);
          }
          if (batch.length > 0) yield* batch;
        }
      } finally {
        conn.interrupt();
        conn.closeSync();
      }
    }
  }

  async materialize(): Promise<GeoCatalog> {
    const rel = await relationOf(this);
    return new MemoryCatalog(
      this.source,
      async () => rel,
      [`materialized from duckdb catalog ${this.source}`],
      duckdbMemorySql(async (rows) => catalogOverRows(await sharedEngine(), rows, { validate: false })),
    );
  }

  async toGeoParquet(path: string, opts: GeoParquetWriteOptions = {}): Promise<void> {
    checkOptionKeys(opts, GEOPARQUET_WRITE_OPTION_KEYS, 'toGeoParquet', CatalogError);
    const untrusted = (await this.relation()).untrusted === true;
    await copyToGeoParquet(this.db, await this.trustedRelation(), path, opts, untrusted);
  }

  async toDuckDB(path: string, opts: { table?: string } = {}): Promise<void> {
    const untrusted = (await this.relation()).untrusted === true;
    await copyToDuckDB(this.db, await this.trustedRelation(), path, opts.table ?? 'catalog', untrusted);
  }

  /**
   * The relation as SQL the engine may run itself: for a relation with user SQL, its sandbox first
   * writes the result to a Parquet file in its scratch directory, and the engine reads that file.
   */
  private async trustedRelation(): Promise<BoundSql> {
    const rel = await this.relation();
    if (!rel.untrusted) return rel;
    const conn = await this.connectFor(rel);
    const box = await this.sandboxes.get(rel.sql)!;
    const file = join(box.scratch, `result-${++resultCounter}.parquet`);
    try {
      await runStatement(conn, `COPY (${rel.sql}) TO ${sqlString(file)} (FORMAT parquet)`, rel.params, this.source);
    } finally {
      conn.closeSync();
    }
    return { sql: `SELECT * FROM read_parquet(${sqlString(literalPath(file))})`, params: {} };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const boxes = [...this.sandboxes.values()];
    this.sandboxes.clear();
    for (const b of await Promise.allSettled(boxes)) if (b.status === 'fulfilled') b.value.close();
    if (this.onClose) await this.onClose();
  }

  /** Runs `sql` with `$REL` replaced by the relation; returns plain rows. */
  private async run(sql: string): Promise<Record<string, unknown>[]> {
    const rel = await this.relation();
    const conn = await this.connectFor(rel);
    try {
      return await runAll(
        conn,
        sql.replace('$REL', () => rel.sql),
        rel.params,
        this.source,
      );
    } finally {
      conn.closeSync();
    }
  }
}

/** A user SELECT/WITH/FROM over `catalog` with the relation bound as the CTE `catalog`, or null for a bare expression. */
function withCatalog(rel: string, user: string): string | null {
  const m = /^\s*(with|select|from)\b/i.exec(user);
  if (!m) return null;
  if (m[1].toLowerCase() === 'with') return `WITH catalog AS (${rel}), ${user.slice(m[0].length)}`;
  return `WITH catalog AS (${rel}) ${user}`;
}

/**
 * A catalog over `rows` loaded into a new table of `engine` (errors as {@link loadRows}). Closing it
 * drops the table, or runs `release` instead when given (e.g. to close an engine made for it).
 */
export async function catalogOverRows(
  engine: DuckDBEngine,
  rows: AsyncIterable<CatalogRowInput> | Iterable<CatalogRowInput>,
  load: LoadRowsOptions,
  release?: () => Promise<void>,
): Promise<DuckDBCatalog> {
  const { table, count } = await loadRows(engine, rows, load);
  const rel = { sql: `SELECT * FROM ${quoteIdent(table)}`, params: {} };
  const drop = () => engine.exec(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  return new DuckDBCatalog(engine, load.source ?? `rows(${count})`, async () => rel, release ?? drop);
}

/** Rows touching more cells than this pair by bbox inequalities instead of by cell. */
const GRID_MAX_CELLS = 64;

/** SQL pieces of the grid join for cells of `size` degrees. */
function gridSql(size: number): {
  cellOf: (x: string) => string;
  spread: (rel: string) => string;
  small: (rel: string) => string;
  large: (rel: string) => string;
} {
  const c = size.toPrecision(17);
  const cellOf = (x: string) => `CAST(floor((${x}) / ${c}) AS BIGINT)`;
  const withRange = (rel: string) =>
    `SELECT *, ${cellOf('bbox.xmin')} AS gs_gx0, ${cellOf('bbox.xmax')} AS gs_gx1, ${cellOf('bbox.ymin')} AS gs_gy0, ${cellOf('bbox.ymax')} AS gs_gy1 FROM (${rel}) AS s`;
  const count = '(gs_gx1 - gs_gx0 + 1) * (gs_gy1 - gs_gy0 + 1)';
  const small = (rel: string) => `SELECT * FROM (${withRange(rel)}) AS s WHERE ${count} <= ${GRID_MAX_CELLS}`;
  const large = (rel: string) => `SELECT * FROM (${withRange(rel)}) AS s WHERE ${count} > ${GRID_MAX_CELLS}`;
  const spread = (rel: string) =>
    `SELECT *, unnest(range(gs_gy0, gs_gy1 + 1)) AS gs_gy FROM (SELECT *, unnest(range(gs_gx0, gs_gx1 + 1)) AS gs_gx FROM (${small(rel)}) AS a) AS b`;
  return { cellOf, spread, small, large };
}
