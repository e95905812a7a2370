import { RasterError } from '../../errors.js';
import type { CogImageLayout } from '../image.js';

/** The part of sharp's API geoslice uses. */
interface SharpImage {
  raw(): SharpImage;
  toColourspace(space: string): SharpImage;
  toBuffer(opts: {
    resolveWithObject: true;
  }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
type SharpFactory = (input: Uint8Array, opts?: { limitInputPixels?: number | false; failOn?: string }) => SharpImage;

let loading: Promise<SharpFactory | null> | undefined;

/**
 * The optional `sharp` package (libvips with libjpeg-turbo and libwebp), or null when it is not
 * installed. Loaded once, lazily.
 */
export function loadSharp(): Promise<SharpFactory | null> {
  loading ??= import('sharp').then(
    (m) => ((m as { default?: SharpFactory }).default ?? (m as unknown as SharpFactory)) as SharpFactory,
    () => null,
  );
  return loading;
}

/** The decoded pixels of one image stream through sharp, checked against the block's size. */
async function decode(
  sharp: SharpFactory,
  stream: Uint8Array,
  img: CogImageLayout,
  rows: number,
  what: string,
): Promise<Uint8Array> {
  const samples = img.planarConfiguration === 1 ? img.samplesPerPixel : 1;
  let image = sharp(stream, { limitInputPixels: false, failOn: 'error' });
  // sharp outputs sRGB by default; a one-sample block stays one band
  if (samples === 1) image = image.toColourspace('b-w');
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== img.blockWidth || info.height < rows || info.channels !== samples) {
    throw new Error(
      `${what} decodes to ${info.width}x${info.height}x${info.channels}, expected ${img.blockWidth}x${rows}x${samples}`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, img.blockWidth * rows * samples);
}

/**
 * Decodes a JPEG tile or strip with libjpeg-turbo (through sharp) exactly as GDAL/libtiff does:
 * the JPEGTables stream and the block's stream are joined into one JPEG, libjpeg converts YCbCr to
 * RGB with fancy upsampling and the islow IDCT. Returns null when sharp is not installed or the
 * block is not 8-bit gray or 3-sample (the pure-JS decoder is the fallback).
 */
export async function decodeJpegLibjpeg(
  bytes: Uint8Array,
  img: CogImageLayout,
  rows: number,
): Promise<Uint8Array | null> {
  const samples = img.planarConfiguration === 1 ? img.samplesPerPixel : 1;
  if (img.bitsPerSample !== 8 || (samples !== 1 && samples !== 3)) return null;
  const sharp = await loadSharp();
  if (!sharp) return null;
  let stream = bytes;
  if (img.jpegTables) {
    const tables = Buffer.from(img.jpegTables, 'base64');
    // tables: SOI … EOI; block: SOI … EOI → SOI + tables' segments + block's segments
    stream = Buffer.concat([tables.subarray(0, tables.length - 2), bytes.subarray(2)]);
  }
  return decode(sharp, stream, img, rows, 'the JPEG block');
}

/**
 * Decodes a WebP tile (TIFF compression 50001, one complete WebP image per block) with libwebp
 * through sharp. Throws {@link RasterError} `MISSING_DEPENDENCY` when sharp is not installed.
 */
export async function decodeWebp(
  bytes: Uint8Array,
  img: CogImageLayout,
  rows: number,
  href: string,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  if (!sharp) {
    throw new RasterError(
      'MISSING_DEPENDENCY',
      `${href} has WebP tiles (TIFF compression 50001), which geoslice decodes with the optional package sharp: npm install sharp`,
      { subject: href },
    );
  }
  return decode(sharp, bytes, img, rows, 'the WebP block');
}
