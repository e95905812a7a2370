/**
 * Streams {@link CatalogRow}s into a DuckDB table in batches (filled column-wise into DuckDB data
 * chunks of a staging table, then moved into the final table by SQL), so memory stays bounded by the
 * batch size (DuckDB spills the table beyond its memory limit). Used by the writer,
 * by `duckdbCatalogFromRows` and to import another backend's rows for a join.
 */
import {
  DuckDBDataChunk,
  blobValue,
  timestampTZValue,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { CatalogError, GeosliceError } from '../../errors.js';
import { validateRow } from '../memory/validate-row.js';
import type { CatalogRowInput } from '../types.js';
import { CORE_COLUMNS, CORE_TYPES } from '../geoparquet/format.js';
import { mergeTypes, typeOfValue, typeSql, type ExtraType } from '../geoparquet/extras-types.js';
import type { DuckDBEngine } from './engine.js';
import { duckError } from './engine.js';
import { quoteIdent } from './sql.js';

/**
 * Options of {@link loadRows}.
 */
export interface LoadRowsOptions {
  /** Rows validated and appended per batch; the extras schema is inferred from the first batch. Default 10_000. */
  batchSize?: number;
  /** Explicit DuckDB types for extra columns (e.g. `{ label: 'INTEGER' }`), overriding inference. */
  extrasTypes?: Record<string, string>;
  /** Validate each row (id, WKB, bbox, times, assets). Default true; rows read from a catalog are already valid. */
  validate?: boolean;
  /** Where the rows come from, for messages. */
  source?: string;
  /** Called with the number of rows loaded so far after each batch (for progress display). */
  onProgress?: (rowsLoaded: number) => void;
}

/**
 * Creates a table in `engine` and appends the rows. Returns its name, the extra columns in order
 * and the row count. Throws {@link CatalogError}: `INVALID_ROW` (naming row index/id and field),
 * `SCHEMA_MISMATCH` (an extra column appearing after the first batch or changing type — pass
 * `extrasTypes`), `UNSUPPORTED_VALUE`.
 */
export async function loadRows(
  engine: DuckDBEngine,
  rows: AsyncIterable<CatalogRowInput> | Iterable<CatalogRowInput>,
  opts: LoadRowsOptions = {},
): Promise<{ table: string; extras: string[]; count: number }> {
  const batchSize = opts.batchSize ?? 10_000;
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new CatalogError('BAD_OPTION', `batchSize must be a positive integer, got ${String(opts.batchSize)}`);
  const validate = opts.validate ?? true;
  const source = opts.source ?? 'rows';
  const it = toAsyncIterator(rows);
  const table = engine.newTableName('gs_rows');

  // First batch: infer the extras schema.
  const first: CatalogRowInput[] = [];
  let index = 0;
  while (first.length < batchSize) {
    const n = await it.next();
    if (n.done) break;
    first.push(validate ? validateRow(n.value, index).row : n.value);
    index++;
  }
  const explicit = opts.extrasTypes ?? {};
  for (const [k, t] of Object.entries(explicit)) {
    quoteIdent(k, 'extrasTypes key');
    if (typeof t !== 'string' || !/^[A-Za-z0-9_ ,()[\]"]+$/.test(t))
      throw new CatalogError(
        'BAD_OPTION',
        `extrasTypes.${k} must be a DuckDB type such as 'INTEGER', got ${JSON.stringify(t)}`,
      );
  }
  const inferred = new Map<string, ExtraType>();
  first.forEach((r, i) => {
    for (const [k, v] of Object.entries(r.extras ?? {})) {
      if (k in explicit) continue;
      const where = `${source} row ${i} (id ${JSON.stringify(r.id)}) column ${JSON.stringify(k)}`;
      const prev = inferred.get(k) ?? { kind: 'null' };
      inferred.set(k, mergeTypes(prev, typeOfValue(v, where), where));
    }
  });
  const extras = [...new Set([...first.flatMap((r) => Object.keys(r.extras ?? {})), ...Object.keys(explicit)])];
  for (const k of extras) {
    if ((CORE_COLUMNS as readonly string[]).includes(k))
      throw new CatalogError('INVALID_ROW', `${source}: extra column "${k}" reuses a core column name; rename it`, {
        subject: k,
      });
  }
  const columnSql = [
    ...CORE_COLUMNS.map((c) => `${quoteIdent(c)} ${CORE_TYPES[c]}`),
    ...extras.map((k) => `${quoteIdent(k)} ${explicit[k] ?? typeSql(inferred.get(k)!)}`),
  ];
  const extraTypes = extras.map((k) => (k in explicit ? undefined : inferred.get(k)));
  // Staging: primitive columns go into DuckDB vectors directly; lists, structs and explicitly typed
  // extras travel as JSON text and are cast by DuckDB when the batch moves into the final table.
  const stageKind = extras.map((k, e): StageKind => {
    const t = extraTypes[e];
    if (!t) return /^\s*(VARCHAR|TEXT|STRING)\s*$/i.test(explicit[k]) ? 'json-string' : 'json';
    if (t.kind === 'scalar') return t.sql;
    if (t.kind === 'null') return 'VARCHAR';
    return 'json';
  });
  const stage = engine.newTableName('gs_stage');
  const stageSql = [
    'c0 VARCHAR',
    'c1 VARCHAR',
    'c2 BLOB',
    'c3 DOUBLE',
    'c4 DOUBLE',
    'c5 DOUBLE',
    'c6 DOUBLE',
    'c7 TIMESTAMP WITH TIME ZONE',
    'c8 TIMESTAMP WITH TIME ZONE',
    'c9 VARCHAR',
    'c10 VARCHAR',
    ...stageKind.map((k, e) => `c${11 + e} ${k === 'json' || k === 'json-string' ? 'VARCHAR' : k}`),
  ];
  const moveSql = `INSERT INTO ${quoteIdent(table)} SELECT c0, map_from_entries(CAST(CAST(c1 AS JSON) AS STRUCT(key VARCHAR, value STRUCT(href VARCHAR, band INTEGER))[])),
      c2, struct_pack(xmin := c3, ymin := c4, xmax := c5, ymax := c6), c7, c8, c9, c10${extras
        .map((k, e) => {
          const c = `c${11 + e}`;
          const kind = stageKind[e];
          if (kind === 'json-string') return `, json_extract_string(${c}, '$')`;
          if (kind === 'json') return `, CAST(CAST(${c} AS JSON) AS ${explicit[k] ?? typeSql(extraTypes[e]!)})`;
          return `, ${c}`;
        })
        .join('')} FROM ${quoteIdent(stage)}`;
  const extraSet = new Set(extras);
  const conn = await engine.connect();
  let count = 0;
  try {
    try {
      await conn.run(`CREATE TABLE ${quoteIdent(table)} (${columnSql.join(', ')})`);
      await conn.run(`CREATE TEMP TABLE ${quoteIdent(stage)} (${stageSql.join(', ')})`);
    } catch (e) {
      throw duckError(e, `${source}: creating the table (check extrasTypes)`);
    }
    const probe = await conn.createAppender(stage, 'main', 'temp');
    const types: DuckDBType[] = [];
    for (let c = 0; c < probe.columnCount; c++) types.push(probe.columnType(c));
    probe.closeSync();
    const pending: CatalogRowInput[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const firstRow = count - pending.length;
      const appender = await conn.createAppender(stage, 'main', 'temp');
      try {
        for (let base = 0; base < pending.length; base += CHUNK) {
          const n = Math.min(CHUNK, pending.length - base);
          const chunk = DuckDBDataChunk.create(types, n);
          const v = types.map((_, c) => chunk.getColumnVector(c));
          for (let j = 0; j < n; j++) fillRow(v, j, pending[base + j], firstRow + base + j);
          for (const x of v) x.flush();
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } catch (e) {
        if (e instanceof GeosliceError) throw e;
        throw duckError(e, `${source}: appending rows ${firstRow}..${count - 1}`);
      } finally {
        appender.closeSync();
      }
      pending.length = 0;
      try {
        await conn.run(moveSql);
        await conn.run(`DELETE FROM ${quoteIdent(stage)}`);
      } catch (e) {
        throw duckError(e, `${source}: rows ${firstRow}..${count - 1}`);
      }
      opts.onProgress?.(count);
    };
    const fillRow = (v: DuckDBVector[], j: number, r: CatalogRowInput, i: number): void => {
      const where = (k: string) => `${source} row ${i} (id ${JSON.stringify(r.id)}) column ${JSON.stringify(k)}`;
      const ex = r.extras ?? {};
      for (const k of Object.keys(ex)) {
        if (!extraSet.has(k)) {
          throw new CatalogError(
            'SCHEMA_MISMATCH',
            `${where(k)}: this extra column did not appear in the first ${batchSize} rows; declare it with extrasTypes or raise batchSize`,
            { subject: r.id },
          );
        }
      }
      let assets = '[';
      for (const [key, a] of Object.entries(r.assets)) {
        assets += `${assets.length > 1 ? ',' : ''}{"key":${JSON.stringify(key)},"value":{"href":${JSON.stringify(a.href)},"band":${a.band ?? 'null'}}}`;
      }
      v[0].setItem(j, r.id);
      v[1].setItem(j, `${assets}]`);
      v[2].setItem(j, blobValue(r.geometry));
      v[3].setItem(j, r.bbox[0]);
      v[4].setItem(j, r.bbox[1]);
      v[5].setItem(j, r.bbox[2]);
      v[6].setItem(j, r.bbox[3]);
      v[7].setItem(j, r.tmin ? timestampTZValue(BigInt(r.tmin.getTime()) * 1000n) : null);
      v[8].setItem(j, r.tmax ? timestampTZValue(BigInt(r.tmax.getTime()) * 1000n) : null);
      v[9].setItem(j, r.crs);
      v[10].setItem(j, r.backend ?? 'raster');
      for (let e = 0; e < extras.length; e++) {
        const x = ex[extras[e]];
        const t = extraTypes[e];
        if (t && !fits(x, t)) {
          throw new CatalogError(
            'SCHEMA_MISMATCH',
            `${where(extras[e])}: value ${String(x).slice(0, 60)} does not fit the column type ${typeSql(t)} inferred from the first ${batchSize} rows; make the column consistent or pass extrasTypes`,
            { subject: r.id },
          );
        }
        v[11 + e].setItem(j, stageValue(x, stageKind[e], where(extras[e])));
      }
    };
    for (const r of first) {
      pending.push(r);
      count++;
      if (pending.length >= batchSize) await flush();
    }
    first.length = 0;
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      pending.push(validate ? validateRow(n.value, index).row : n.value);
      count++;
      index++;
      if (pending.length >= batchSize) await flush();
    }
    await flush();
  } catch (e) {
    await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`).catch(() => undefined);
    if (typeof it.return === 'function') await it.return();
    throw e;
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`).catch(() => undefined);
    conn.closeSync();
  }
  return { table, extras, count };
}

/** Rows per DuckDB data chunk. */
const CHUNK = 2048;

/** How an extra column is staged: a scalar DuckDB type, or JSON text (cast later; `json-string` for explicit VARCHAR). */
type StageKind =
  | 'BOOLEAN'
  | 'DOUBLE'
  | 'BIGINT'
  | 'VARCHAR'
  | 'TIMESTAMP WITH TIME ZONE'
  | 'BLOB'
  | 'json'
  | 'json-string';

function stageValue(v: unknown, kind: StageKind, where: string): DuckDBValue {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'TIMESTAMP WITH TIME ZONE':
      return timestampTZValue(BigInt((v as Date).getTime()) * 1000n);
    case 'BLOB':
      return blobValue(v as Uint8Array);
    case 'json':
    case 'json-string':
      return toJson(v, where);
    default:
      return v as DuckDBValue;
  }
}

/** True when `v` can be stored in a column of type `t` without loss. */
function fits(v: unknown, t: ExtraType): boolean {
  if (v === null || v === undefined) return true;
  switch (t.kind) {
    case 'null':
      return typeof v === 'string';
    case 'scalar':
      switch (t.sql) {
        case 'DOUBLE':
          return typeof v === 'number' && !Number.isNaN(v);
        case 'BIGINT':
          return typeof v === 'bigint';
        case 'VARCHAR':
          return typeof v === 'string';
        case 'BOOLEAN':
          return typeof v === 'boolean';
        case 'TIMESTAMP WITH TIME ZONE':
          return v instanceof Date && !Number.isNaN(v.getTime());
        case 'BLOB':
          return v instanceof Uint8Array;
      }
      return false;
    case 'list':
      return Array.isArray(v) && v.every((x) => fits(x, t.of));
    case 'struct':
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof Date || v instanceof Uint8Array) return false;
      if (t.fields.size === 0) return Object.keys(v).length === 0;
      return Object.entries(v).every(([k, x]) => t.fields.has(k) && fits(x, t.fields.get(k)!));
  }
}

