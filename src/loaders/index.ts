/**
 * The COG window loader: slices in, chips, batches and tensors out.
 *
 * @example
 * ```ts
 * import { createLoader, loadSlice, openRaster, toTensor, tfDataset } from './loaders/index.js';
 * const loader = createLoader({ catalog, bands: ['B04', 'B03', 'B02'], resampling: 'bilinear' });
 * for await (const batch of loader.batches(slices, { batchSize: 16 })) console.log(batch.shape);
 * ```
 */
// Low-level reading (raster reader, header cache, byte sources).
export { openRaster } from './raster.js';
export { rasterSlice } from './raster-slice.js';
export type {
  GeoTransform,
  OpenRasterOptions,
  RasterDtype,
  RasterInfo,
  RasterLevel,
  RasterReader,
  TypedArray,
  WindowData,
} from './raster.js';
export { assertCogLayout, extractCogLayout } from '../tiff/cog-layout.js';
export type { CogImageLayout, CogLayout } from '../tiff/cog-layout.js';
export { BlockCache } from '../sources/block-cache.js';
export type { ByteRange, ByteSource } from '../sources/byte-source.js';
export { openSource } from '../sources/open-source.js';
export type { HttpSourceOptions } from '../sources/http-source.js';
// Slices to chips.
export type { Chip, ChipArray, ChipShape } from './chip.js';
export { loadSlice } from './load-slice.js';
export type { BandSelector, LoadSliceOptions, RasterOpener, SliceSource } from './load-slice.js';
export { createLoader } from './loader.js';
export type { Loader, LoaderOptions } from './loader.js';
export { ReaderPool } from './reader-pool.js';
export { pickLevel } from './overview.js';
export { planWarp, resample, sliceGrid } from './warp.js';
export type { PixelGrid, PixelWindow, PointMapper, Resampling, WarpPlan, WindowPixels } from './warp.js';
export { createMosaic, mergeLayer, mosaicComplete } from './mosaic.js';
export type { Mosaic } from './mosaic.js';
export { filterByInterval, groupByDate } from './temporal.js';
export type { DateGroup, TemporalMode, Timed } from './temporal.js';
export { mapOrdered } from './prefetch.js';
export type { MapOrderedOptions, Settled } from './prefetch.js';
// Batches and tensors.
export { batchChips, stackChips } from './batches.js';
export type { Batch, BatchOptions } from './batches.js';
export { toLayout } from './tensor.js';
export type { DenseArray, TensorLayout } from './tensor.js';
export { loadTf, toTensor } from './tfjs.js';
export type { Tfjs, ToTensorOptions } from './tfjs.js';
export { tfDataset } from './tf-dataset.js';
export type { BatchSource, DatasetSlices, TfDatasetOptions } from './tf-dataset.js';
