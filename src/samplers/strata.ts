import type { CatalogRow } from '../catalog/index.js';
import { badOption } from './bad-option.js';

/**
 * How rows fall into strata: the value of a column (`column`), or numeric bins of a column
 * (`bins`: stratum `"i"` holds `edges[i] <= v < edges[i + 1]`, the last bin closed on the right).
 * Rows whose value is NULL (or outside the bins) belong to no stratum and are never selected.
 */
export type StrataSpec =
  | { column: string; bins?: undefined }
  | { column?: undefined; bins: { column: string; edges: number[] } };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a {@link StrataSpec} and returns the column it reads and a function giving a row's
 * stratum name (or null).
 */
export function strataOf(spec: StrataSpec): {
  column: string;
  edges?: number[];
  stratumOf(row: CatalogRow): string | null;
} {
  if ((spec.column === undefined) === (spec.bins === undefined))
    badOption('column/bins', spec, 'pass exactly one of column (a column name) or bins ({ column, edges })');
  const column = spec.column ?? spec.bins!.column;
  if (typeof column !== 'string' || !IDENT.test(column))
    badOption(
      spec.column ? 'column' : 'bins.column',
      column,
      'pass a column name made of letters, digits and underscores',
    );
  if (spec.column !== undefined) {
    return {
      column,
      stratumOf(row) {
        const v = columnValue(row, column);
        if (v === null || v === undefined) return null;
        if (v instanceof Date) return v.toISOString();
        if (typeof v === 'object') return JSON.stringify(v);
        return String(v);
      },
    };
  }
  const edges = spec.bins!.edges;
  if (
    !Array.isArray(edges) ||
    edges.length < 2 ||
    !edges.every(Number.isFinite) ||
    edges.some((e, i) => i > 0 && e <= edges[i - 1])
  ) {
    badOption('bins.edges', edges, 'pass at least two strictly increasing finite numbers');
  }
  const last = edges.length - 1;
  return {
    column,
    edges,
    stratumOf(row) {
      const raw = columnValue(row, column);
      const v = typeof raw === 'bigint' ? Number(raw) : raw;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < edges[0] || v > edges[last]) return null;
      let i = 0;
      while (i < last - 1 && v >= edges[i + 1]) i++;
      return String(i);
    },
  };
}

/** Core columns of a catalog row (not in `extras`). */
const CORE_COLUMNS = new Set(['id', 'crs', 'tmin', 'tmax']);

/** A column's value in a row: a core column (`id`, `crs`, `tmin`, `tmax`) or an extra. */
function columnValue(row: CatalogRow, column: string): unknown {
  return CORE_COLUMNS.has(column) ? (row as unknown as Record<string, unknown>)[column] : row.extras?.[column];
}
