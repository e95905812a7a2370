import { normalizeCrs } from '../geo/crs.js';
import type { GeoSlice } from '../geo/slice.js';
import type { CogLayout } from '../tiff/cog-layout.js';
import { type DTypeInfo, dtypeInfo, numberDtype, type RasterDtype, type TypedArray } from '../tiff/dtype.js';
import { type ChipPool, takeFrom } from './chip-pool.js';
import { clearInvalid, readFileWindow, zeroInvalid } from './file-window.js';
import { pickLevelForRatio, warpRatio } from './overview.js';
import type { RasterReader } from './raster.js';
import type { PixelGrid, PixelWindow } from './warp.js';

/** One file of a source as the fast path reads it: its bands (0-based) and where they go in the chip. */
export interface NativeFile {
  href: string;
  layout?: CogLayout;
  bands: number[];
  chipBands: number[];
}

/**
 * A native-grid read: the slice grid, the source's files (and the CRS its catalog row gives, for
 * files without one), and the chip's band count and dtype. `alloc` supplies the chip's data array
 * (every element is written, so a recycled one will do) from `pool` when given.
 */
export interface NativeRequest {
  slice: GeoSlice;
  grid: PixelGrid;
  open: (href: string, layout?: CogLayout) => Promise<RasterReader>;
  files: readonly NativeFile[];
  crs: string | null;
  bands: number;
  dtype: RasterDtype;
  overviews: 'auto' | 'none';
  scaleOffset: boolean;
  pool?: ChipPool;
}

/** Pixels of one source on the slice grid: `[C, H, W]` in the chip's dtype, a mask, and how many pixels are valid. */
export interface NativePixels {
  data: TypedArray;
  mask: Uint8Array;
  filled: number;
}

/**
 * The fast path for a slice on a source's own grid (same CRS, same pixel size as the level
 * gdalwarp would read, origin on a whole pixel, for every file of the source): each file's window
 * is read once and its rows copied into the chip array in the chip's dtype, with no float
 * intermediate; invalid pixels are zeroed in every band. The data array and the mask come from
 * `req.pool` when given. Values are exactly those of the general
 * path (which composites in float32, or float64 for int32/uint32/float64 chips, then rounds and
 * clamps to integer dtypes). Returns null when the fast path does not apply (another grid, a file
 * not overlapping the slice, scale/offset to apply, a missing band or CRS): the caller then takes
 * the general path, which also names any error.
 */
export async function nativeChip(req: NativeRequest): Promise<NativePixels | null> {
  const { grid, slice } = req;
  const sliceCrs = normalizeCrs(slice.crs);
  const plans: { reader: RasterReader; level: number; window: PixelWindow; file: NativeFile }[] = [];
  for (const file of req.files) {
    const reader = await req.open(file.href, file.layout);
    const info = reader.info;
    if (file.bands.some((b) => b >= info.bands)) return null;
    const crs = info.crs ?? req.crs;
    if (!crs || normalizeCrs(crs) !== sliceCrs) return null;
    if (req.scaleOffset && scales(info.scaleOffset, file.bands)) return null;
    const level = req.overviews === 'none' ? 0 : pickLevelForRatio(info.levels, warpRatio(grid, info.transform, null));
    const window = nativeWindow(grid, info.levels[level]);
    if (!window) return null;
    plans.push({ reader, level, window, file });
  }
  const n = grid.width * grid.height;
  const out = dtypeInfo(req.dtype);
  const data = takeFrom(req.pool, req.dtype, req.bands * n);
  // the reader writes every byte of the first file's mask, so a recycled one will do
  const mask = takeFrom(req.pool, 'uint8', n) as Uint8Array;
  // a float64 composite keeps 32-bit integers and doubles exact; the others composite in float32
  const wide = req.dtype === 'float64' || req.dtype === 'int32' || req.dtype === 'uint32';
  // a file in the chip's dtype is read straight into the chip's band planes (and the first one's mask into the chip's)
  const intos = plans.map(({ reader, file }, f) => ({
    data: reader.info.dtype === req.dtype ? file.chipBands.map((cb) => data.subarray(cb * n, (cb + 1) * n)) : [],
    ...(f === 0 ? { mask } : {}),
  }));
  const reads = await Promise.all(
    plans.map((p, f) => readFileWindow(p.reader, p.level, p.window, p.file, slice, intos[f])),
  );
  reads.forEach((got, f) => {
    const { file, reader } = plans[f];
    const from = dtypeInfo(numberDtype(reader.info.dtype)); // int64/uint64 arrive as float64
    file.chipBands.forEach((cb, i) => {
      if (got.data[i] !== intos[f].data[i]) copyBand(data, cb * n, got.data[i], out, from, wide);
    });
    if (f === 0 && got.mask !== mask) mask.fill(1);
    clearInvalid(mask, got, reader.info.nodata);
  });
  return { data, mask, filled: zeroInvalid(data, req.bands, mask) };
}

/**
 * The window of `level` that `grid` covers when the grid is a whole-pixel shift of it (same pixel
 * size, north-up) and overlaps it; null otherwise.
 */
export function nativeWindow(grid: PixelGrid, level: PixelGrid): PixelWindow | null {
  if (!aligned(grid, level)) return null;
  const lt = level.transform;
  const x0 = Math.round((grid.transform[0] - lt[0]) / lt[1]);
  const y0 = Math.round((grid.transform[3] - lt[3]) / lt[5]);
  if (x0 >= level.width || y0 >= level.height || x0 + grid.width <= 0 || y0 + grid.height <= 0) return null;
  return { x0, y0, width: grid.width, height: grid.height };
}

/** True when two grids have the same pixel size and their origins differ by whole pixels. */
export function aligned(a: PixelGrid, b: PixelGrid): boolean {
  const [a0, a1, a2, a3, a4, a5] = a.transform;
  const [b0, b1, b2, b3, b4, b5] = b.transform;
  const eq = (u: number, v: number): boolean => Math.abs(u - v) <= 1e-9 * Math.max(Math.abs(u), Math.abs(v));
  if (!eq(a1, b1) || !eq(a5, b5) || a2 !== 0 || a4 !== 0 || b2 !== 0 || b4 !== 0) return false;
  const ox = (a0 - b0) / b1;
  const oy = (a3 - b3) / b5;
  return Math.abs(ox - Math.round(ox)) < 1e-6 && Math.abs(oy - Math.round(oy)) < 1e-6;
}

/** True when a band of `bands` has a scale or offset other than identity. */
function scales(so: { scale: number[]; offset: number[] } | null | undefined, bands: number[]): boolean {
  return !!so && bands.some((b) => (so.scale[b] ?? 1) !== 1 || (so.offset[b] ?? 0) !== 0);
}

/**
 * Copies one band into `dst` at `at`. A plain typed-array copy when every source value is exact in
 * the destination (float destinations round like the float composite would); otherwise the
 * composite's value (float32 unless `wide`) rounded and clamped to the integer range.
 */
function copyBand(dst: TypedArray, at: number, src: TypedArray, to: DTypeInfo, from: DTypeInfo, wide: boolean): void {
  if (to.float || (!from.float && from.min >= to.min && from.max <= to.max)) {
    dst.set(src, at);
    return;
  }
  const lo = to.min;
  const hi = to.max;
  for (let k = 0; k < src.length; k++) {
    const v = Math.round(wide ? src[k] : Math.fround(src[k]));
    dst[at + k] = v < lo ? lo : Math.min(v, hi);
  }
}
