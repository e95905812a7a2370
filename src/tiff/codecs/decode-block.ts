import { RasterError } from '../../errors.js';
import { decodedBlockBytes } from '../blocks.js';
import type { CogImageLayout } from '../image.js';
import { COMPRESSION, PHOTOMETRIC, PREDICTOR } from '../tags.js';
import { swapBytes } from './byteswap.js';
import { GEOTIFF_CODECS, geotiffCodec } from './geotiff-codecs.js';
import { inflateAsync, inflatePrefixSync, inflateStrictSync } from './inflate.js';
import { lercDecode } from './lerc.js';
import { LZW_SLACK, lzwDecode } from './lzw.js';
import { packbitsDecode } from './packbits.js';
import { undoFloatPredictor, undoHorizontalPredictor } from './predictor.js';
import { fancyUpsampleChroma, jpegSamplingFactors } from './jpeg-upsample.js';
import { ycbcrToRgb } from './ycbcr.js';
import { zstdDecode } from './zstd.js';
import { decodeJpegLibjpeg, decodeWebp } from './sharp.js';

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

const { NONE, LZW, JPEG, DEFLATE, DEFLATE_OLD, PACKBITS, LERC, ZSTD, WEBP } = COMPRESSION;

/**
 * Compression codes {@link decodeBlock} reads: none, LZW, JPEG, DEFLATE (both codes), PackBits,
 * LERC, ZSTD.
 */
export const SUPPORTED_COMPRESSIONS: ReadonlySet<number> = new Set([
  NONE,
  LZW,
  DEFLATE,
  DEFLATE_OLD,
  PACKBITS,
  ZSTD,
  WEBP,
  LERC,
  ...GEOTIFF_CODECS,
]);

/** True when a JPEG stream starts with SOI and ends with EOI (a truncated one does not). */
function jpegComplete(b: Uint8Array): boolean {
  let end = b.length;
  while (end > 2 && b[end - 1] === 0) end--; // some writers pad tiles with zeros
  return b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[end - 2] === 0xff && b[end - 1] === 0xd9;
}

/**
 * How long a buffer {@link decodeBlock} can decode `rows` rows of `img` into (its `into` option):
 * the rows' bytes for a DEFLATE prefix (`partial`) and ZSTD, plus LZW's slack for LZW; 0 when the
 * decoder allocates its output itself.
 */
export function intoBytes(img: CogImageLayout, rows: number, partial: boolean): number {
  const c = img.compression;
  if (c === LZW) return decodedBlockBytes(img, rows) + LZW_SLACK;
  return c === ZSTD || (partial && (c === DEFLATE || c === DEFLATE_OLD)) ? decodedBlockBytes(img, rows) : 0;
}

/**
 * Decodes the first `rows` rows of one compressed block (tile or strip) into native-endian bytes.
 * Decoders are strict, as libtiff's: a DEFLATE stream must reach its end (unless `partial` says
 * `bytes` is only a prefix of the block holding those rows), LZW and PackBits data must be
 * well-formed and long enough, ZSTD frames must decode to exactly the block size, a JPEG stream
 * must end with its EOI marker, and every result must hold at least the expected bytes: corrupt or
 * truncated data is an error, never zero fill. Then: byte swap for big-endian files, predictor 2 or
 * 3 in place, and for YCbCr JPEG libjpeg-style chroma upsampling and conversion to RGB. DEFLATE runs
 * asynchronously on the libuv pool, or synchronously with `syncInflate` (on a worker thread);
 * ZSTD through the fastest of `zstdDecoders()` (node:zlib, the optional native zstd-napi, WebAssembly); JPEG
 * goes through libjpeg-turbo when the optional `sharp` is installed (exactly GDAL's pixels), else
 * geotiff.js's decoder (within ±3); WebP needs sharp; LERC uses the LERC library's WebAssembly build
 * (`lerc`). `into`, a buffer of at least {@link intoBytes} bytes, is where a DEFLATE prefix, LZW and
 * the native ZSTD decoder write (the result is then a view of it); the others allocate. Throws
 * {@link RasterError} `UNSUPPORTED_COMPRESSION` or `CORRUPT_BLOCK` naming the file and block.
 */
