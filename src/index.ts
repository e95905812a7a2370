/**
 * geoslice: GeoParquet catalogs, samplers, COG window loaders, tensors, stitching and active learning
 * for raster machine learning on Node.js.
 *
 * @example
 * ```ts
 * import { openCatalog, randomSampler, createLoader } from 'geoslice';
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog, resampling: 'bilinear', concurrency: 4 });
 * for await (const batch of loader.batches(randomSampler(catalog, { size: 256, resolution: [10, 10], length: 1000, seed: 1 }), { batchSize: 16 })) {
 *   console.log(batch.shape);
 * }
 * ```
 */
export * from './errors.js';
export * from './geo/index.js';
export * from './catalog/index.js';
export * from './catalog/builders/index.js';
export * from './samplers/index.js';
export * from './samplers/slice-table.js';
export * from './loaders/index.js';
export * from './stitch/index.js';
// Two stages name these the same (same shape); the public API takes the loader's and the samplers'.
export type { GeoTransform } from './loaders/index.js';
export type { PixelGrid } from './samplers/index.js';
