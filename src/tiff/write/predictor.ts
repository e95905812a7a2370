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
  if (bps === 4)
    return floatPredictor32(
      new Uint32Array(samples.buffer, samples.byteOffset, samples.length),
      rowLen,
      rows,
      samplesPerPixel,
    );
  const rowBytes = rowLen * bps;
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    // Byte b of every sample goes to plane bps - 1 - b: one strided read and one sequential write per plane.
    for (let b = 0; b < bps; b++) {
      const plane = base + (bps - 1 - b) * rowLen;
      for (let i = 0, src = base + b; i < rowLen; i++, src += bps) out[plane + i] = bytes[src];
    }
    // Uint8Array stores wrap modulo 256, as the predictor's byte arithmetic wants.
    for (let j = base + rowBytes - 1; j >= base + samplesPerPixel; j--) out[j] -= out[j - samplesPerPixel];
  }
  return out;
}

/**
 * Predictor 3 for 32-bit samples in one pass: each output byte is its byte plane's value minus the one
 * `spp` positions earlier in the row of planes (the previous plane's tail for the first `spp` of a plane).
 */
function floatPredictor32(words: Uint32Array, rowLen: number, rows: number, spp: number): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const head = Math.min(spp, rowLen);
  for (let r = 0; r < rows; r++) {
    const k0 = r * rowLen;
    const p0 = 4 * k0;
    const p1 = p0 + rowLen;
    const p2 = p1 + rowLen;
    const p3 = p2 + rowLen;
    for (let i = 0; i < head; i++) {
      const x = words[k0 + i];
      const y = words[k0 + rowLen - spp + i];
      out[p0 + i] = x >>> 24;
      out[p1 + i] = ((x >>> 16) & 0xff) - (y >>> 24);
      out[p2 + i] = ((x >>> 8) & 0xff) - ((y >>> 16) & 0xff);
      out[p3 + i] = (x & 0xff) - ((y >>> 8) & 0xff);
    }
    for (let i = head; i < rowLen; i++) {
      const x = words[k0 + i];
      const y = words[k0 + i - spp];
      out[p0 + i] = (x >>> 24) - (y >>> 24);
      out[p1 + i] = (x >>> 16) - (y >>> 16);
      out[p2 + i] = (x >>> 8) - (y >>> 8);
      out[p3 + i] = x - y;
    }
  }
  return out;
}
