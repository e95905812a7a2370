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
// The format: tag ids and values, the IFD parser and its limits, images (tile/strip structure).
export {
  COMPRESSION,
  PHOTOMETRIC,
  PLANAR,
  PREDICTOR,
  SAMPLE_FORMAT,
  SUBFILE,
  TAG,
  TIFF_TYPE,
  tagName,
  type TiffType,
} from './tags.js';
export {
  readIfds,
  tagBytes,
  tagNumber,
  tagNumbers,
  tagText,
  type Ifd,
  type TagValue,
  type TiffStructure,
} from './ifd.js';
export { LIMITS } from './limits.js';
export { imageProblem, readImage, type CogImageLayout, type TiffImage } from './image.js';
// Sample types and georeferencing.
export {
  dtypeInfo,
  isBigIntDtype,
  RASTER_DTYPES,
  tiffDtype,
  type BigIntArray,
  type BigIntDtype,
  type DTypeInfo,
  type RasterArray,
  type RasterDtype,
  type SampleArray,
  type SampleDtype,
  type TypedArray,
} from './dtype.js';
export { exactNumber, toNumberSamples } from './read/number-samples.js';
export { geoTransformFromTags, type GeoTags, type GeoTransform } from './geotransform.js';
export { GEOKEY, geoKey } from './geokeys.js';
export { crsFromGeoKeys } from './read/georef.js';
// Work counters of the raster readers (headers parsed, bytes read, blocks decoded).
export { readCounters, type ReadCounters } from './read/read-counters.js';
// Decoders: which implementation runs each compression, and the decode thread count.
export { codecs, type CodecReport } from './codecs/report.js';
export { decodeThreads, setDecodeThreads } from './codecs/worker-pool.js';
export { zstdDecoders, type ZstdDecoder } from './codecs/zstd.js';
// The header cache and the COG layout check.
export { assertCogLayout, extractCogLayout, readTiffLayout, type CogLayout } from './cog-layout.js';
export { checkCogLayout, type CogLayoutFinding, type CogLayoutReport } from './write/cog-layout-check.js';
// Writing.
export {
  createCogWriter,
  writeCog,
  type CogRaster,
  type CogWriter,
  type CogMeta,
  type CogProgress,
  type CogWriteOptions,
} from './write/cog-writer.js';
export type { TiffCompression } from './write/compress.js';
export type { OverviewResampling } from './write/overview.js';
