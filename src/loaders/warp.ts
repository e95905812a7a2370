import type { GeoSlice } from '../geo/slice.js';
import { sliceHeight, sliceWidth } from '../geo/slice.js';
import type { GeoTransform } from './raster.js';
import { type ModeBoxes, modeBoxes, resampleMode } from './mode-resample.js';

/**
 * A pixel grid: a GDAL-order, PixelIsArea geotransform plus a size. Both the slice grid and the
 * levels of a raster are grids.
 */
export interface PixelGrid {
  transform: GeoTransform;
  width: number;
  height: number;
}

/**
 * Maps a point from the destination (slice) CRS into the source (raster) CRS, or returns `null`
 * when the point has no image there (outside the projection's domain).
 */
export type PointMapper = (x: number, y: number) => [number, number] | null;

/**
 * A pixel window `[x0, y0, width, height]` of a raster level.
 */
export interface PixelWindow {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * For every destination pixel, where its centre falls in the source level, in source pixel
 * coordinates (fractional; `NaN` when the point cannot be mapped), plus the source window those
 * positions need (clipped to the level; `null` when the slice misses the level entirely).
 */
export interface WarpPlan {
  dst: PixelGrid;
  srcX: Float64Array;
  srcY: Float64Array;
  window: PixelWindow | null;
  /** Destination pixels per source pixel on each axis, as GDAL's warp kernel computes it (below 0.95 bilinear widens its kernel). */
  scale: [number, number];
  /** With `mode` resampling: the source box of every destination pixel (see `modeBoxes`). */
  mode?: ModeBoxes;
}

/**
 * The interpolation used when a slice's grid differs from a raster's: `nearest` and `bilinear` as
 * gdalwarp; `mode` (the most frequent valid value under each destination pixel, `gdalwarp -r mode`)
 * for class maps and masks.
 */
export type Resampling = 'nearest' | 'bilinear' | 'mode';

/**
 * The pixel grid of a slice: origin at the slice's north-west corner, north-up.
 */
export function sliceGrid(slice: GeoSlice): PixelGrid {
  const [xmin, , , ymax] = slice.bounds;
  return {
    transform: [xmin, slice.resolution[0], 0, ymax, 0, -slice.resolution[1]],
    width: sliceWidth(slice),
    height: sliceHeight(slice),
  };
}

/** Same tolerance as GDAL's approximate transformer (`gdalwarp -et 0.125`), in source pixels. */
const MAX_ERROR = 0.125;

/**
 * Inverse-maps every destination pixel centre (`(i + 0.5, j + 0.5)`, GDAL's convention) into source
 * pixel coordinates. With `toSrc === null` the two grids share a CRS and the map is affine; otherwise
 * points go through `toSrc` with GDAL's approximate-transformer scheme: per row, exact transforms at
 * both ends and the middle, linear interpolation when the middle is within 0.125 source pixels,
 * bisection otherwise (segments of five points or fewer are mapped exactly). The window gets the margin the kernel needs; `scale` follows GDAL (destination size over
 * the source span of the slice's edges, snapped to 1/n), so bilinear downsampling widens like gdalwarp.
 */
export function planWarp(dst: PixelGrid, src: PixelGrid, toSrc: PointMapper | null, resampling: Resampling): WarpPlan {
  return planWarpWith(dst, src, toSrc, resampling, (n) => new Float64Array(n));
}

/**
 * {@link planWarp} with the plan's coordinate arrays (`srcX`, `srcY`: one element per destination
 * pixel, every one written) taken from `alloc`, so a loader can recycle them between slices.
 */
export function planWarpWith(
  dst: PixelGrid,
  src: PixelGrid,
  toSrc: PointMapper | null,
  resampling: Resampling,
  alloc: (length: number) => Float64Array,
): WarpPlan {
  if (resampling === 'mode') {
    // GDAL maps each pixel's corners: plan a grid whose pixel centres are this grid's pixel corners
    const [c0, c1, c2, c3, c4, c5] = dst.transform;
    const corners: PixelGrid = {
      transform: [c0 - 0.5 * (c1 + c2), c1, c2, c3 - 0.5 * (c4 + c5), c4, c5],
      width: dst.width + 1,
      height: dst.height + 1,
    };
    const at = planWarpWith(corners, src, toSrc, 'nearest', alloc);
    const mode = modeBoxes(at.srcX, at.srcY, dst.width, dst.height, src.width, src.height);
    return { dst, srcX: at.srcX, srcY: at.srcY, window: mode.window, scale: at.scale, mode };
  }
  const { width: w, height: h } = dst;
  const srcX = alloc(w * h);
  const srcY = alloc(w * h);
  const [a0, a1, a2, a3, a4, a5] = dst.transform;
  const [b0, b1, b2, b3, b4, b5] = src.transform;
  const det = b1 * b5 - b2 * b4;
  // the last exactly mapped point, in source pixels (NaN when it cannot be mapped)
  let ex = 0;
  let ey = 0;
  /** Maps the destination pixel position (px, py) into source pixels, into `ex`, `ey`. */
  const at = (px: number, py: number): void => {
    let X = a0 + px * a1 + py * a2;
    let Y = a3 + px * a4 + py * a5;
    if (toSrc !== null) {
      const p = toSrc(X, Y);
      if (p === null || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
        ex = NaN;
        ey = NaN;
        return;
      }
      X = p[0];
      Y = p[1];
    }
    // inverse of the source geotransform: georeferenced (X, Y) -> source pixel (col, row)
    const dx = X - b0;
    const dy = Y - b3;
    ex = (b5 * dx - b2 * dy) / det;
    ey = (-b4 * dx + b1 * dy) / det;
  };
  for (let j = 0; j < h; j++) {
    const row = j * w;
    if (toSrc === null) {
      // Affine: exact interpolation along the row.
      at(0.5, j + 0.5);
      const p0x = ex;
      const p0y = ey;
      if (w > 1) at(w - 1 + 0.5, j + 0.5);
      const p1x = ex;
      const p1y = ey;
      for (let i = 0; i < w; i++) {
        const t = w > 1 ? i / (w - 1) : 0;
        srcX[row + i] = p0x + (p1x - p0x) * t;
        srcY[row + i] = p0y + (p1y - p0y) * t;
      }
      continue;
    }
    approxRow(row, j + 0.5, 0, w);
  }

  /** Exact transforms of points [a, b] of the row at `row` (pixel centre y `cy`). */
  function exactRange(row: number, cy: number, a: number, b: number): void {
    for (let i = a; i <= b; i++) {
      at(i + 0.5, cy);
      srcX[row + i] = ex;
      srcY[row + i] = ey;
    }
  }

  /** GDAL's approximate transformer over `len` points of a row from `start`. */
  function approxRow(row: number, cy: number, start: number, len: number): void {
    const end = start + len - 1;
    if (len <= 5) {
      exactRange(row, cy, start, end);
      return;
    }
    at(start + 0.5, cy);
    const sx = ex;
    const sy = ey;
    at(start + ((len - 1) >> 1) + 0.5, cy);
    const mx = ex;
    const my = ey;
    at(end + 0.5, cy);
    if (!Number.isFinite(sx) || !Number.isFinite(mx) || !Number.isFinite(ex)) {
      exactRange(row, cy, start, end);
      return;
    }
    segment(row, cy, start, len, sx, sy, mx, my, ex, ey);
  }

  /**
   * One segment with its start (S), middle (M) and end (E) already mapped exactly: if the middle is
   * within 0.125 source pixels (L1) of the line from start to end, every point is interpolated on
   * that line; otherwise the segment is split into [start, middle) and [middle, end], halves of at
   * most five points being mapped exactly.
   */
  function segment(
    row: number,
    cy: number,
    start: number,
    len: number,
    Sx: number,
    Sy: number,
    Mx: number,
    My: number,
    Ex: number,
    Ey: number,
  ): void {
    const nMid = (len - 1) >> 1;
    const mid = start + nMid;
    const sx = (Ex - Sx) / (len - 1);
    const sy = (Ey - Sy) / (len - 1);
    const err = Math.abs(Sx + sx * nMid - Mx) + Math.abs(Sy + sy * nMid - My);
    if (err <= MAX_ERROR) {
      for (let i = 0, k = row + start; i < len; i++, k++) {
        srcX[k] = Sx + sx * i;
        srcY[k] = Sy + sy * i;
      }
      return;
    }
    // first half [start, mid): its end is mapped here; second half [mid, end] reuses M and E
    half(row, cy, start, nMid, Sx, Sy, false, 0, 0);
    half(row, cy, mid, len - nMid, Mx, My, true, Ex, Ey);
  }

  function half(
    row: number,
    cy: number,
    a: number,
    n: number,
    Fx: number,
    Fy: number,
    hasLast: boolean,
    Lx: number,
    Ly: number,
  ): void {
    const b = a + n - 1;
    if (n <= 5) {
      exactRange(row, cy, a, b);
      return;
    }
    at(a + ((n - 1) >> 1) + 0.5, cy);
    const mx = ex;
    const my = ey;
    let lx = Lx;
    let ly = Ly;
    if (!hasLast) {
      at(b + 0.5, cy);
      lx = ex;
      ly = ey;
    }
    if (!Number.isFinite(mx) || !Number.isFinite(lx)) {
      exactRange(row, cy, a, b);
      return;
    }
    segment(row, cy, a, n, Fx, Fy, mx, my, lx, ly);
  }

  const scale = kernelScale(dst, src, (px, py) => {
    at(px, py);
    return [ex, ey];
  });
  const margin = resampling === 'bilinear' ? kernelRadius(scale[0], scale[1]) + 1 : 0;
  return { dst, srcX, srcY, window: neededWindow(srcX, srcY, src, margin), scale };
}

/** GDAL's bilinear radius for a scale: 1, or ceil(1 / scale) when downsampling. */
function kernelRadius(sx: number, sy: number): number {
  return Math.max(sx < 1 ? Math.ceil(1 / sx) : 1, sy < 1 ? Math.ceil(1 / sy) : 1);
}

/**
 * The warp kernel scale of GDAL: the destination's size over the source span covered by its edges
 * (21 points per edge), clipped to the raster, 1 when the spans nearly match, snapped to 1/n when
 * within 0.05 of it.
 */
function kernelScale(
  dst: PixelGrid,
  src: PixelGrid,
  at: (px: number, py: number) => [number, number],
): [number, number] {
  let xmin = Infinity,
    xmax = -Infinity,
    ymin = Infinity,
    ymax = -Infinity;
  const steps = 21;
  for (let k = 0; k < steps; k++) {
    const r = k / (steps - 1);
    for (const [px, py] of [
      [r * dst.width, 0],
      [r * dst.width, dst.height],
      [0, r * dst.height],
      [dst.width, r * dst.height],
    ]) {
      const [x, y] = at(px, py);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xmin = Math.min(xmin, x);
      xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, y);
      ymax = Math.max(ymax, y);
    }
  }
  if (xmin === Infinity) return [1, 1];
  const axis = (lo: number, hi: number, size: number, dstSize: number): number => {
    const loClamped = Math.trunc(Math.max(0, lo));
    const hiClamped = Math.trunc(Math.min(Math.ceil(hi), size));
    const raw = Math.max(0, Math.min(size - loClamped, hi - lo));
    if (raw === 0) return 1;
    let scale = dstSize / raw;
    const radius = scale < 0.95 ? Math.ceil(1 / scale) : 1;
    const off = Math.max(0, Math.min(loClamped - radius, size));
    const windowSize = Math.max(0, Math.min(size - off, hiClamped - off + radius));
    if (windowSize >= dstSize && raw <= dstSize) scale = 1;
    if (scale < 1) {
      const n = Math.round(1 / scale);
      if (Math.abs(1 / scale - n) < 0.05) scale = 1 / n;
    }
    return scale;
  };
  return [axis(xmin, xmax, src.width, dst.width), axis(ymin, ymax, src.height, dst.height)];
}