/** JSON text DuckDB casts into the column type: bigints as integers, Dates as ISO text; bytes are refused. */
function toJson(v: unknown, where: string): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number':
      if (Number.isFinite(v)) return String(v);
      return JSON.stringify(String(v));
    case 'bigint':
      return v.toString();
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'object':
      if (v instanceof Date) return `"${v.toISOString()}"`;
      if (v instanceof Uint8Array)
        throw new CatalogError(
          'UNSUPPORTED_VALUE',
          `${where}: binary values inside lists or objects are not supported; store them in their own column`,
          { subject: where },
        );
      if (Array.isArray(v)) return `[${v.map((x) => toJson(x, where)).join(',')}]`;
      return `{${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x, where)}`)
        .join(',')}}`;
    default:
      throw new CatalogError('UNSUPPORTED_VALUE', `${where}: cannot store a ${typeof v} value`, { subject: where });
  }
}

function toAsyncIterator<T>(src: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (src && typeof (src as AsyncIterable<T>)[Symbol.asyncIterator] === 'function')
    return (src as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (src && typeof (src as Iterable<T>)[Symbol.iterator] === 'function') {
    const sync = (src as Iterable<T>)[Symbol.iterator]();
    return {
      next: async () => sync.next(),
      return: async (v?: unknown) => (sync.return ? sync.return(v) : { done: true, value: v }) as IteratorResult<T>,
    };
  }
  throw new CatalogError('BAD_INPUT', 'rows must be an array, an iterable or an async iterable of CatalogRow');
}
