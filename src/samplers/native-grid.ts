import { SamplerError } from '../errors.js';
import type { BBox } from '../geo/index.js';
import type { CatalogRow } from '../catalog/index.js';

/**
 * A raster's native pixel grid in its CRS: grid lines at `origin + k * res` on each axis.
 */
export interface NativeGrid {
  /** GDAL geotransform origin (top-left corner, PixelIsArea): `[transform[0], transform[3]]`. */
  origin: [number, number];
  /** `[|transform[1]|, |transform[5]|]`. */
  res: [number, number];
  /** The raster's extent, when its width and height are known. */
  bounds?: BBox;
  /** The extras column the grid came from (`transform` or `<asset>_cog`). */
  column: string;
}

function numbers(v: unknown): number[] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
  if (typeof v === 'string') {
    try {
      return numbers(JSON.parse(v));
    } catch {
      return null;
    }
  }
  let arr: unknown[];
  if (Array.isArray(v)) arr = v;
  else if (ArrayBuffer.isView(v)) arr = Array.from(v as unknown as ArrayLike<number>);
  else if (typeof (v as { toArray?: unknown }).toArray === 'function')
    arr = Array.from((v as { toArray(): ArrayLike<unknown> }).toArray());
  else return null;
  const out = arr.map((x) => (typeof x === 'bigint' ? Number(x) : x));
  return out.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (out as number[]) : null;
}

function asObject(v: unknown): Record<string, unknown> | null {
  if (typeof v === 'string') {
    try {
      return asObject(JSON.parse(v));
    } catch {
      return null;
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)
    ? (v as Record<string, unknown>)
    : null;
}

function dim(v: unknown): number | undefined {
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

function gridFrom(
  row: CatalogRow,
  column: string,
  t: number[] | null,
  width: unknown,
  height: unknown,
): NativeGrid | null {
  if (t?.length !== 6) return null;
  if (t[2] !== 0 || t[4] !== 0) {
    throw new SamplerError(
      'ROTATED_GRID',
      `row ${row.id}: column "${column}" holds a rotated geotransform ${JSON.stringify(t)}; samplers cannot snap to a rotated grid. Warp the raster to a north-up grid (gdalwarp) or pass "crs" and "resolution" to sample on another grid.`,
      { subject: row.id },
    );
  }
  if (!(t[1] !== 0 && t[5] !== 0)) return null;
  const res: [number, number] = [Math.abs(t[1]), Math.abs(t[5])];
  const w = dim(width);
  const h = dim(height);
  const grid: NativeGrid = { origin: [t[0], t[3]], res, column };
  if (w !== undefined && h !== undefined) {
    const x1 = t[0] + t[1] * w;
    const y1 = t[3] + t[5] * h;
    grid.bounds = [Math.min(t[0], x1), Math.min(t[3], y1), Math.max(t[0], x1), Math.max(t[3], y1)];
  }
  return grid;
}

/**
 * The native pixel grid of a row, read from its extras, or null when the row has none. Columns read,
 * in order:
 * 1. `transform` (a 6-number GDAL geotransform, array / typed array / JSON text) with `width` and `height`;
 * 2. `<asset>_cog` structs (the loader's COG header cache) with fields `transform`, `width`, `height`:
 *    the one named by `asset` when given, else the finest resolution (ties: first name in sort order).
 * Throws {@link SamplerError} `ROTATED_GRID` for a rotated geotransform and `BAD_OPTION` when `asset`
 * names a column the row lacks.
 */
export function nativeGrid(row: CatalogRow, asset?: string): NativeGrid | null {
  const ex = row.extras ?? {};
  if (asset === undefined && ex.transform !== undefined && ex.transform !== null) {
    const g = gridFrom(row, 'transform', numbers(ex.transform), ex.width, ex.height);
    if (g) return g;
  }
  if (asset !== undefined) {
    const column = `${asset}_cog`;
    const cog = asObject(ex[column]);
    if (!cog) {
      throw new SamplerError(
        'BAD_OPTION',
        `sampler option "gridAsset" is "${asset}" but row ${row.id} has no "${column}" column with a COG header; pass an asset whose <asset>_cog column exists or omit gridAsset`,
        { subject: row.id },
      );
    }
    return gridFrom(row, column, numbers(cog.transform), cog.width, cog.height);
  }
  let best: NativeGrid | null = null;
  for (const column of Object.keys(ex)
    .filter((k) => k.endsWith('_cog'))
    .sort()) {
    const cog = asObject(ex[column]);
    if (!cog) continue;
    const g = gridFrom(row, column, numbers(cog.transform), cog.width, cog.height);
    if (g && (!best || g.res[0] < best.res[0])) best = g;
  }
  return best;
}
