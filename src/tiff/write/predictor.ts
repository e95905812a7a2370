import type { RasterArray } from '../dtype.js';

/**
 * Applies a TIFF predictor to one tile of pixel-interleaved samples and returns its bytes (little endian).
 *
 * - `1`: none; the samples' bytes as they are.
 * - `2` (horizontal differencing, TIFF 6.0 section 14): each sample becomes the difference from the
 *   same band's sample one pixel to the left, row by row, in the integer type's own modular arithmetic.
 *   Integer dtypes only.
 * - `3` (floating point, Adobe TIFF Technical Note 3): per row, the samples' bytes are regrouped into
 *   byte planes, most significant byte first, and the row of planes is then byte-differenced with a
 *   stride of `samplesPerPixel`. Float dtypes only.
 *
 * `samples` is modified in place for predictor 2 (pass a scratch copy).
 */
export function applyPredictor(
  samples: RasterArray,
  predictor: 1 | 2 | 3,
  rowPixels: number,
  rows: number,
  samplesPerPixel: number,
): Uint8Array {
  const rowLen = rowPixels * samplesPerPixel;
  if (predictor === 2) {
    for (let r = 0; r < rows; r++) {
      const start = r * rowLen;
      for (let i = start + rowLen - 1; i >= start + samplesPerPixel; i--)
        samples[i] = samples[i] - samples[i - samplesPerPixel];
    }
  }
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  if (predictor !== 3) return bytes;
  const bps = samples.BYTES_PER_ELEMENT;
  const rowBytes = rowLen * bps;
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    for (let i = 0; i < rowLen; i++) {
      const src = base + i * bps;
      for (let b = 0; b < bps; b++) out[base + (bps - 1 - b) * rowLen + i] = bytes[src + b];
    }
    for (let j = base + rowBytes - 1; j >= base + samplesPerPixel; j--)
      out[j] = (out[j] - out[j - samplesPerPixel]) & 0xff;
  }
  return out;
}
