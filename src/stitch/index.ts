/**
 * `geoslice/stitch`: the stitch stage and its parts — blend predictions back into rasters (with
 * uncertainty), write GeoTIFF/COG files, write predictions back into the catalog as a new version,
 * and pick the next chips to label. `createStitcher`, `writePredictions` and `selectForLabeling` are
 * also in the root export; the GeoTIFF/COG writer is in `geoslice/tiff`.
 *
 * @module
 */
export * from './blend.js';
export * from './prediction-input.js';
export * from './uncertainty.js';
export * from './accumulator.js';
export * from './accumulator-store.js';
export * from './stitcher.js';
export { StitchOutput, type StitchWriteOptions, type StitchWriteResult, uncertaintyPathFor } from './stitch-writer.js';
export * from './lineage.js';
export * from './write-predictions.js';
export * from './select-for-labeling.js';
export * from './write-stitched.js';
