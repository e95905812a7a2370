/**
 * The in-memory left join behind `GeoCatalog.withColumns`.
 */
import { CatalogError } from '../../errors.js';
import { makeRelation, type Entry, type Relation } from './relation.js';
import { CORE_NAMES } from './validate-row.js';

/**
 * A plain table: column names in order and rows keyed by them.
 */
export interface PlainTable {
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * The join key of a value, equal for values SQL compares equal (numbers and bigints by value, Dates by
 * instant, strings as text); `null` for NULL keys, which match nothing.
 */
export function joinKey(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isNaN(v) ? 'nan' : `n:${String(v)}`;
  if (typeof v === 'string') return `s:${v}`;
  if (typeof v === 'boolean') return `b:${v}`;
  if (v instanceof Date) return `d:${v.getTime()}`;
  throw new CatalogError(
    'BAD_QUERY',
    `withColumns join key value ${String(v)} is not a string, number, boolean or date; join on a scalar column`,
  );
}

/**
 * Left-joins `table` onto `rel` on column `on` (`id` or an extra column): one output row per
 * matching table row (SQL LEFT JOIN: a key repeated in the table repeats the catalog row; an
 * unmatched row keeps NULLs in the new columns). Table columns other than `on` become extras,
 * replacing same-named extras. Throws {@link CatalogError} `BAD_QUERY` when `on` is missing on either
 * side or a table column would replace a core column, `source` naming the table.
 */
export function joinColumns(rel: Relation, table: PlainTable, on: string, source: string): Relation {
  if (on !== 'id' && !rel.columns.includes(on)) {
    throw new CatalogError(
      'BAD_QUERY',
      `withColumns: the catalog has no column ${JSON.stringify(on)} to join on; use 'id' or one of ${rel.columns.join(', ') || '(no extra columns)'}`,
      { subject: on },
    );
  }
  if (!table.columns.includes(on)) {
    throw new CatalogError(
      'BAD_QUERY',
      `withColumns: ${source} has no join column ${JSON.stringify(on)}; its columns are ${table.columns.join(', ')}`,
      { subject: source },
    );
  }
  const added = table.columns.filter((c) => c !== on);
  const addedSet = new Set(added);
  const core = added.filter((c) => CORE_NAMES.has(c));
  if (core.length > 0) {
    throw new CatalogError(
      'BAD_QUERY',
      `withColumns: ${source} has column(s) ${core.join(', ')} that would replace core catalog columns; rename them`,
      { subject: source },
    );
  }
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const r of table.rows) {
    const k = joinKey(r[on]);
    if (k === null) continue;
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const columns = [...rel.columns.filter((c) => !addedSet.has(c)), ...added];
  const out: Entry[] = [];
  for (const e of rel.entries) {
    const k = joinKey(on === 'id' ? e.row.id : e.row.extras[on]);
    const matches = k === null ? undefined : byKey.get(k);
    for (const m of matches ?? [undefined]) {
      const extras: Record<string, unknown> = {};
      for (const c of columns) extras[c] = addedSet.has(c) ? (m ? (m[c] ?? null) : null) : e.row.extras[c];
      out.push({ row: { ...e.row, extras } });
    }
  }
  return makeRelation(out, columns);
}
