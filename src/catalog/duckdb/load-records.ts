/**
 * Loads a plain table (JS records or an Arrow table) into a DuckDB table, for `withColumns`.
 */
import { DuckDBDataChunkWriter, JSToDuckDBValueConverter, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { ArrowTableLike } from '../types.js';
import { CatalogError } from '../../errors.js';
import { conformValue, mergeTypes, typeOfValue, typeSql, type ExtraType } from '../geoparquet/extras-types.js';
import type { DuckDBEngine } from './engine.js';
import { duckError } from './engine.js';
import { quoteIdent } from './sql.js';

/**
 * Records of an Arrow table as plain JS objects (timestamps and dates become `Date`s).
 */
export function arrowToRecords(table: ArrowTableLike): { columns: string[]; rows: Record<string, unknown>[] } {
  const fields = table.schema.fields;
  const columns = fields.map((f) => f.name);
  const isTime = fields.map((f) => /^(Timestamp|Date)/.test(String(f.type)));
  const vectors = columns.map((_, i) => table.getChildAt(i)!);
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const o: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const v = vectors[i].get(r) as unknown;
      o[c] = v === null || v === undefined ? null : isTime[i] ? new Date(Number(v)) : v;
    });
    rows.push(o);
  }
  return { columns, rows };
}

/**
 * Creates a table with one column per name (types inferred from the values, as for catalog extras)
 * and appends the records. Throws {@link CatalogError} `SCHEMA_MISMATCH`/`UNSUPPORTED_VALUE` naming
 * the record and column, `BAD_IDENTIFIER` for invalid column names.
 */
export async function loadRecords(
  engine: DuckDBEngine,
  columns: string[],
  rows: Record<string, unknown>[],
  source: string,
): Promise<string> {
  if (columns.length === 0)
    throw new CatalogError('BAD_QUERY', `${source}: the table has no columns`, { subject: source });
  const types = new Map<string, ExtraType>();
  rows.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      throw new CatalogError('BAD_QUERY', `${source} row ${i} is not an object`, { subject: source });
    for (const c of columns) {
      const where = `${source} row ${i} column ${JSON.stringify(c)}`;
      types.set(c, mergeTypes(types.get(c) ?? { kind: 'null' }, typeOfValue(r[c], where), where));
    }
  });
  const table = engine.newTableName('gs_table');
  const conn = await engine.connect();
  try {
    const defs = columns.map(
      (c) => `${quoteIdent(c, `${source} column`)} ${typeSql(types.get(c) ?? { kind: 'null' })}`,
    );
    try {
      await conn.run(`CREATE TABLE ${quoteIdent(table)} (${defs.join(', ')})`);
    } catch (e) {
      throw duckError(e, source);
    }
    const appender = await conn.createAppender(table);
    try {
      const duckTypes: DuckDBType[] = columns.map((_, i) => appender.columnType(i));
      const writer = DuckDBDataChunkWriter.forAppender(appender);
      for (const r of rows) {
        const values: DuckDBValue[] = columns.map((c, i) => {
          const v = conformValue(r[c], types.get(c));
          return v === null ? null : JSToDuckDBValueConverter(v as never, duckTypes[i], JSToDuckDBValueConverter);
        });
        writer.appendRow(values);
      }
      writer.flush();
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return table;
  } finally {
    conn.closeSync();
  }
}
