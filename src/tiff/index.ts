/**
 * `geoslice/tiff`: the TIFF/GeoTIFF format layer — reading a file's structure (IFDs, tiles, overviews,
 * masks, georeferencing) into a {@link CogLayout}, checking the COG layout, and writing tiled,
 * compressed GeoTIFF/COG files with overviews. Pixel windows are read through `openRaster` in
 * `geoslice/loaders`, which is built on this layer.
 *
 * @example
 * ```ts
 * import { writeCog } from 'geoslice/tiff';
 *
 * await writeCog('ones.tif', {
 *   width: 512, height: 512, bands: 1, dtype: 'uint8', data: [new Uint8Array(512 * 512).fill(1)],
 *   crs: 'EPSG:32633', transform: [500000, 10, 0, 4100000, 0, -10], nodata: 0,
 * });
 * ```
 * @module
 */
export { readTiffLayout } from './read/header.js';
export { extractCogLayout, assertCogLayout, type CogLayout, type CogImageLayout } from './cog-layout.js';
export { checkCogLayout, type CogLayoutFinding, type CogLayoutReport } from './write/cog-layout-check.js';
export {
  createCogWriter,
  writeCog,
  type CogRaster,
  type CogWriter,
  type CogMeta,
  type CogProgress,
  type CogWriteOptions,
  type RasterArray,
  type RasterDType,
  type TiffCompression,
  type OverviewResampling,
  type GeoTransform,
} from '../stitch/cog-writer.js';
