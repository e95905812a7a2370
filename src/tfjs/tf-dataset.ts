import type * as TF from '@tensorflow/tfjs';
import type { GeoSlice } from '../geo/slice.js';
import type { Batch, BatchOptions } from '../loaders/batches.js';
import type { TensorLayout } from '../loaders/tensor.js';
import { loadTf, toTensor, type Tfjs } from './tfjs.js';

/**
 * Slices for a dataset: an iterable (iterated once per epoch, so a one-shot generator gives one
 * epoch) or a function returning a fresh iterable each epoch (e.g. a sampler re-seeded per epoch).
 *
 * @example
 * ```ts
 * const epochSlices: DatasetSlices = () => randomSampler(catalog, { size: 256, count: 1000, seed: 7 });
 * ```
 */
export type DatasetSlices =
  | Iterable<GeoSlice>
  | AsyncIterable<GeoSlice>
  | (() => Iterable<GeoSlice> | AsyncIterable<GeoSlice>);

/**
 * Anything that turns slices into batches, such as a loader from `createLoader`.
 *
 * @example
 * ```ts
 * const source: BatchSource = createLoader({ catalog, bands: ['B04', 'B08'] });
 * ```
 */
export interface BatchSource {
  batches(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>, opts: BatchOptions): AsyncIterable<Batch>;
}

/**
 * Options of {@link tfDataset}.
 *
 * @example
 * ```ts
 * const opts: TfDatasetOptions = { batchSize: 16, layout: 'NHWC', labels: (b, tf) => tf.tensor2d(b.slices.map(labelOf), [b.slices.length, 1]) };
 * ```
 */
export interface TfDatasetOptions {
  batchSize: number;
  /** Default 'NHWC'. */
  layout?: TensorLayout;
  /** Drop a short final batch. Default false. */
  dropLast?: boolean;
  /** Builds the target tensor of a batch; with it the dataset yields `{ xs, ys }` (what `model.fitDataset` wants), without it plain `xs` tensors. */
  labels?: (batch: Batch, tf: Tfjs) => TF.Tensor;
  /** The tfjs module; default {@link loadTf}. */
  tf?: Tfjs;
}

/**
 * A `tf.data.Dataset` of batches loaded from slices, usable with `model.fitDataset` (with `labels`)
 * or `model.predictOnBatch`. Each element's tensors are new; tfjs' training loop disposes them (when
 * iterating by hand, dispose each element). Loading runs with the loader's concurrency and prefetch.
 *
 * @example
 * ```ts
 * const ds = await tfDataset(() => sampler(), loader, { batchSize: 8, labels: (b, tf) => tf.oneHot(labelsOf(b), 2) });
 * await model.fitDataset(ds, { epochs: 3 });
 * ```
 */
export async function tfDataset(
  slices: DatasetSlices,
  loader: BatchSource,
  opts: TfDatasetOptions,
): Promise<TF.data.Dataset<TF.TensorContainer>> {
  const tf = opts.tf ?? (await loadTf());
  const layout = opts.layout ?? 'NHWC';
  const { labels } = opts;
  return tf.data.generator(() => {
    const epoch = typeof slices === 'function' ? slices() : slices;
    const it = loader.batches(epoch, { batchSize: opts.batchSize, dropLast: opts.dropLast })[Symbol.asyncIterator]();
    return {
      async next(): Promise<IteratorResult<TF.TensorContainer>> {
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        const xs = toTensor(r.value, { layout, tf });
        if (!labels) return { done: false, value: xs };
        let ys: TF.Tensor;
        try {
          ys = labels(r.value, tf);
        } catch (e) {
          xs.dispose();
          throw e;
        }
        return { done: false, value: { xs, ys } };
      },
    } as unknown as Iterator<TF.TensorContainer>;
  });
}
