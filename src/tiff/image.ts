import { blockGrid, decodedBlockBytes, storedBlockLimit } from './blocks.js';
import type { CogImageLayout } from './image-layout.js';
import { corruptTiff, type Ifd, tagBytes, tagNumber, tagNumbers } from './ifd.js';
import { LIMITS } from './limits.js';
import { PLANAR, PREDICTOR, TAG } from './tags.js';

export type { CogImageLayout } from './image-layout.js';

/**
 * One IFD read as an image: its block structure, its offset in the file and its NewSubfileType.
 * `bitsPerSample` and `sampleFormat` hold every sample's value (the layout keeps the first).
 */
export interface TiffImage {
  layout: CogImageLayout;
  ifdOffset: number;
  subfileType: number;
  bitsPerSample: number[];
  sampleFormat: number[];
}

/**
 * What is wrong with an image's structure, as the tag at fault and the reason, or null when it
 * is within {@link LIMITS} and consistent: dimensions, samples, bits, block size (decoded bytes),
 * planar configuration, predictor, and one offset and one plausible byte count per block.
 */
export function imageProblem(img: CogImageLayout): { tag: number; why: string } | null {
  const int = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (!int(img.width, 1, LIMITS.maxDimension)) return { tag: TAG.ImageWidth, why: `is ${img.width}` };
  if (!int(img.height, 1, LIMITS.maxDimension)) return { tag: TAG.ImageLength, why: `is ${img.height}` };
  const bw = img.tiled ? TAG.TileWidth : TAG.ImageWidth;
  const bh = img.tiled ? TAG.TileLength : TAG.RowsPerStrip;
  if (!int(img.blockWidth, 1, LIMITS.maxDimension)) return { tag: bw, why: `is ${img.blockWidth}` };
  if (!int(img.blockHeight, 1, LIMITS.maxDimension)) return { tag: bh, why: `is ${img.blockHeight}` };
  if (!int(img.samplesPerPixel, 1, LIMITS.maxSamplesPerPixel))
    return { tag: TAG.SamplesPerPixel, why: `is ${img.samplesPerPixel}` };
  if (!int(img.bitsPerSample, 1, LIMITS.maxBitsPerSample))
    return { tag: TAG.BitsPerSample, why: `is ${img.bitsPerSample}` };
  if (img.planarConfiguration !== PLANAR.CHUNKY && img.planarConfiguration !== PLANAR.SEPARATE)
    return { tag: TAG.PlanarConfiguration, why: `is ${img.planarConfiguration}` };
  if (img.predictor !== PREDICTOR.NONE && img.predictor !== PREDICTOR.HORIZONTAL && img.predictor !== PREDICTOR.FLOAT)
    return { tag: TAG.Predictor, why: `is ${img.predictor}` };
  const decoded = decodedBlockBytes(img, img.blockHeight);
  if (decoded > LIMITS.maxBlockBytes)
    return { tag: bh, why: `makes blocks of ${decoded} bytes, more than the ${LIMITS.maxBlockBytes} allowed` };
  const { total } = blockGrid(img);
  const offsetsTag = img.tiled ? TAG.TileOffsets : TAG.StripOffsets;
  const countsTag = img.tiled ? TAG.TileByteCounts : TAG.StripByteCounts;
  if (!Array.isArray(img.offsets) || img.offsets.length < total)
    return { tag: offsetsTag, why: `has ${img.offsets?.length} entries for ${total} blocks` };
  if (!Array.isArray(img.byteCounts) || img.byteCounts.length < total)
    return { tag: countsTag, why: `has ${img.byteCounts?.length} entries for ${total} blocks` };
  const limit = storedBlockLimit(img);
  for (let b = 0; b < total; b++) {
    if (!int(img.offsets[b], 0, Number.MAX_SAFE_INTEGER))
      return { tag: offsetsTag, why: `entry ${b} is ${img.offsets[b]}` };
    if (!int(img.byteCounts[b], 0, limit))
      return {
        tag: countsTag,
        why: `entry ${b} is ${img.byteCounts[b]}, more than a ${decoded}-byte block can take (at most ${limit})`,
      };
  }
  return null;
}

/**
 * Reads an IFD's image structure and checks it with {@link imageProblem}; throws
 * {@link RasterError} `CORRUPT_TIFF` naming the file, IFD and tag otherwise (also for missing
 * required tags and BitsPerSample/SampleFormat counts that do not match SamplesPerPixel).
 */
export function readImage(ifd: Ifd): TiffImage {
  const width = tagNumber(ifd, TAG.ImageWidth);
  const height = tagNumber(ifd, TAG.ImageLength);
  const tiled = ifd.tags.has(TAG.TileWidth) || ifd.tags.has(TAG.TileOffsets);
  const samplesPerPixel = tagNumber(ifd, TAG.SamplesPerPixel, 1);
  const perSample = (tag: number, fallback: number): number[] => {
    const v = tagNumbers(ifd, tag) ?? [fallback];
    if (v.length !== 1 && v.length !== samplesPerPixel)
      throw corruptTiff(ifd, tag, `has ${v.length} values for ${samplesPerPixel} samples per pixel`);
    return v;
  };
  const bits = perSample(TAG.BitsPerSample, 1);
  const formats = perSample(TAG.SampleFormat, 1);
  const jpeg = tagBytes(ifd, TAG.JPEGTables);
  const layout: CogImageLayout = {
    width,
    height,
    tiled,
    blockWidth: tiled ? tagNumber(ifd, TAG.TileWidth) : width,
    blockHeight: tiled ? tagNumber(ifd, TAG.TileLength) : Math.min(height, tagNumber(ifd, TAG.RowsPerStrip, height)),
    offsets: tagNumbers(ifd, tiled ? TAG.TileOffsets : TAG.StripOffsets) ?? [],
    byteCounts: tagNumbers(ifd, tiled ? TAG.TileByteCounts : TAG.StripByteCounts) ?? [],
    compression: tagNumber(ifd, TAG.Compression, 1),
    predictor: tagNumber(ifd, TAG.Predictor, 1),
    bitsPerSample: bits[0],
    sampleFormat: formats[0],
    samplesPerPixel,
    planarConfiguration: tagNumber(ifd, TAG.PlanarConfiguration, 1) as 1 | 2,
    photometric: tagNumber(ifd, TAG.PhotometricInterpretation, 1),
    jpegTables: jpeg ? Buffer.from(jpeg).toString('base64') : null,
    lercParameters: tagNumbers(ifd, TAG.LercParameters) ?? null,
  };
  const problem = imageProblem(layout);
  if (problem) throw corruptTiff(ifd, problem.tag, problem.why);
  return {
    layout,
    ifdOffset: ifd.offset,
    subfileType: tagNumber(ifd, TAG.NewSubfileType, 0),
    bitsPerSample: bits,
    sampleFormat: formats,
  };
}
