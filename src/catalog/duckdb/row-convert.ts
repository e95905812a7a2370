/**
 * Conversion of DuckDB result chunks (catalog columns first, then extras) into {@link CatalogRow}s.
 */
import { JSDuckDBValueConverter, type DuckDBDataChunk } from '@duckdb/node-api';
import { CatalogError } from '../../errors.js';
import type { CatalogRow } from '../types.js';
import { CORE_COLUMNS } from '../geoparquet/format.js';
import { quoteIdent } from './sql.js';

/**
 * The select list that puts the catalog columns first (in {@link CORE_COLUMNS} order) and the extras after.
 *
 * @example
 * ```ts
 * `SELECT ${ROW_SELECT} FROM (${rel.sql})`;
 * ```
 */
export const ROW_SELECT = `${CORE_COLUMNS.map((c) => quoteIdent(c)).join(', ')}, * EXCLUDE (${CORE_COLUMNS.map((c) => quoteIdent(c)).join(', ')})`;

type Bbox = { xmin: number; ymin: number; xmax: number; ymax: number } | null;
type Assets = { key: string; value: { href: string | null; band: number | null } | null }[] | null;

/**
 * Converts one chunk selected with {@link ROW_SELECT} into rows. `names` are the result's column
 * names. Extras keep DuckDB's JS mapping (DOUBLE/INTEGER -> number, BIGINT -> bigint, TIMESTAMP -> Date,
 * BLOB -> Uint8Array, STRUCT -> object, LIST -> array, MAP -> array of `{ key, value }`).
 * A NULL id, geometry or bbox is a {@link CatalogError} `INVALID_ROW` naming the source.
 *
 * @example
 * ```ts
 * for (const row of chunkToRows(chunk, names, 'scenes.parquet')) console.log(row.id);
 * ```
 */
export function chunkToRows(chunk: DuckDBDataChunk, names: readonly string[], source: string): CatalogRow[] {
  const n = chunk.rowCount;
  const cols = names.map((_, c) => chunk.convertColumnValues(c, JSDuckDBValueConverter));
  const out: CatalogRow[] = new Array(n);
  const extraNames = names.slice(CORE_COLUMNS.length);
  for (let r = 0; r < n; r++) {
    const id = cols[0][r] as string | null;
    const geometry = cols[2][r] as Uint8Array | null;
    const b = cols[3][r] as Bbox;
    if (id === null || geometry === null || b === null) {
      const what = id === null ? 'id' : geometry === null ? 'geometry' : 'bbox';
      throw new CatalogError('INVALID_ROW', `${source}: row ${id === null ? '(no id)' : JSON.stringify(id)} has a NULL ${what}; every catalog row needs an id, a footprint and a bbox`, { subject: source });
    }
    const assets: CatalogRow['assets'] = {};
    for (const e of (cols[1][r] as Assets) ?? []) {
      if (!e.value || e.value.href === null) continue;
      assets[e.key] = e.value.band === null ? { href: e.value.href } : { href: e.value.href, band: e.value.band };
    }
    const extras: Record<string, unknown> = {};
    for (let e = 0; e < extraNames.length; e++) extras[extraNames[e]] = cols[CORE_COLUMNS.length + e][r];
    out[r] = {
      id,
      assets,
      geometry,
      bbox: [b.xmin, b.ymin, b.xmax, b.ymax],
      tmin: cols[4][r] as Date | null,
      tmax: cols[5][r] as Date | null,
      crs: cols[6][r] as string,
      extras,
    };
  }
  return out;
}
