/**
 * `geoslice/loaders`: the COG window loader and its parts — slices in, chips and batches out (tensors
 * are in `geoslice/tfjs`). Besides `createLoader` (also in the root export): the raster reader
 * (`openRaster`, like rasterio's `open(...).read(window=...)`), byte sources and the block cache,
 * single-slice loads, warp planning, mosaics and temporal grouping.
 *
 * @example
 * ```ts
 * import { openRaster } from 'geoslice/loaders';
 *
 * const reader = await openRaster('scene.tif');
 * const window = await reader.readWindow(0, 0, 0, 256, 256, [0, 1, 2]);
 * console.log(reader.info.width, reader.info.height, window.data.length);
 * ```
 * @module
 */
// Low-level reading (raster reader, header cache, byte sources).
export { openRaster } from './raster.js';
export { rasterSlice } from './raster-slice.js';
export type {
  OpenRasterOptions,
  RasterDtype,
  RasterInfo,
  RasterLevel,
  RasterReader,
  SampleArray,
  SampleDtype,
  TypedArray,
  WindowData,
} from './raster.js';
export { toNumberSamples } from '../tiff/read/number-samples.js';
export { assertCogLayout, extractCogLayout } from '../tiff/cog-layout.js';
export type { CogImageLayout, CogLayout } from '../tiff/cog-layout.js';
export { BlockCache, type BlockCacheOptions } from '../sources/block-cache.js';
export type { ByteRange, ByteSource } from '../sources/byte-source.js';
export { openSource } from '../sources/open-source.js';
export type { HttpSourceOptions, SignRequest } from '../sources/http-source.js';
export { openS3Source } from '../sources/s3-source.js';
export { S3Client, type S3Object } from '../sources/s3-client.js';
export type { S3Options } from '../sources/s3-config.js';
export { listS3 } from '../sources/s3-glob.js';
export {
  resolveAwsCredentials,
  resolveAwsRegion,
  type AwsCredentials,
  type AwsCredentialOptions,
} from '../sources/aws-credentials.js';
// Slices to chips.
export { maskOf } from './chip.js';
export type { Chip, ChipArray, ChipShape } from './chip.js';
export { loadSlice } from './load-slice.js';
export type { BandSelector, LoadSliceOptions, RasterOpener, SliceSource } from './load-slice.js';
export { createLoader } from './loader.js';
export type { Loader, LoaderOptions } from './loader.js';
export { ReaderPool } from './reader-pool.js';
export { decodeThreads, setDecodeThreads } from '../tiff/codecs/worker-pool.js';
export { pickLevel, pickLevelForRatio, warpRatio } from './overview.js';
export { planWarp, resample, sliceGrid } from './warp.js';
export type { ModeBoxes } from './mode-resample.js';
export type { PixelGrid, PixelWindow, PointMapper, Resampling, WarpPlan, WindowPixels } from './warp.js';
export { createMosaic, mergeLayer, mosaicComplete } from './mosaic.js';
export type { Mosaic } from './mosaic.js';
export { filterByInterval, groupByDate } from './temporal.js';
export type { DateGroup, TemporalMode, Timed } from './temporal.js';
export { mapOrdered } from './prefetch.js';
export type { AdaptiveDepth, MapOrderedOptions, Settled } from './prefetch.js';
// Batches and tensors.
export { batchChips, stackChips } from './batches.js';
export type { Batch, BatchOptions } from './batches.js';
export { DEFAULT_LIMITS, type ResourceLimits } from './limits.js';
export { toLayout } from './tensor.js';
export type { DenseArray, TensorLayout } from './tensor.js';
