/**
 * Column types of an in-memory relation, named like DuckDB's types (core columns as the GeoParquet format writes them).
 */
import { CORE_COLUMNS, CORE_TYPES } from '../geoparquet/format.js';
import type { Relation } from './relation.js';

/**
 * The DuckDB-style type name of a JS value (`null` for null/undefined).
 */
export function valueType(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return 'DOUBLE';
  if (typeof v === 'bigint') return 'BIGINT';
  if (typeof v === 'string') return 'VARCHAR';
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (v instanceof Date) return 'TIMESTAMP WITH TIME ZONE';
  if (v instanceof Uint8Array) return 'BLOB';
  if (Array.isArray(v)) return 'LIST';
  return 'STRUCT';
}

/**
 * The core columns followed by each extra column with the type of its values: the common type, `DOUBLE`
 * when numbers and bigints mix, `MIXED` when other types mix, `NULL` when every value is null.
 */
export function relationSchema(rel: Relation): { name: string; type: string }[] {
  const extras = rel.columns.map((name) => {
    let type: string | null = null;
    for (const { row } of rel.entries) {
      const t = valueType(row.extras[name]);
      if (t === null || t === type) continue;
      if (type === null) type = t;
      else if ((type === 'DOUBLE' || type === 'BIGINT') && (t === 'DOUBLE' || t === 'BIGINT')) type = 'DOUBLE';
      else {
        type = 'MIXED';
        break;
      }
    }
    return { name, type: type ?? 'NULL' };
  });
  return [...CORE_COLUMNS.map((name) => ({ name, type: CORE_TYPES[name] })), ...extras];
}
