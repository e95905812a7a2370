/**
 * `geoslice/tfjs`: chips and batches as TensorFlow.js tensors, and `tf.data` datasets for
 * `model.fitDataset`. This is the only part of geoslice that uses tfjs; `@tensorflow/tfjs` (or
 * `@tensorflow/tfjs-node` for the native backend) is an optional peer dependency the application
 * installs. Without either, {@link loadTf} and {@link tfDataset} throw `LoaderError` `NO_TFJS`
 * saying what to install.
 *
 * @example
 * ```ts
 * import { createLoader, openCatalog, randomSampler } from 'geoslice';
 * import { loadTf, toTensor } from 'geoslice/tfjs';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog });
 * const tf = await loadTf(); // tfjs-node when installed, else tfjs
 * for await (const batch of loader.batches(randomSampler(catalog, { size: 64, length: 32, seed: 1 }), { batchSize: 8 })) {
 *   const x = toTensor(batch, { layout: 'NHWC', tf }); // [8, 64, 64, bands]
 *   console.log(x.shape);
 *   x.dispose();
 * }
 * ```
 * @module
 */
export { loadTf, toTensor, type Tfjs, type ToTensorOptions } from './tfjs.js';
export { tfDataset, type BatchSource, type DatasetSlices, type TfDatasetOptions } from './tf-dataset.js';
