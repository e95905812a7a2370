import { StitchError } from '../errors.js';

/**
 * How overlapping predictions combine into one output pixel.
 *
 * - `'mean'`: uniform weights; the output is the plain average of every prediction covering the pixel.
 * - `'cosine'`: raised-cosine (Hann) window per chip, largest at the chip centre and falling towards its
 *   edges, so predictions near a chip's border (where the model saw less context) count less and
 *   chip edges leave no seams. The weight is sampled at pixel centres and is never exactly 0 inside a
 *   chip, so a pixel covered by one chip only keeps that chip's value.
 * - `'max'`: per band, the largest value of any prediction covering the pixel (e.g. a union of detections).
 * - `'first'` / `'last'`: the value of the first / last prediction (in the order they are added) that has
 *   a value at the pixel — GDAL's mosaic rule (`gdalwarp`, `gdalbuildvrt`, `gdal_merge.py` let the last
 *   source win; rasterio's `merge` defaults to the first). NaN or masked pixels never win. With a grid
 *   sampler (and `runInference`) predictions are added in grid order, north to south, west to east.
 * - `'inverse-variance'`: for models that predict a mean μ and a standard deviation σ per band (the
 *   prediction holds `2C` bands: `C` means, then `C` sigmas). Per band, each prediction weighs
 *   `w = b / σ²` (`b` the spatial window, 1 unless the stitcher's `window` is `'cosine'`); the merged
 *   mean is `Σ w·μ / Σ w` and the merged σ (written as the uncertainty band) is `√(Σ b²/σ²) / Σ w`,
 *   the standard deviation of that weighted mean of independent estimates — `1/√Σ(1/σ²)` when `b = 1`.
 *
 * @example
 * ```ts
 * const blend: BlendMode = 'cosine';
 * ```
 */
export type BlendMode = 'mean' | 'cosine' | 'max' | 'first' | 'last' | 'inverse-variance';

/**
 * The blend modes, for validation and option lists.
 *
 * @example
 * ```ts
 * BLEND_MODES.includes('cosine'); // true
 * ```
 */
export const BLEND_MODES: readonly BlendMode[] = ['mean', 'cosine', 'max', 'first', 'last', 'inverse-variance'];

/**
 * The spatial weight window of a chip: `'uniform'` (every pixel 1) or `'cosine'` (see {@link BlendMode}).
 * Blend `'cosine'` always uses the cosine window; `'inverse-variance'` multiplies its weights by the
 * window chosen here; the other blends weigh uniformly.
 *
 * @example
 * ```ts
 * const w: BlendWindow = 'cosine';
 * ```
 */
export type BlendWindow = 'uniform' | 'cosine';

/**
 * Throws a {@link StitchError} (`BAD_OPTION`) unless `mode` is a {@link BlendMode}.
 *
 * @example
 * ```ts
 * assertBlendMode('cosine');
 * ```
 */
export function assertBlendMode(mode: unknown): asserts mode is BlendMode {
  if (!BLEND_MODES.includes(mode as BlendMode)) {
    throw new StitchError('BAD_OPTION', `blend must be one of ${BLEND_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
}

/**
 * The one-dimensional weight of a position `u` across a chip, where `u` is the fractional position
 * in `(0, 1)` (pixel centre `i` of `n` pixels is `u = (i + 0.5) / n`). Every mode but `'cosine'`
 * weighs every position 1; `'cosine'` is the raised cosine `sin²(πu)`, which is positive for every `u`
 * strictly inside `(0, 1)`.
 *
 * @example
 * ```ts
 * blendWeight1d('cosine', 0.5);  // 1
 * blendWeight1d('cosine', 0.25); // 0.5
 * blendWeight1d('mean', 0.01);   // 1
 * ```
 */
export function blendWeight1d(mode: BlendMode | BlendWindow, u: number): number {
  if (mode !== 'cosine') return 1;
  const s = Math.sin(Math.PI * u);
  return s * s;
}

/**
 * The weight profile along one axis of a chip, sampled at the centres of `n` pixels
 * (`u = (i + 0.5) / n`). The 2-D window is the outer product of the x and y profiles.
 *
 * @example
 * ```ts
 * const wx = blendProfile('cosine', 4); // Float64Array [0.146…, 0.853…, 0.853…, 0.146…]
 * ```
 */
export function blendProfile(mode: BlendMode | BlendWindow, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = blendWeight1d(mode, (i + 0.5) / n);
  return out;
}
