/**
 * Labels for training: rasterizing vector features onto a slice's grid with `gdal_rasterize` semantics.
 *
 * @example
 * ```ts
 * import { rasterize } from './labels/index.js';
 * const { data, shape } = rasterize(features, slice, { attribute: 'class_id', crs: 'EPSG:4326' });
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
