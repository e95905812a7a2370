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
 *
 * @example
 * ```ts
 * const blend: BlendMode = 'cosine';
 * ```
 */
export type BlendMode = 'mean' | 'cosine' | 'max';

/**
 * The blend modes, for validation and option lists.
 *
 * @example
 * ```ts
 * BLEND_MODES.includes('cosine'); // true
 * ```
 */
export const BLEND_MODES: readonly BlendMode[] = ['mean', 'cosine', 'max'];

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
 * How a blend mode combines the predictions covering a pixel — the one place a mode is defined:
 * - `weight1d`: the window weight across a chip (see {@link blendWeight1d}); every mode's weighted mean
 *   and spread feed the uncertainty bands.
 * - `kept`: for modes whose output is not the weighted mean, a per-band value kept beside it: starts at
 *   `init`, becomes `merge(kept, value)` for each prediction covering the pixel, and is the output.
 *   Without `kept` the output is the weighted mean.
 *
 * @example
 * ```ts
 * BLEND_RULES.cosine.weight1d(0.25); // 0.5, the raised cosine
 * ```
 */
export interface BlendRule {
  weight1d(u: number): number;
  kept?: { init: number; merge(kept: number, value: number): number };
}

/** Raised cosine `sin²(πu)`. */
function raisedCosine(u: number): number {
  const s = Math.sin(Math.PI * u);
  return s * s;
}

const uniform = (): number => 1;

/** The {@link BlendRule} of every {@link BlendMode}. */
export const BLEND_RULES: Readonly<Record<BlendMode, BlendRule>> = {
  mean: { weight1d: uniform },
  cosine: { weight1d: raisedCosine },
  max: { weight1d: uniform, kept: { init: -Infinity, merge: Math.max } },
};

/**
 * The one-dimensional weight of a position `u` across a chip, where `u` is the fractional position
 * in `(0, 1)` (pixel centre `i` of `n` pixels is `u = (i + 0.5) / n`). `'mean'` and `'max'` weigh
 * every position 1; `'cosine'` is the raised cosine `sin²(πu)`, which is positive for every `u`
 * strictly inside `(0, 1)`.
 *
 * @example
 * ```ts
 * blendWeight1d('cosine', 0.5);  // 1
 * blendWeight1d('cosine', 0.25); // 0.5
 * blendWeight1d('mean', 0.01);   // 1
 * ```
 */
export function blendWeight1d(mode: BlendMode, u: number): number {
  return BLEND_RULES[mode].weight1d(u);
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
export function blendProfile(mode: BlendMode, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = blendWeight1d(mode, (i + 0.5) / n);
  return out;
}
