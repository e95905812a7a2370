import { StitchError } from '../errors.js';

/**
 * The part of a tfjs `Tensor` the stitcher uses (duck-typed, so tfjs is never imported here).
 */
export interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

/**
 * One model output for a slice: a flat `Float32Array` (or `Float64Array`) in `[C, h, w]` order, or a
 * tensor of shape `[C, h, w]` (or `[S, C, h, w]` for `S` samples, e.g. MC-dropout passes).
 * An array of outputs is `S` repeated predictions of the same slice (MC-dropout or an ensemble).
 */
export type PredictionInput = Float32Array | Float64Array | TensorLike | (Float32Array | Float64Array | TensorLike)[];

/**
 * A prediction normalised to `S` flat `[C, h, w]` samples.
 */
export interface PredictionSamples {
  samples: ArrayLike<number>[];
  bands: number;
  height: number;
  width: number;
}

function isTensorLike(v: unknown): v is TensorLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as TensorLike).dataSync === 'function' &&
    Array.isArray((v as TensorLike).shape)
  );
}

/**
 * Normalises a {@link PredictionInput} into flat `[C, h, w]` samples, checking sizes.
 * `bands` is the expected `C`; `height`/`width` are the expected grid of flat arrays (a tensor's own
 * shape wins, so a model may predict at another resolution than the slice's). Throws
 * {@link StitchError} `SHAPE_MISMATCH` naming `what` when sizes disagree.
 */
export function toPredictionSamples(
  pred: PredictionInput,
  bands: number,
  height: number,
  width: number,
  what: string,
): PredictionSamples {
  const items = Array.isArray(pred) ? pred : [pred];
  if (items.length === 0)
    throw new StitchError('SHAPE_MISMATCH', `${what}: empty list of predictions; pass at least one [C, h, w] array`, {
      subject: what,
    });
  const samples: ArrayLike<number>[] = [];
  let h = -1;
  let w = -1;
  for (const item of items) {
    let data: ArrayLike<number>;
    let ih = height;
    let iw = width;
    let count = 1;
    if (isTensorLike(item)) {
      const s = item.shape;
      if (s.length === 3) [, ih, iw] = s as [number, number, number];
      else if (s.length === 4) [count, , ih, iw] = s as [number, number, number, number];
      else if (s.length === 2 && bands === 1) [ih, iw] = s as [number, number];
      else
        throw new StitchError(
          'SHAPE_MISMATCH',
          `${what}: tensor shape [${s.join(', ')}] is not [C, h, w] or [S, C, h, w]; transpose NHWC outputs with tf.transpose(t, [2, 0, 1])`,
          { subject: what },
        );
      const cs = s.length === 3 ? s[0] : s.length === 4 ? s[1] : 1;
      if (cs !== bands)
        throw new StitchError('SHAPE_MISMATCH', `${what}: tensor has ${cs} bands, the stitcher expects ${bands}`, {
          subject: what,
        });
      data = item.dataSync();
    } else if (item instanceof Float32Array || item instanceof Float64Array) {
      data = item;
    } else {
      throw new StitchError(
        'SHAPE_MISMATCH',
        `${what}: prediction must be a Float32Array, Float64Array, a tfjs tensor or an array of them, got ${Object.prototype.toString.call(item)}`,
        { subject: what },
      );
    }
    const per = bands * ih * iw;
    if (data.length !== per * count) {
      throw new StitchError(
        'SHAPE_MISMATCH',
        `${what}: prediction has ${data.length} values, expected ${count} x ${bands} bands x ${ih} x ${iw} = ${per * count}; pass [C, h, w] data for the slice's grid`,
        { subject: what },
      );
    }
    if (h >= 0 && (h !== ih || w !== iw))
      throw new StitchError(
        'SHAPE_MISMATCH',
        `${what}: repeated predictions differ in size (${h}x${w} vs ${ih}x${iw})`,
        { subject: what },
      );
    h = ih;
    w = iw;
    if (count === 1) samples.push(data);
    else for (let k = 0; k < count; k++) samples.push(subarray(data, k * per, (k + 1) * per));
  }
  return { samples, bands, height: h, width: w };
}

function subarray(data: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  const d = data as unknown as { subarray?: (a: number, b: number) => ArrayLike<number> };
  if (typeof d.subarray === 'function') return d.subarray(start, end);
  return Array.prototype.slice.call(data, start, end) as number[];
}