export async function decodeBlock(
  bytes: Uint8Array,
  img: CogImageLayout,
  rows: number,
  littleEndian: boolean,
  where: BlockRef,
  opts: { syncInflate?: boolean; partial?: boolean; into?: Uint8Array } = {},
): Promise<Uint8Array> {
  const samples = img.planarConfiguration === 1 ? img.samplesPerPixel : 1;
  const expected = decodedBlockBytes(img, rows);
  const what = `${where.mask ? 'mask ' : ''}block ${where.block} of image ${where.image} in ${where.href}`;
  const c = img.compression;
  let out: Uint8Array;
  /** True when libjpeg (through sharp) decoded the block: it already converted YCbCr to RGB. */
  let libjpeg = false;
  try {
    if (c === NONE) out = bytes;
    else if (c === WEBP) out = await decodeWebp(bytes, img, rows, where.href);
    else if (c === DEFLATE || c === DEFLATE_OLD) {
      const partial = opts.partial ?? false;
      // a prefix inflates past `rows` rows, at most to the whole block: one output buffer of that size
      const block = partial ? decodedBlockBytes(img, img.blockHeight) : expected;
      if (!opts.syncInflate) out = await inflateAsync(bytes, expected, partial, block);
      else
        out = partial
          ? inflatePrefixSync(bytes, expected, block, opts.into)
          : inflateStrictSync(bytes, expected, false);
    } else if (c === LZW) out = lzwDecode(bytes, expected, opts.into);
    else if (c === PACKBITS) out = packbitsDecode(bytes, expected);
    else if (c === ZSTD) out = await zstdDecode(bytes, expected, opts.into);
    else if (c === LERC) out = await lercDecode(bytes, img, expected);
    else if (GEOTIFF_CODECS.has(c)) {
      if (c === JPEG && !jpegComplete(bytes)) throw new Error('the JPEG stream is truncated (no EOI marker)');
      const exact = c === JPEG ? await decodeJpegLibjpeg(bytes, img, rows) : null;
      libjpeg = exact !== null;
      out = exact ?? (await (await geotiffCodec(img))(bytes));
    } else {
      throw new RasterError(
        'UNSUPPORTED_COMPRESSION',
        `${where.href} uses TIFF compression ${c}, which geoslice cannot decode; convert it (e.g. gdal_translate -co COMPRESS=DEFLATE)`,
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
  // copies (a Buffer's slice() would share its memory)
  if (c === NONE && (img.predictor !== PREDICTOR.NONE || (!littleEndian && bps > 1))) out = new Uint8Array(out);
  if (out.byteOffset % Math.max(1, bps) !== 0) out = new Uint8Array(out);
  if (!littleEndian && bps > 1 && img.predictor !== PREDICTOR.FLOAT && c !== LERC && c !== JPEG)
    swapBytes(out.subarray(0, expected), bps);
  if (img.predictor === PREDICTOR.HORIZONTAL) undoHorizontalPredictor(out, img.blockWidth, rows, samples, bps);
  else if (img.predictor === PREDICTOR.FLOAT) undoFloatPredictor(out, img.blockWidth, rows, samples, bps);
  if (c === JPEG && !libjpeg && img.photometric === PHOTOMETRIC.YCBCR && samples >= 3) {
    const f = jpegSamplingFactors(bytes);
    if (f && f.length >= 3 && f[1][0] === 1 && f[1][1] === 1 && f[2][0] === 1 && f[2][1] === 1) {
      fancyUpsampleChroma(out, img.blockWidth, rows, samples, f[0][0], f[0][1]);
    }
    ycbcrToRgb(out.subarray(0, expected), samples);
  }
  return out;
}
