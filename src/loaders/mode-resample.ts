/**
 * `mode` resampling, as GDAL's warp kernel does it (`GWKAverageOrMode` with `GRA_Mode`, `gdalwarp -r
 * mode`): each destination pixel takes the most frequent valid value among the source pixels its
 * footprint touches. The footprint is the box spanned by the destination pixel's top-left and
 * bottom-right corners mapped into the source (GDAL's approximation; a reprojected pixel is not a
 * box); a source pixel counts once, whatever share of it is covered. Ties keep the value that first
 * reached the winning count, scanning rows top to bottom and pixels left to right (GDAL's rule).
 */

/** The source pixel boxes of every destination pixel, and the source window they need. */
export interface ModeBoxes {
  /** Per destination pixel `[x0, y0, x1, y1)` in source pixels (4 entries); `x0 = -1` when the pixel takes nothing. */
  boxes: Int32Array;
  window: { x0: number; y0: number; width: number; height: number } | null;
}

/**
 * The {@link ModeBoxes} of a `width` x `height` destination from its pixel corners mapped into the
 * source (`cornerX`/`cornerY`: `(width + 1) * (height + 1)` points, row-major, NaN where unmapped), for
 * a `srcWidth` x `srcHeight` source. As gdalwarp 3.6 does: a pixel whose two corners lie before (or
 * after) the source on one axis takes nothing; the box is `floor(min + 1e-10)..ceil(max - 1e-10)`
 * clipped to the source, widened to one pixel when empty inside it (so a box ending exactly on the
 * source's first edge takes its first pixel).
 */
export function modeBoxes(
  cornerX: Float64Array,
  cornerY: Float64Array,
  width: number,
  height: number,
  srcWidth: number,
  srcHeight: number,
): ModeBoxes {
  const boxes = new Int32Array(4 * width * height).fill(-1);
  const cw = width + 1;
  let wx0 = Infinity;
  let wy0 = Infinity;
  let wx1 = -Infinity;
  let wy1 = -Infinity;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const a = j * cw + i;
      const b = (j + 1) * cw + i + 1;
      const xa = cornerX[a];
      const ya = cornerY[a];
      const xb = cornerX[b];
      const yb = cornerY[b];
      if (!(Number.isFinite(xa) && Number.isFinite(ya) && Number.isFinite(xb) && Number.isFinite(yb))) continue;
      // entirely before or after the source on an axis: nothing (a box ending exactly at 0 still takes pixel 0)
      if ((xa < 0 && xb < 0) || (ya < 0 && yb < 0)) continue;
      if ((xa > srcWidth && xb > srcWidth) || (ya > srcHeight && yb > srcHeight)) continue;
      const x0 = Math.max(Math.floor(Math.min(xa, xb) + 1e-10), 0);
      let x1 = Math.min(Math.ceil(Math.max(xa, xb) - 1e-10), srcWidth);
      const y0 = Math.max(Math.floor(Math.min(ya, yb) + 1e-10), 0);
      let y1 = Math.min(Math.ceil(Math.max(ya, yb) - 1e-10), srcHeight);
      if (x0 === x1 && x1 < srcWidth) x1++;
      if (y0 === y1 && y1 < srcHeight) y1++;
      if (x0 >= x1 || y0 >= y1) continue;
      const k = 4 * (j * width + i);
      boxes[k] = x0;
      boxes[k + 1] = y0;
      boxes[k + 2] = x1;
      boxes[k + 3] = y1;
      if (x0 < wx0) wx0 = x0;
      if (y0 < wy0) wy0 = y0;
      if (x1 > wx1) wx1 = x1;
      if (y1 > wy1) wy1 = y1;
    }
  }
  const window = wx0 === Infinity ? null : { x0: wx0, y0: wy0, width: wx1 - wx0, height: wy1 - wy0 };
  return { boxes, window };
}

/**
 * Mode-resamples source pixels (`bands` over `window`, `valid` 1 = valid) into destination layers:
 * band `b` of destination pixel `p` goes to `out[(firstBand + b) * n + p]` (`n = boxes.length / 4`).
 * Each band takes its own most frequent value among the valid pixels of the box; a pixel with no
 * valid source pixel gets `outValid[p] = 0` (never set to 1). Pixels where `skip[p] === 1`, or
 * already invalid, are left untouched.
 */
export function resampleMode(
  plan: ModeBoxes,
  px: { window: { x0: number; y0: number; width: number }; bands: ArrayLike<number>[]; valid: Uint8Array },
  out: Float32Array | Float64Array,
  firstBand: number,
  outValid: Uint8Array,
  skip?: Uint8Array,
): void {
  const { boxes } = plan;
  const n = boxes.length / 4;
  const { x0: wx, y0: wy, width: ww } = px.window;
  const counts = new Map<number, number>();
  for (let p = 0; p < n; p++) {
    if ((skip && skip[p] === 1) || outValid[p] === 0) continue;
    const bx0 = boxes[4 * p];
    if (bx0 < 0) {
      outValid[p] = 0;
      continue;
    }
    const by0 = boxes[4 * p + 1];
    const bx1 = boxes[4 * p + 2];
    const by1 = boxes[4 * p + 3];
    for (let b = 0; b < px.bands.length; b++) {
      const band = px.bands[b];
      counts.clear();
      let best = 0;
      let bestCount = 0;
      for (let y = by0; y < by1; y++) {
        const row = (y - wy) * ww - wx;
        for (let x = bx0; x < bx1; x++) {
          const k = row + x;
          if (px.valid[k] === 0) continue;
          const v = band[k];
          const c = (counts.get(v) ?? 0) + 1;
          counts.set(v, c);
          if (c > bestCount) {
            bestCount = c;
            best = v;
          }
        }
      }
      if (bestCount === 0) {
        outValid[p] = 0;
        break;
      }
      out[(firstBand + b) * n + p] = best;
    }
  }
}
