/**
 * geoslice: GeoParquet catalogs, samplers, COG window loaders, stitching and active learning for
 * raster machine learning on Node.js.
 *
 * The root export is the pipeline a user needs, stage by stage: catalog → sampler → loader →
 * stitcher / write-back / inference, the typed errors and the core types. Lower-level pieces live
 * behind subpath exports: `geoslice/geo` (boxes, CRS, transforms, WKB), `geoslice/catalog` (backends,
 * GeoParquet writer, sharded catalog directories), `geoslice/loaders` (raster reader, byte sources,
 * warp, mosaic), `geoslice/stitch` (blending, uncertainty), `geoslice/tiff` (the TIFF format layer and
 * COG writer), `geoslice/inference` (models and backends), `geoslice/vector`, `geoslice/labels` and
 * `geoslice/footprints` (vector layers, rasterized labels, valid-data footprints), `geoslice/quicklook`
 * (PNG pictures) and `geoslice/tfjs` (tensors and `tf.data` datasets; needs the optional peer
 * `@tensorflow/tfjs`). `api/geoslice.api.txt` lists every exported name.
 *
 * @example
 * ```ts
 * import { createLoader, interval, openCatalog, randomSampler } from 'geoslice';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const summer = catalog.query({ interval: interval('2024-06-01', '2024-08-31') });
 * const loader = createLoader({ catalog: summer, resampling: 'bilinear' });
 * const slices = randomSampler(summer, { size: 256, resolution: [10, 10], length: 1000, seed: 1 });
 * for await (const batch of loader.batches(slices, { batchSize: 16 })) console.log(batch.shape);
 * ```
 * @module
 */

// Errors: every error geoslice throws on bad input is a GeosliceError with a stable `code`.
export {
  GeosliceError,
  GeoError,
  CatalogError,
  BuildError,
  RasterError,
  SourceError,
  LoaderError,
  SamplerError,
  StitchError,
  InferenceError,
  VectorError,
  LabelError,
} from './errors.js';

// Core types and the helpers a pipeline needs to say where and when.
export type { BBox } from './geo/bbox.js';
export { interval, type TimeInterval } from './geo/interval.js';
export type { GeoSlice } from './geo/slice.js';
export type { CrsInput } from './geo/crs.js';

// Catalogs: open, build, query.
export type { CatalogQuery, CatalogRow, GeoCatalog } from './catalog/types.js';
export { openCatalog, type OpenCatalogOptions } from './catalog/open.js';
export { catalogFromRows, type FromRowsOptions } from './catalog/from-rows.js';
export {
  buildRasterCatalog,
  buildCatalogFromTable,
  type BuildRasterOptions,
  type BuildTableOptions,
  type BuildResult,
  type OnError,
  type SkippedInput,
} from './catalog/builders/index.js';

// Samplers: catalog rows to GeoSlices; slice tables (what `geoslice sample` writes) back to slices.
export {
  randomSampler,
  gridSampler,
  stratifiedSampler,
  type RandomSamplerOptions,
  type GridSamplerOptions,
  type StratifiedSamplerOptions,
  type CommonSamplerOptions,
} from './samplers/index.js';
export { sliceFromRow, slicesFromCatalog } from './samplers/slice-table.js';

// Loader: slices to chips and batches.
export { createLoader, type Loader, type LoaderOptions } from './loaders/loader.js';
export type { Chip } from './loaders/chip.js';
export type { Batch, BatchOptions } from './loaders/batches.js';
export type { BandSelector } from './loaders/load-slice.js';
export type { Resampling } from './loaders/warp.js';

// Stitching, write-back and active learning.
export { createStitcher, type Stitcher, type StitcherOptions } from './stitch/stitcher.js';
export type { BlendMode } from './stitch/blend.js';
export type { ValueKind } from './stitch/uncertainty.js';
export {
  writePredictions,
  type PredictionResult,
  type WritePredictionsOptions,
} from './stitch/write-predictions.js';
export { selectForLabeling, type SelectOptions } from './stitch/select-for-labeling.js';

// Batch inference over a region (models and backends: the geoslice/inference subpath).
export { runInference, type RunInferenceOptions } from './inference/run-inference.js';
