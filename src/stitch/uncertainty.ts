import { StitchError } from '../errors.js';
import type { PredictionSamples } from './prediction-input.js';

/**
 * What the prediction bands hold. `'probabilities'`: class probabilities in `[0, 1]` (one band = the
 * probability of the positive class of a binary problem). `'logits'`: unnormalised class scores,
 * turned into probabilities (softmax over bands; sigmoid for one band) before blending.
 * `'regression'`: continuous values; only variance is defined for them.
 */
export type ValueKind = 'probabilities' | 'logits' | 'regression';

/**
 * Predictive entropy `-Σ p·ln p` (nats) of the class probabilities stored at
 * `values[offset + c * stride]` for `c < count`. With one band the probabilities are `[p, 1 - p]`.
 * Zero probabilities contribute 0.
 */
export function predictiveEntropy(values: ArrayLike<number>, offset = 0, stride = 1, count = values.length): number {
  if (count === 1) {
    const p = values[offset];
    return -(xlogx(p) + xlogx(1 - p));
  }
  let h = 0;
  for (let c = 0; c < count; c++) h -= xlogx(values[offset + c * stride]);
  return h;
}

function xlogx(p: number): number {
  return p > 0 ? p * Math.log(p) : 0;
}

/**
 * Margin between the two most likely classes, `top1 - top2` (small = uncertain), of the probabilities at
 * `values[offset + c * stride]`. With one band the classes are `[p, 1 - p]`, so the margin is `|2p - 1|`.
 */
export function probabilityMargin(values: ArrayLike<number>, offset = 0, stride = 1, count = values.length): number {
  if (count === 1) return Math.abs(2 * values[offset] - 1);
  let top1 = -Infinity;
  let top2 = -Infinity;
  for (let c = 0; c < count; c++) {
    const v = values[offset + c * stride];
    if (v > top1) {
      top2 = top1;
      top1 = v;
    } else if (v > top2) top2 = v;
  }
  return top1 - top2;
}

/**
 * Index of the largest of the values at `values[offset + c * stride]` (the first one on ties).
 * With one band (binary probability) the class is `1` when `p >= 0.5`, else `0`.
 */
export function argmaxBand(values: ArrayLike<number>, offset = 0, stride = 1, count = values.length): number {
  if (count === 1) return values[offset] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let c = 1; c < count; c++) if (values[offset + c * stride] > values[offset + best * stride]) best = c;
  return best;
}

/**
 * Converts one `[C, h, w]` sample of logits into a new array of probabilities: softmax across bands per pixel
 * (sigmoid when `C = 1`). NaN stays NaN (no prediction at that pixel).
 */
export function logitsToProbabilities(logits: ArrayLike<number>, bands: number, pixels: number): Float32Array {
  const out = new Float32Array(bands * pixels);
  for (let i = 0; i < pixels; i++) {
    if (bands === 1) {
      out[i] = 1 / (1 + Math.exp(-logits[i]));
      continue;
    }
    let m = -Infinity;
    for (let c = 0; c < bands; c++) m = Math.max(m, logits[c * pixels + i]);
    let s = 0;
    for (let c = 0; c < bands; c++) s += Math.exp(logits[c * pixels + i] - m);
    for (let c = 0; c < bands; c++) out[c * pixels + i] = Math.exp(logits[c * pixels + i] - m) / s;
  }
  return out;
}

/**
 * Checks and converts prediction samples for a {@link ValueKind}: infinities are refused, probabilities
 * must lie in `[0, 1]` (1e-6 slack), logits are converted to probabilities. NaN marks "no prediction" at
 * a pixel and passes through. Throws {@link StitchError} `BAD_VALUES` naming `what`.
 */
export function prepareSamples(p: PredictionSamples, kind: ValueKind, what: string): PredictionSamples {
  const pixels = p.height * p.width;
  const samples = p.samples.map((s) => {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v === Infinity || v === -Infinity) {
        throw new StitchError(
          'BAD_VALUES',
          `${what}: prediction value ${i} is ${v}; predictions must be finite (NaN marks a pixel without prediction)`,
          { subject: what },
        );
      }
      if (kind === 'probabilities' && (v < -1e-6 || v > 1 + 1e-6)) {
        throw new StitchError(
          'BAD_VALUES',
          `${what}: value ${v} at index ${i} is not a probability; create the stitcher with values: 'logits' or 'regression'`,
          { subject: what },
        );
      }
    }
    return kind === 'logits' ? logitsToProbabilities(s, p.bands, pixels) : s;
  });
  return { ...p, samples };
}