function neededWindow(srcX: Float64Array, srcY: Float64Array, src: PixelGrid, margin: number): PixelWindow | null {
  let xmin = Infinity,
    ymin = Infinity,
    xmax = -Infinity,
    ymax = -Infinity;
  const sw = src.width;
  const sh = src.height;
  for (let k = 0; k < srcX.length; k++) {
    const x = srcX[k],
      y = srcY[k];
    // Only pixels whose centre lands inside the source contribute (GDAL's rule for every kernel).
    if (!(x >= 0 && y >= 0 && x < sw && y < sh)) continue;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  if (xmin === Infinity) return null;
  // the pixels of the extreme centres (floor is monotonic: the floor of the least is the least floor)
  xmin = Math.floor(xmin + 1e-10);
  xmax = Math.floor(xmax + 1e-10);
  ymin = Math.floor(ymin + 1e-10);
  ymax = Math.floor(ymax + 1e-10);
  const x0 = Math.max(0, xmin - margin),
    y0 = Math.max(0, ymin - margin);
  const x1 = Math.min(src.width - 1, xmax + margin),
    y1 = Math.min(src.height - 1, ymax + margin);
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * Source pixels read for one plan: one typed array per band (row-major over `window`) and the
 * window's validity (`1` = valid).
 */
export interface WindowPixels {
  window: PixelWindow;
  bands: ArrayLike<number>[];
  valid: Uint8Array;
}

/**
 * Resamples source pixels into destination layers following a {@link WarpPlan}. Writes band `b` of
 * destination pixel `p` to `out[(firstBand + b) * H * W + p]` and sets `outValid[p] = 0` for pixels
 * with no valid source value (it never sets a pixel valid: callers start from all-ones and AND the
 * bands of several files). Pixels where `skip[p] === 1` are left untouched.
 *
 * Nearest takes the source pixel containing the mapped centre. Bilinear weights the four nearest
 * source centres (a tent widened by `1 / scale` when downsampling by more than 5%, as GDAL does),
 * leaving out invalid ones and renormalising; a destination pixel whose centre maps outside the
 * source or onto an invalid source pixel is invalid, as in GDAL. Mode: see `resampleMode`.
 */
export function resample(
  plan: WarpPlan,
  px: WindowPixels,
  resampling: Resampling,
  out: Float32Array | Float64Array,
  firstBand: number,
  outValid: Uint8Array,
  skip?: Uint8Array,
): void {
  if (resampling === 'mode') {
    resampleMode(plan.mode as ModeBoxes, px, out, firstBand, outValid, skip);
    return;
  }
  if (resampling === 'nearest') {
    resampleNearest(plan, px, out, firstBand, outValid, skip);
    return;
  }
  const { srcX, srcY } = plan;
  const n = plan.dst.width * plan.dst.height;
  const { x0, y0, width: ww, height: wh } = px.window;
  const valid = px.valid;
  const nb = px.bands.length;
  const [scx, scy] = plan.scale;
  const wide = resampling === 'bilinear' && (scx < 0.95 || scy < 0.95);
  const rx = scx < 1 ? Math.ceil(1 / scx) : 1,
    ry = scy < 1 ? Math.ceil(1 / scy) : 1;
  const kx = Math.min(1, scx),
    ky = Math.min(1, scy);
  const acc = new Float64Array(nb);
  for (let p = 0; p < n; p++) {
    if ((skip && skip[p] === 1) || outValid[p] === 0) continue;
    const sx = srcX[p],
      sy = srcY[p];
    // the same 1e-10 nudge as the window (and GDAL's kernel): 0.9999999999999999 is pixel 1
    const ix = Math.floor(sx + 1e-10) - x0,
      iy = Math.floor(sy + 1e-10) - y0;
    if (!(ix >= 0 && iy >= 0) || ix >= ww || iy >= wh) {
      outValid[p] = 0;
      continue;
    }
    // GDAL leaves a pixel empty when the source pixel under its centre is invalid, whatever the kernel
    if (valid[iy * ww + ix] === 0) {
      outValid[p] = 0;
      continue;
    }
    const fx = sx - 0.5 - x0,
      fy = sy - 0.5 - y0;
    const bx = Math.floor(fx),
      by = Math.floor(fy);
    if (wide) {
      if (!widened(p, bx, by, fx - bx, fy - by)) outValid[p] = 0;
      continue;
    }
    const tx = fx - bx,
      ty = fy - by;
    const k00 = by * ww + bx;
    const w00 = tap(bx, by) ? (1 - tx) * (1 - ty) : 0;
    const w10 = tap(bx + 1, by) ? tx * (1 - ty) : 0;
    const w01 = tap(bx, by + 1) ? (1 - tx) * ty : 0;
    const w11 = tap(bx + 1, by + 1) ? tx * ty : 0;
    const wsum = w00 + w10 + w01 + w11;
    if (!(wsum > 1e-10)) {
      outValid[p] = 0;
      continue;
    }
    for (let b = 0; b < nb; b++) {
      const v = px.bands[b];
      let acc = 0;
      if (w00) acc += w00 * v[k00];
      if (w10) acc += w10 * v[k00 + 1];
      if (w01) acc += w01 * v[k00 + ww];
      if (w11) acc += w11 * v[k00 + ww + 1];
      out[(firstBand + b) * n + p] = acc / wsum;
    }
  }

  function tap(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < ww && y < wh && valid[y * ww + x] === 1;
  }

  /** The general (downsampling) tent kernel; false when no valid pixel carries weight. */
  function widened(p: number, bx: number, by: number, dx: number, dy: number): boolean {
    let wsum = 0;
    acc.fill(0);
    for (let j = Math.max(-ry, -by); j <= ry && by + j < wh; j++) {
      const wy = tent((j - dy) * ky);
      if (wy === 0) continue;
      const row = (by + j) * ww;
      for (let i = Math.max(-rx, -bx); i <= rx && bx + i < ww; i++) {
        const k = row + bx + i;
        if (valid[k] === 0) continue;
        const w = wy * tent((i - dx) * kx);
        if (w === 0) continue;
        wsum += w;
        for (let b = 0; b < nb; b++) acc[b] += w * px.bands[b][k];
      }
    }
    if (wsum < 1e-6) return false;
    for (let b = 0; b < nb; b++) out[(firstBand + b) * n + p] = acc[b] / wsum;
    return true;
  }
}

/** {@link resample} with `nearest`: the source pixel containing each mapped centre. */
function resampleNearest(
  plan: WarpPlan,
  px: WindowPixels,
  out: Float32Array | Float64Array,
  firstBand: number,
  outValid: Uint8Array,
  skip: Uint8Array | undefined,
): void {
  const { srcX, srcY } = plan;
  const n = plan.dst.width * plan.dst.height;
  const { x0, y0, width: ww, height: wh } = px.window;
  const valid = px.valid;
  const bands = px.bands;
  const nb = bands.length;
  // the output planes of the bands (one subarray each, so the inner loop indexes by pixel only)
  const planes = bands.map((_, b) => out.subarray((firstBand + b) * n, (firstBand + b + 1) * n));
  // four bands (RGBN) without the inner loop
  const four = nb === 4;
  const [p0, p1, p2, p3] = four ? planes : [out, out, out, out];
  const [s0, s1, s2, s3] = four ? bands : [bands[0], bands[0], bands[0], bands[0]];
  for (let p = 0; p < n; p++) {
    if (outValid[p] === 0 || (skip !== undefined && skip[p] === 1)) continue;
    // the same 1e-10 nudge as the window (and GDAL's kernel): 0.9999999999999999 is pixel 1
    const ix = Math.floor(srcX[p] + 1e-10) - x0;
    const iy = Math.floor(srcY[p] + 1e-10) - y0;
    if (!(ix >= 0 && iy >= 0) || ix >= ww || iy >= wh) {
      outValid[p] = 0;
      continue;
    }
    const k = iy * ww + ix;
    if (valid[k] === 0) {
      outValid[p] = 0;
      continue;
    }
    if (four) {
      p0[p] = s0[k];
      p1[p] = s1[k];
      p2[p] = s2[k];
      p3[p] = s3[k];
    } else for (let b = 0; b < nb; b++) planes[b][p] = bands[b][k];
  }
}

function tent(x: number): number {
  const a = Math.abs(x);
  return a <= 1 ? 1 - a : 0;
}
