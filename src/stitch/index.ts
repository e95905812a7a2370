/**
 * Stitch stage: blend predictions back into rasters (with uncertainty), write GeoTIFF/COG files,
 * write predictions back into the catalog, and pick the next chips to label.
 *
 * @example
 * ```ts
 * import { createStitcher, writePredictions, selectForLabeling } from './stitch/index.js';
 * const st = createStitcher({ grid, bands: 3, blend: 'cosine' });
 * ```
 */
export * from './blend.js';
export * from './prediction-input.js';
export * from './uncertainty.js';
export * from './accumulator.js';
export * from './accumulator-store.js';
export * from './stitcher.js';
export * from './stitch-writer.js';
export * from './lineage.js';
export * from './write-predictions.js';
export * from './select-for-labeling.js';
export * from './cog-writer.js';
export * from '../tiff/write/cog-layout-check.js';
export type { DTypeInfo } from '../tiff/dtype.js';
export { dtypeInfo, RASTER_DTYPES } from '../tiff/dtype.js';
