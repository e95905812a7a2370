/**
 * Valid-data footprints: the polygon of a raster's valid pixels (like `gdal_footprint`), recorded by
 * `buildRasterCatalog({ footprint: 'valid' })` in the `valid_footprint` column and used by the samplers
 * with `footprint: 'valid'` so that chips avoid nodata areas.
 *
 * @example
 * ```ts
 * import { validFootprint } from 'geoslice/footprints';
 *
 * const polygon = await validFootprint('scene.tif');
 * console.log(polygon);
 * ```
 * @module
 */
export { validFootprint, type ValidFootprintOptions } from './valid-footprint.js';
export { polygonizeMask } from './polygonize.js';
export { VALID_FOOTPRINT_COLUMN, withFootprints, type FootprintMode } from './use-footprint.js';
