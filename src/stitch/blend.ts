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
 */
export type BlendMode = 'mean' | 'cosine' | 'max' | 'first' | 'last' | 'inverse-variance';

/**
 * The blend modes, for validation and option lists.
 */
export const BLEND_MODES: readonly BlendMode[] = ['mean', 'cosine', 'max', 'first', 'last', 'inverse-variance'];

/**
 * The spatial weight window of a chip: `'uniform'` (every pixel 1) or `'cosine'` (see {@link BlendMode}).
 * Blend `'cosine'` always uses the cosine window; `'inverse-variance'` multiplies its weights by the
 * window chosen here; the other blends weigh uniformly.
 */
export type BlendWindow = 'uniform' | 'cosine';

/**
 * What a {@link BlendMode} does, in one place — the accumulator reads these instead of testing modes:
 * - `window`: the spatial weight window of a chip's pixels (`'option'`: the stitcher's `window` option).
 * - `pick`: for modes whose output is one of the predictions rather than their weighted mean: whether
 *   `value` replaces the value kept so far (`first`: this is the pixel's first prediction), and the
 *   kept value before any prediction (`init`).
 * - `inverseVariance`: predictions hold a σ band after each mean band and weigh `window / σ²`; the
 *   uncertainty bands are the merged σ.
 * Every mode also keeps the weighted mean and spread that the uncertainty bands come from.
 */
export interface BlendRule {
  window: BlendWindow | 'option';
  pick?: { init: number; replaces(kept: number, value: number, first: boolean): boolean };
  inverseVariance?: boolean;
}

/** The {@link BlendRule} of every {@link BlendMode}. */
export const BLEND_RULES: Readonly<Record<BlendMode, BlendRule>> = {
  mean: { window: 'uniform' },
  cosine: { window: 'cosine' },
  max: { window: 'uniform', pick: { init: -Infinity, replaces: (kept, value) => value > kept } },
  first: { window: 'uniform', pick: { init: 0, replaces: (_kept, _value, first) => first } },
  last: { window: 'uniform', pick: { init: 0, replaces: () => true } },
  'inverse-variance': { window: 'option', inverseVariance: true },
};

/**
 * Throws a {@link StitchError} (`BAD_OPTION`) unless `mode` is a {@link BlendMode}.
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
 */
export function blendWeight1d(mode: BlendMode | BlendWindow, u: number): number {
  if (mode !== 'cosine') return 1;
  const s = Math.sin(Math.PI * u);
  return s * s;
}

/**
 * The weight profile along one axis of a chip, sampled at the centres of `n` pixels
 * (`u = (i + 0.5) / n`). The 2-D window is the outer product of the x and y profiles.
 */
export function blendProfile(mode: BlendMode | BlendWindow, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = blendWeight1d(mode, (i + 0.5) / n);
  return out;
}
