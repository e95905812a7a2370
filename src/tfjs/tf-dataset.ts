import type * as TF from '@tensorflow/tfjs';
import type { GeoSlice } from '../geo/slice.js';
import type { Batch, BatchOptions } from '../loaders/batches.js';
import type { TensorLayout } from '../loaders/tensor.js';
import { loadTf, toTensor, type Tfjs } from './tfjs.js';
import { atBoundary, atBoundarySync, LoaderError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';

/**
 * Slices for a dataset: an iterable (iterated once per epoch, so a one-shot generator gives one
 * epoch) or a function returning a fresh iterable each epoch (e.g. a sampler re-seeded per epoch).
 */
export type DatasetSlices =
  | Iterable<GeoSlice>
  | AsyncIterable<GeoSlice>
  | (() => Iterable<GeoSlice> | AsyncIterable<GeoSlice>);

/**
 * Anything that turns slices into batches, such as a loader from `createLoader`.
 */
export interface BatchSource {
  batches(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>, opts: BatchOptions): AsyncIterable<Batch>;
}

/**
 * Options of {@link tfDataset}.
 */
export interface TfDatasetOptions {
  batchSize: number;
  /** Default 'NHWC'. */
  layout?: TensorLayout;
  /** Drop a short final batch. Default false. */
  dropLast?: boolean;
  /**
   * Builds the target tensor of a batch; with it the dataset yields `{ xs, ys }` (what `model.fitDataset`
   * wants), without it plain `xs` tensors. Batches that carry `labels` (from a paired loader) yield
   * `{ xs, ys }` with `ys` = those labels in `layout` unless this is given.
   */
  labels?: (batch: Batch, tf: Tfjs) => TF.Tensor;
  /** The tfjs module; default {@link loadTf}. */
  tf?: Tfjs;
}

/** The keys of {@link TfDatasetOptions} (the compiler checks the list is complete). */
export const TF_DATASET_OPTION_KEYS = optionKeys<TfDatasetOptions>()([
  'batchSize',
  'layout',
  'dropLast',
  'labels',
  'tf',
]);

/**
 * A `tf.data.Dataset` of batches loaded from slices, usable with `model.fitDataset` (with `labels`)
 * or `model.predictOnBatch`. Each element's tensors are new; tfjs' training loop disposes them (when
 * iterating by hand, dispose each element). Loading runs with the loader's concurrency and prefetch.
 *
 * @example
 * ```ts
 * import { createLoader, openCatalog, randomSampler } from 'geoslice';
 * import { loadTf, tfDataset } from 'geoslice/tfjs';
 *
 * const tf = await loadTf();
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog, bands: [1, 2, 3] });
 * const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [64, 64, 3], filters: 2, kernelSize: 1, activation: 'softmax' })] });
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
 * const ds = await tfDataset((() => randomSampler(catalog, { size: 64, length: 256, seed: 1 })), loader, {
 *   batchSize: 8,
 *   labels: (batch, t) => t.oneHot(t.zeros([batch.shape[0], 64, 64], 'int32'), 2), // your labels here
 * });
 * await model.fitDataset(ds, { epochs: 3 });
 * ```
 */
export async function tfDataset(
  slices: DatasetSlices,
  loader: BatchSource,
  opts: TfDatasetOptions,
): Promise<TF.data.Dataset<TF.TensorContainer>> {
  checkOptionKeys(opts, TF_DATASET_OPTION_KEYS, 'tfDataset', LoaderError);
  const tf = opts.tf ?? (await loadTf());
  const layout = opts.layout ?? 'NHWC';
  const { labels } = opts;
  // Errors while a dataset is iterated (the slices function, the loader, toTensor, labels) reach
  // tfjs' iterator typed: LoaderError, an unexpected one as INTERNAL with the original as cause.
  const subject = 'tfDataset: iterating the dataset';
  return tf.data.generator(() => {
    const it = atBoundarySync(LoaderError, subject, () => {
      const epoch = typeof slices === 'function' ? slices() : slices;
      return loader.batches(epoch, { batchSize: opts.batchSize, dropLast: opts.dropLast })[Symbol.asyncIterator]();
    });
    const step = async (): Promise<IteratorResult<TF.TensorContainer>> => {
      const r = await it.next();
      if (r.done) return { done: true, value: undefined };
      const xs = toTensor(r.value, { layout, tf });
      const paired = (r.value as Batch & { labels?: { data: Float32Array; shape: number[] } }).labels;
      if (!labels && paired) {
        const ys = toTensor({ ...r.value, data: paired.data, shape: paired.shape }, { layout, tf });
        return { done: false, value: { xs, ys } };
      }
      if (!labels) return { done: false, value: xs };
      let ys: TF.Tensor;
      try {
        ys = labels(r.value, tf);
      } catch (e) {
        xs.dispose();
        throw e;
      }
      return { done: false, value: { xs, ys } };
    };
    return { next: () => atBoundary(LoaderError, subject, step) } as unknown as Iterator<TF.TensorContainer>;
  });
}
