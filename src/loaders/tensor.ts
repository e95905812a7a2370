import { LoaderError } from '../errors.js';

/**
 * Where the channel axis goes: `'NHWC'` (channels last, tfjs' default) or `'NCHW'` (channels first,
 * the loader's native order).
 */
export type TensorLayout = 'NHWC' | 'NCHW';

/**
 * A dense array with its shape, row-major.
 */
export interface DenseArray {
  data: Float32Array;
  shape: number[];
}

/**
 * Moves the channel axis of a channels-first array (`[..., C, H, W]`, as chips and batches hold
 * their pixels) to the requested layout. `'NCHW'` returns the data unchanged (as float32, copying
 * only when the input is another type); `'NHWC'` returns `[..., H, W, C]`.
 */
export function toLayout(data: ArrayLike<number>, shape: readonly number[], layout: TensorLayout): DenseArray {
  if (shape.length < 3) {
    throw new LoaderError('BAD_SHAPE', `expected a channels-first shape [..., C, H, W], got [${shape.join(', ')}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new LoaderError(
      'BAD_SHAPE',
      `shape [${shape.join(', ')}] needs ${size} values but the data holds ${data.length}`,
    );
  }
  const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
  if (layout === 'NCHW') return { data: f32, shape: [...shape] };
  if (layout !== 'NHWC')
    throw new LoaderError('BAD_OPTION', `layout must be 'NHWC' or 'NCHW', got ${JSON.stringify(layout)}`);
  const r = shape.length;
  const c = shape[r - 3],
    h = shape[r - 2],
    w = shape[r - 1];
  const plane = h * w;
  const block = c * plane;
  const out = new Float32Array(size);
  for (let base = 0; base < size; base += block) {
    for (let ch = 0; ch < c; ch++) {
      const src = base + ch * plane;
      for (let p = 0; p < plane; p++) out[base + p * c + ch] = f32[src + p];
    }
  }
  return { data: out, shape: [...shape.slice(0, r - 3), h, w, c] };
}
