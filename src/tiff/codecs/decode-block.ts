import { RasterError } from '../../errors.js';
import type { CogImageLayout } from '../cog-layout.js';
import { swapBytes } from './byteswap.js';
import { GEOTIFF_CODECS, geotiffCodec } from './geotiff-codecs.js';
import { constants, inflateSync } from 'node:zlib';
import { inflateAsync } from './inflate.js';
import { undoFloatPredictor, undoHorizontalPredictor } from './predictor.js';
import { fancyUpsampleChroma, jpegSamplingFactors } from './jpeg-upsample.js';
import { ycbcrToRgb } from './ycbcr.js';

/**
 * Where a block sits, for error messages.
 */
export interface BlockRef {
  href: string;
  /** Index into `CogLayout.images` (or the mask list). */
  image: number;
  block: number;
  /** True for a mask block. */
  mask?: boolean;
}

/**
 * Compression codes {@link decodeBlock} reads: none, LZW, JPEG, DEFLATE (both codes), PackBits,
 * LERC, ZSTD.
 */
export const SUPPORTED_COMPRESSIONS: ReadonlySet<number> = new Set([1, 8, 32946, ...GEOTIFF_CODECS]);

/**
 * Decodes the first `rows` rows of one compressed block (tile or strip) into native-endian bytes
 * (for DEFLATE `bytes` may be just a prefix of the block that holds those rows):
 * decompression (DEFLATE via node:zlib: asynchronously on the libuv pool, or synchronously with
 * `syncInflate` when already on a worker thread; the rest via geotiff.js), byte swap for
 * big-endian files, predictor 2 or 3 in place, and for YCbCr JPEG libjpeg-style chroma upsampling
 * and conversion to RGB. Throws
 * {@link RasterError} `UNSUPPORTED_COMPRESSION` or `CORRUPT_BLOCK` naming the file and block.
 */
export async function decodeBlock(
  bytes: Uint8Array,
  img: CogImageLayout,
  rows: number,
  littleEndian: boolean,
  where: BlockRef,
  opts: { syncInflate?: boolean } = {},
): Promise<Uint8Array> {
  const samples = img.planarConfiguration === 1 ? img.samplesPerPixel : 1;
  const expected =
    img.bitsPerSample === 1
      ? ((img.blockWidth + 7) >> 3) * rows
      : img.blockWidth * rows * samples * (img.bitsPerSample >> 3);
  const what = `${where.mask ? 'mask ' : ''}block ${where.block} of image ${where.image} in ${where.href}`;
  let out: Uint8Array;
  try {
    if (img.compression === 1) out = bytes;
    else if (img.compression === 8 || img.compression === 32946) {
      out = opts.syncInflate
        ? inflateSync(bytes, { chunkSize: Math.max(64, expected + 64), finishFlush: constants.Z_SYNC_FLUSH })
        : await inflateAsync(bytes, expected);
    } else if (GEOTIFF_CODECS.has(img.compression)) out = await (await geotiffCodec(img))(bytes);
    else {
      throw new RasterError(
        'UNSUPPORTED_COMPRESSION',
        `${where.href} uses TIFF compression ${img.compression}, which geoslice cannot decode; convert it (e.g. gdal_translate -co COMPRESS=DEFLATE)`,
        { subject: where.href },
      );
    }
  } catch (e) {
    if (e instanceof RasterError) throw e;
    throw new RasterError(
      'CORRUPT_BLOCK',
      `cannot decode ${what}: ${(e as Error)?.message ?? String(e)}; the file is corrupt or truncated`,
      {
        cause: e,
        subject: where.href,
      },
    );
  }
  if (out.byteLength < expected) {
    throw new RasterError(
      'CORRUPT_BLOCK',
      `${what} decoded to ${out.byteLength} bytes, expected ${expected}; the file is corrupt or truncated`,
      {
        subject: where.href,
      },
    );
  }
  const bps = img.bitsPerSample >> 3;
  if (img.compression === 1 && (img.predictor !== 1 || (!littleEndian && bps > 1))) out = out.slice();
  if (out.byteOffset % Math.max(1, bps) !== 0) out = out.slice();
  if (!littleEndian && bps > 1 && img.predictor !== 3 && img.compression !== 34887 && img.compression !== 7)
    swapBytes(out.subarray(0, expected), bps);
  if (img.predictor === 2) undoHorizontalPredictor(out, img.blockWidth, rows, samples, bps);
  else if (img.predictor === 3) undoFloatPredictor(out, img.blockWidth, rows, samples, bps);
  if (img.compression === 7 && img.photometric === 6 && samples >= 3) {
    const f = jpegSamplingFactors(bytes);
    if (f && f.length >= 3 && f[1][0] === 1 && f[1][1] === 1 && f[2][0] === 1 && f[2][1] === 1) {
      fancyUpsampleChroma(out, img.blockWidth, rows, samples, f[0][0], f[0][1]);
    }
    ycbcrToRgb(out.subarray(0, expected), samples);
  }
  return out;
}
