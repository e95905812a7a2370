import type { CatalogRow } from '../catalog/index.js';
import { normalizeCrs } from '../geo/index.js';
import { planRow, rowGrid, type ChipSpec, type RowGrid, type RowPlan } from './row-chip.js';

/** What decided the last row's grid, to recognise a next row that would get the same one. */
interface LastGrid {
  crs: unknown;
  /** The slice CRS is not the row's CRS: the grid does not depend on the row's grid columns. */
  foreign: boolean;
  /** The row's `transform` column (6 numbers) when the grid came from it, with its `width` and `height`. */
  transform: number[] | null;
  width: unknown;
  height: unknown;
  rg: RowGrid;
}

function sixNumbers(v: unknown): number[] | null {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) return null;
  const a = v as ArrayLike<unknown>;
  if (a.length !== 6) return null;
  const out: number[] = [];
  for (let i = 0; i < 6; i++) {
    const x = a[i];
    if (typeof x !== 'number') return null;
    out.push(x);
  }
  return out;
}

function sameNumbers(v: unknown, t: number[]): boolean {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) return false;
  const a = v as ArrayLike<unknown>;
  if (a.length !== 6) return false;
  for (let i = 0; i < 6; i++) if (a[i] !== t[i]) return false;
  return true;
}

/**
 * {@link planRow} for a stream of rows, remembering the last row's {@link RowGrid}: a row whose `crs`
 * equals the last one's and whose grid does not depend on its grid columns (the slice CRS is another
 * CRS), or whose `transform`, `width` and `height` columns hold the same values the last grid came
 * from, reuses that grid instead of resolving the CRS and parsing the columns again. Catalogs sorted
 * by space and time deliver long runs of rows from one CRS and tile grid. Any other row is planned
 * by {@link rowGrid} as usual (same result and errors).
 */
export function rowPlanner(spec: ChipSpec): (row: CatalogRow) => RowPlan {
  let last: LastGrid | null = null;
  return (row: CatalogRow): RowPlan => {
    if (last && row.crs === last.crs) {
      if (last.foreign) return planRow(row, spec, last.rg);
      const ex = row.extras;
      if (
        last.transform &&
        ex &&
        ex.width === last.width &&
        ex.height === last.height &&
        sameNumbers(ex.transform, last.transform)
      )
        return planRow(row, spec, last.rg);
    }
    const rg = rowGrid(row, spec);
    const fromTransform = spec.gridAsset === undefined && rg.native?.column === 'transform';
    last = {
      crs: row.crs,
      foreign: spec.crs !== undefined && spec.crs !== normalizeCrs(row.crs),
      transform: fromTransform ? sixNumbers(row.extras.transform) : null,
      width: row.extras?.width,
      height: row.extras?.height,
      rg,
    };
    return planRow(row, spec, rg);
  };
}
