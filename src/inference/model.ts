import { InferenceError } from '../errors.js';

/**
 * A batch of model inputs: float32 pixels `[N, C, H, W]` (channels first, as the loader's batches
 * hold them), band values as read unless the model was loaded with a `normalize` option.
 */
export interface ModelInput {
  data: Float32Array;
  shape: [n: number, c: number, h: number, w: number];
}

/**
 * A batch of model outputs: float32 `[N, H, W, C]` (channels last). `H, W` may differ from the input's
 * (a model predicting at a coarser resolution); `C` is the number of output bands.
 */
export interface ModelOutput {
  data: Float32Array;
  shape: [n: number, h: number, w: number, c: number];
}

/**
 * A model geoslice can run: ONNX ({@link loadOnnxModel}), tfjs ({@link loadTfjsModel}) or a plain
 * async function ({@link functionModel}).
 */
export interface InferenceModel {
  /** What runs the model, e.g. `onnxruntime-node (cpu, 2 threads)`, `tfjs (wasm)`, `function`. */
  readonly backend: string;
  /** A description of the model for logs and resume journals (file path and size, or a name). */
  readonly id: string;
  /** Runs the model on one batch. Throws {@link InferenceError} `BAD_OUTPUT` when the output is not `[N, H, W, C]`. */
  predict(batch: ModelInput): Promise<ModelOutput>;
  /** Releases the session / weights. Idempotent. */
  close(): Promise<void>;
}

/**
 * A batch of model outputs channels first, `[N, C, H, W]` (the stitcher's layout), with the seconds the
 * backend computed (for the busy time of the model stage).
 */
export interface ChannelsFirstOutput {
  data: Float32Array;
  shape: [n: number, c: number, h: number, w: number];
  seconds: number;
}

/**
 * Key of an optional method of a model object, `(batch) => Promise<ChannelsFirstOutput>`, that
 * `runInference` calls instead of `predict`: the output comes channels first (an NCHW ONNX model's
 * own layout, so no transpose back and forth) and `batch.data` may be taken over (transferred to the
 * model's thread). Not public: user models implement `predict`.
 */
export const PREDICT_CHANNELS_FIRST: unique symbol = Symbol('geoslice.predictChannelsFirst');

/** A model object with the {@link PREDICT_CHANNELS_FIRST} method. */
export interface ChannelsFirstModel extends InferenceModel {
  [PREDICT_CHANNELS_FIRST](batch: ModelInput): Promise<ChannelsFirstOutput>;
}

/**
 * Per-band input normalisation `x' = (x - mean[c]) / std[c]`, e.g. from band statistics of the
 * training data. One value per input band (or one value for every band).
 */
export interface Normalize {
  mean: number[];
  std: number[];
}

/**
 * Options every model backend takes.
 */
export interface ModelOptions {
  /** Applied to every input batch before the model sees it. Default: none (raw band values). */
  normalize?: Normalize;
}

/**
 * A copy of `batch` normalised per band (see {@link Normalize}), or `batch` itself when `normalize`
 * is undefined. Throws {@link InferenceError} `BAD_OPTION` when the value lists do not match the bands
 * or a std is not positive.
 */
export function normalizeInput(batch: ModelInput, normalize: Normalize | undefined): ModelInput {
  if (!normalize) return batch;
  const [n, c, h, w] = batch.shape;
  const pick = (list: number[], name: string): number[] => {
    if (!Array.isArray(list) || (list.length !== 1 && list.length !== c) || !list.every(Number.isFinite))
      throw new InferenceError(
        'BAD_OPTION',
        `normalize.${name} must hold 1 or ${c} finite numbers (one per input band), got ${JSON.stringify(list)}`,
      );
    return list.length === 1 ? Array(c).fill(list[0]) : list;
  };
  const mean = pick(normalize.mean, 'mean');
  const std = pick(normalize.std, 'std');
  if (std.some((s) => !(s > 0)))
    throw new InferenceError('BAD_OPTION', `normalize.std must be positive, got ${JSON.stringify(normalize.std)}`);
  const plane = h * w;
  const out = new Float32Array(batch.data.length);
  for (let k = 0; k < n; k++)
    for (let b = 0; b < c; b++) {
      const base = (k * c + b) * plane;
      const m = mean[b];
      const inv = 1 / std[b];
      for (let p = 0; p < plane; p++) out[base + p] = (batch.data[base + p] - m) * inv;
    }
  return { data: out, shape: batch.shape };
}

/**
 * Checks a backend's output against its input batch: `[N, H, W, C]` with the input's `N` and
 * `data.length` matching the shape. Throws {@link InferenceError} `BAD_OUTPUT` naming the model.
 */
export function checkOutput(out: ModelOutput, n: number, model: string): ModelOutput {
  const s = out?.shape;
  if (!(out?.data instanceof Float32Array) || !Array.isArray(s) || s.length !== 4 || !s.every((v) => v >= 1))
    throw new InferenceError(
      'BAD_OUTPUT',
      `${model}: the output must be { data: Float32Array, shape: [N, H, W, C] }, got shape ${JSON.stringify(s)}`,
      { subject: model },
    );
  if (s[0] !== n)
    throw new InferenceError('BAD_OUTPUT', `${model}: ${s[0]} outputs for a batch of ${n} inputs`, {
      subject: model,
    });
  const size = s[0] * s[1] * s[2] * s[3];
  if (out.data.length !== size)
    throw new InferenceError(
      'BAD_OUTPUT',
      `${model}: output shape [${s.join(', ')}] needs ${size} values but data holds ${out.data.length}`,
      { subject: model },
    );
  return out;
}

/**
 * Moves the channel axis of a `[N, C, H, W]` array last (`[N, H, W, C]`), or first with `inverse`.
 */
export function channelsLast(data: Float32Array, shape: readonly number[], inverse = false): Float32Array {
  const [n, a, b, c] = shape;
  const out = new Float32Array(data.length);
  if (!inverse) {
    // [n, a=C, b=H, c=W] -> [n, H, W, C]
    const plane = b * c;
    for (let k = 0; k < n; k++) {
      const base = k * a * plane;
      for (let ch = 0; ch < a; ch++) {
        const src = base + ch * plane;
        for (let p = 0; p < plane; p++) out[base + p * a + ch] = data[src + p];
      }
    }
    return out;
  }
  // [n, a=H, b=W, c=C] -> [n, C, H, W]
  const plane = a * b;
  for (let k = 0; k < n; k++) {
    const base = k * plane * c;
    for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = data[base + p * c + ch];
  }
  return out;
}
