/**
 * Streams {@link CatalogRow}s into a DuckDB table in batches through the appender, so memory stays
 * bounded by the batch size (DuckDB spills the table beyond its memory limit). Used by the writer,
 * by `duckdbCatalogFromRows` and to import another backend's rows for a join.
 */
import {
  DuckDBDataChunkWriter,
  JSToDuckDBValueConverter,
  blobValue,
  mapValue,
  structValue,
  timestampTZValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CatalogError, GeosliceError } from '../../errors.js';
import { validateRow } from '../memory/validate-row.js';
import type { CatalogRow } from '../types.js';
import { CORE_COLUMNS, CORE_TYPES } from '../geoparquet/format.js';
import { conformValue, mergeTypes, typeOfValue, typeSql, type ExtraType } from '../geoparquet/extras-types.js';
import type { DuckDBEngine } from './engine.js';
import { duckError } from './engine.js';
import { quoteIdent } from './sql.js';

/**
 * Options of {@link loadRows}.
 *
 * @example
 * ```ts
 * const opts: LoadRowsOptions = { batchSize: 10_000, extrasTypes: { label: 'INTEGER' } };
 * ```
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
}

/**
 * Creates a table in `engine` and appends the rows. Returns its name, the extra columns in order
 * and the row count. Throws {@link CatalogError}: `INVALID_ROW` (naming row index/id and field),
 * `SCHEMA_MISMATCH` (an extra column appearing after the first batch or changing type — pass
 * `extrasTypes`), `UNSUPPORTED_VALUE`.
 *
 * @example
 * ```ts
 * const { table, count } = await loadRows(engine, rows);
 * ```
 */
export async function loadRows(
  engine: DuckDBEngine,
  rows: AsyncIterable<CatalogRow> | Iterable<CatalogRow>,
  opts: LoadRowsOptions = {},
): Promise<{ table: string; extras: string[]; count: number }> {
  const batchSize = opts.batchSize ?? 10_000;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new CatalogError('BAD_OPTION', `batchSize must be a positive integer, got ${String(opts.batchSize)}`);
  const validate = opts.validate ?? true;
  const source = opts.source ?? 'rows';
  const it = toAsyncIterator(rows);
  const table = engine.newTableName('gs_rows');

  // First batch: infer the extras schema.
  const first: CatalogRow[] = [];
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
    if (typeof t !== 'string' || !/^[A-Za-z0-9_ ,()[\]"]+$/.test(t)) throw new CatalogError('BAD_OPTION', `extrasTypes.${k} must be a DuckDB type such as 'INTEGER', got ${JSON.stringify(t)}`);
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
    if ((CORE_COLUMNS as readonly string[]).includes(k)) throw new CatalogError('INVALID_ROW', `${source}: extra column "${k}" reuses a core column name; rename it`, { subject: k });
  }
  const columnSql = [
    ...CORE_COLUMNS.map((c) => `${quoteIdent(c)} ${CORE_TYPES[c]}`),
    ...extras.map((k) => `${quoteIdent(k)} ${explicit[k] ?? typeSql(inferred.get(k)!)}`),
  ];
  const conn = await engine.connect();
  let count = 0;
  try {
    try {
      await conn.run(`CREATE TABLE ${quoteIdent(table)} (${columnSql.join(', ')})`);
    } catch (e) {
      throw duckError(e, `${source}: creating the table (check extrasTypes)`);
    }
    const appender = await conn.createAppender(table);
    const types: DuckDBType[] = [];
    for (let c = 0; c < appender.columnCount; c++) types.push(appender.columnType(c));
    const writer = DuckDBDataChunkWriter.forAppender(appender);
    const extraSet = new Set(extras);
    const extraTypes = extras.map((k) => inferred.get(k));
    const append = (r: CatalogRow, i: number): void => {
      const ex = r.extras ?? {};
      for (const k of Object.keys(ex)) {
        if (!extraSet.has(k)) {
          throw new CatalogError('SCHEMA_MISMATCH', `${source} row ${i} (id ${JSON.stringify(r.id)}): extra column "${k}" did not appear in the first ${batchSize} rows; declare it with extrasTypes or raise batchSize`, { subject: r.id });
        }
      }
      const values: DuckDBValue[] = [
        r.id,
        mapValue(Object.entries(r.assets).map(([key, a]) => ({ key, value: structValue({ href: a.href, band: a.band ?? null }) }))),
        blobValue(r.geometry),
        structValue({ xmin: r.bbox[0], ymin: r.bbox[1], xmax: r.bbox[2], ymax: r.bbox[3] }),
        r.tmin ? timestampTZValue(BigInt(r.tmin.getTime()) * 1000n) : null,
        r.tmax ? timestampTZValue(BigInt(r.tmax.getTime()) * 1000n) : null,
        r.crs,
      ];
      for (let e = 0; e < extras.length; e++) {
        const v = conformValue(ex[extras[e]], extraTypes[e]);
        try {
          values.push(v === null ? null : JSToDuckDBValueConverter(v as never, types[CORE_COLUMNS.length + e], JSToDuckDBValueConverter));
        } catch (err) {
          throw new CatalogError(
            'SCHEMA_MISMATCH',
            `${source} row ${i} (id ${JSON.stringify(r.id)}) column "${extras[e]}": value ${String(v).slice(0, 60)} does not fit the column type ${types[CORE_COLUMNS.length + e].toString()} inferred from the first ${batchSize} rows (${(err as Error).message}); pass extrasTypes`,
            { subject: r.id, cause: err },
          );
        }
      }
      writer.appendRow(values);
    };
    try {
      for (const r of first) append(r, count++);
      first.length = 0;
      for (;;) {
        const n = await it.next();
        if (n.done) break;
        append(validate ? validateRow(n.value, index).row : n.value, count++);
        index++;
        if (count % batchSize === 0) writer.flush();
      }
      writer.flush();
      appender.flushSync();
    } catch (e) {
      if (e instanceof GeosliceError) throw e;
      throw duckError(e, `${source} row ${count}`);
    } finally {
      appender.closeSync();
    }
  } catch (e) {
    await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`).catch(() => undefined);
    if (typeof it.return === 'function') await it.return();
    throw e;
  } finally {
    conn.closeSync();
  }
  return { table, extras, count };
}

function toAsyncIterator<T>(src: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (src && typeof (src as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return (src as AsyncIterable<T>)[Symbol.asyncIterator]();
  if (src && typeof (src as Iterable<T>)[Symbol.iterator] === 'function') {
    const sync = (src as Iterable<T>)[Symbol.iterator]();
    return {
      next: async () => sync.next(),
      return: async (v?: unknown) => (sync.return ? sync.return(v) : { done: true, value: v }) as IteratorResult<T>,
    };
  }
  throw new CatalogError('BAD_INPUT', 'rows must be an array, an iterable or an async iterable of CatalogRow');
}
