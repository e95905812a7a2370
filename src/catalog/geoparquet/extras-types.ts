/**
 * Column types for a catalog's extra columns, inferred from JS values: each extra becomes its own
 * typed Parquet column (see `format.ts`).
 */
import { CatalogError } from '../../errors.js';
import { quoteIdent } from '../duckdb/sql.js';

/**
 * An inferred column type: `null` while only nulls were seen, a scalar SQL type, a list or a struct.
 */
export type ExtraType =
  | { kind: 'null' }
  | { kind: 'scalar'; sql: 'BOOLEAN' | 'DOUBLE' | 'BIGINT' | 'VARCHAR' | 'TIMESTAMP WITH TIME ZONE' | 'BLOB' }
  | { kind: 'list'; of: ExtraType }
  | { kind: 'struct'; fields: Map<string, ExtraType> };

const NULL_TYPE: ExtraType = { kind: 'null' };

/**
 * The type of one JS value. Throws {@link CatalogError} `UNSUPPORTED_VALUE` for functions, symbols,
 * non-finite numbers, Maps/Sets and class instances other than Date/Uint8Array.
 */
export function typeOfValue(v: unknown, where: string): ExtraType {
  if (v === null || v === undefined) return NULL_TYPE;
  switch (typeof v) {
    case 'boolean':
      return { kind: 'scalar', sql: 'BOOLEAN' };
    case 'number':
      if (Number.isNaN(v)) break;
      return { kind: 'scalar', sql: 'DOUBLE' };
    case 'bigint':
      return { kind: 'scalar', sql: 'BIGINT' };
    case 'string':
      return { kind: 'scalar', sql: 'VARCHAR' };
    case 'object': {
      if (v instanceof Date) return { kind: 'scalar', sql: 'TIMESTAMP WITH TIME ZONE' };
      if (v instanceof Uint8Array) return { kind: 'scalar', sql: 'BLOB' };
      if (Array.isArray(v)) {
        let of: ExtraType = NULL_TYPE;
        v.forEach((x, i) => {
          of = mergeTypes(of, typeOfValue(x, `${where}[${i}]`), `${where}[${i}]`);
        });
        return { kind: 'list', of };
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) break;
      const fields = new Map<string, ExtraType>();
      for (const [k, x] of Object.entries(v)) {
        quoteIdent(k, `field of ${where}`);
        fields.set(k, typeOfValue(x, `${where}.${k}`));
      }
      return { kind: 'struct', fields };
    }
    default:
      break;
  }
  throw new CatalogError(
    'UNSUPPORTED_VALUE',
    `${where}: cannot store ${typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v} value ${String(v).slice(0, 60)} in a catalog column; use numbers, bigints, booleans, strings, Dates, Uint8Arrays, arrays or plain objects`,
    { subject: where },
  );
}

/**
 * The common type of two types (null widens to anything, structs take the union of fields).
 * Throws {@link CatalogError} `SCHEMA_MISMATCH` when they conflict (e.g. a number and a string).
 */
export function mergeTypes(a: ExtraType, b: ExtraType, where: string): ExtraType {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'scalar' && b.kind === 'scalar' && a.sql === b.sql) return a;
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', of: mergeTypes(a.of, b.of, `${where}[]`) };
  if (a.kind === 'struct' && b.kind === 'struct') {
    const fields = new Map(a.fields);
    for (const [k, t] of b.fields) fields.set(k, fields.has(k) ? mergeTypes(fields.get(k)!, t, `${where}.${k}`) : t);
    return { kind: 'struct', fields };
  }
  throw new CatalogError(
    'SCHEMA_MISMATCH',
    `${where}: values of different types (${typeSql(a)} and ${typeSql(b)}) in one column; make the column consistent or pass extrasTypes`,
    { subject: where },
  );
}

/**
 * DuckDB SQL for a type; columns that only held nulls become VARCHAR.
 */
export function typeSql(t: ExtraType): string {
  switch (t.kind) {
    case 'null':
      return 'VARCHAR';
    case 'scalar':
      return t.sql;
    case 'list':
      return `${typeSql(t.of)}[]`;
    case 'struct':
      return t.fields.size === 0
        ? 'VARCHAR'
        : `STRUCT(${[...t.fields].map(([k, f]) => `${quoteIdent(k)} ${typeSql(f)}`).join(', ')})`;
  }
}

/**
 * A value shaped for its column type: struct fields missing from an object become null (so
 * DuckDB's converter sees every field), empty structs (stored as VARCHAR NULL) become null.
 */
export function conformValue(v: unknown, t: ExtraType | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (!t) return v;
  if (t.kind === 'struct') {
    if (t.fields.size === 0 || typeof v !== 'object' || Array.isArray(v)) return t.fields.size === 0 ? null : v;
    const out: Record<string, unknown> = {};
    for (const [k, f] of t.fields) out[k] = conformValue((v as Record<string, unknown>)[k], f);
    return out;
  }
  if (t.kind === 'list' && Array.isArray(v)) return v.map((x) => conformValue(x, t.of));
  return v;
}