/**
 * Checks the sigma bands `[bands, 2 * bands)` of (mean, sigma) prediction samples: every sigma must be
 * positive (NaN passes: no prediction at that pixel). Throws {@link StitchError} `BAD_VALUES` naming `what`.
 */
export function assertPositiveSigmas(p: PredictionSamples, bands: number, what: string): void {
  const pixels = p.height * p.width;
  for (const s of p.samples) {
    for (let i = bands * pixels; i < 2 * bands * pixels; i++) {
      if (s[i] <= 0)
        throw new StitchError(
          'BAD_VALUES',
          `${what}: sigma ${s[i]} of band ${Math.floor(i / pixels) - bands + 1} at pixel ${i % pixels} is not positive; inverse-variance weights need sigma > 0 (NaN marks no prediction)`,
          { subject: what },
        );
    }
  }
}

/**
 * Per-slice summary of a prediction, as written into the catalog by `writePredictions`.
 */
export interface PredictionSummary {
  /** Argmax of the pixel-mean class probabilities (binary: 1 when mean p >= 0.5); null for regression. */
  predClass: number | null;
  /** Mean probability of `predClass` over the pixels (binary: of the predicted class); for regression the mean of band 0. */
  predScore: number;
  /** Mean over pixels of the predictive entropy (nats) of the sample-mean probabilities; null for regression. */
  entropy: number | null;
  /** Mean over pixels and bands of the population variance across the samples (0 for one sample). */
  variance: number;
  /** Mean over pixels of the top1 - top2 margin of the sample-mean probabilities; null for regression. */
  margin: number | null;
  /** Number of pixels with a prediction (NaN pixels are left out). */
  pixels: number;
  /** Per band, the mean over pixels (and samples) of the prediction: class probabilities or regression means. */
  bandMeans: number[];
}

/**
 * Summarises one slice's prediction (one or more samples of `[C, h, w]`) into the per-slice uncertainty
 * values. Pixels where any band of any sample is NaN are left out; a slice without any valid pixel
 * throws {@link StitchError} `EMPTY_PREDICTION`.
 */
export function summarizePrediction(p: PredictionSamples, kind: ValueKind, what: string): PredictionSummary {
  const { bands, samples } = p;
  const pixels = p.height * p.width;
  const n = samples.length;
  const mean = new Float64Array(bands);
  const classSum = new Float64Array(bands);
  let entropySum = 0;
  let marginSum = 0;
  let varianceSum = 0;
  let valid = 0;
  for (let i = 0; i < pixels; i++) {
    let ok = true;
    for (let s = 0; s < n && ok; s++)
      for (let c = 0; c < bands; c++)
        if (Number.isNaN(samples[s][c * pixels + i])) {
          ok = false;
          break;
        }
    if (!ok) continue;
    valid++;
    for (let c = 0; c < bands; c++) {
      let m = 0;
      for (let s = 0; s < n; s++) m += samples[s][c * pixels + i];
      m /= n;
      let v = 0;
      for (let s = 0; s < n; s++) v += (samples[s][c * pixels + i] - m) ** 2;
      varianceSum += v / n;
      mean[c] = m;
      classSum[c] += m;
    }
    if (kind !== 'regression') {
      entropySum += predictiveEntropy(mean, 0, 1, bands);
      marginSum += probabilityMargin(mean, 0, 1, bands);
    }
  }
  if (valid === 0)
    throw new StitchError(
      'EMPTY_PREDICTION',
      `${what}: every pixel of the prediction is NaN; drop the slice or predict it again`,
      { subject: what },
    );
  for (let c = 0; c < bands; c++) classSum[c] /= valid;
  const regression = kind === 'regression';
  const predClass = regression ? null : argmaxBand(classSum, 0, 1, bands);
  const predScore = regression
    ? classSum[0]
    : bands === 1
      ? predClass === 1
        ? classSum[0]
        : 1 - classSum[0]
      : classSum[predClass!];
  return {
    predClass,
    predScore,
    entropy: regression ? null : entropySum / valid,
    variance: varianceSum / (valid * bands),
    margin: regression ? null : marginSum / valid,
    pixels: valid,
    bandMeans: Array.from(classSum),
  };
}
