/**
 * Labels for training: rasterizing vector features onto a slice's grid with `gdal_rasterize` semantics.
 *
 * @example
 * ```ts
 * import type { GeoSlice } from 'geoslice';
 * import { rasterize } from 'geoslice/labels';
 * import { openVectorLayer } from 'geoslice/vector';
 *
 * const slice: GeoSlice = { bounds: [500000, 4097440, 502560, 4100000], crs: 'EPSG:32633', resolution: [10, 10] };
 * const features = [];
 * for await (const f of (await openVectorLayer('fields.geojson')).features()) features.push(f);
 * const { data, shape } = rasterize(features, slice, { attribute: 'class_id', crs: 'EPSG:4326' });
 * console.log(shape, data.length);
 * ```
 * @module
 */
export {
  rasterize,
  type LabelArray,
  type LabelDType,
  type RasterizedLabel,
  type RasterizeOptions,
} from './rasterize.js';
export {
  createPairedLoader,
  type LabelSource,
  type PairedBatch,
  type PairedLoader,
  type PairedLoaderOptions,
  type PairedSample,
  type PixelBox,
} from './paired-loader.js';
export type { GeometryInput } from './geometry-input.js';
export { samplePoints, type PointSample, type PointValues, type SamplePointsOptions } from './sample-points.js';
export {
  readGeometries,
  type GeometryRead,
  type ReadGeometriesOptions,
  type ZonalStats,
} from './read-geometries.js';
export {
  computeBandStats,
  normalizeChip,
  readBandStats,
  readCatalogBandStats,
  BAND_STATS_KEY,
  type BandStats,
  type BandStatsOptions,
} from './band-stats.js';
export { augment, pickAugmentation, type Augmentation } from './augment.js';
export { restrictToLabels } from './labelled-region.js';
export { stratifyByClass, type ClassStrataOptions } from './class-strata.js';
