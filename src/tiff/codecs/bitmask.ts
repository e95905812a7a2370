/**
 * Expands a 1-bit TIFF mask block (rows padded to whole bytes, most significant bit first) to one
 * byte per pixel: 1 = valid, 0 = masked.
 */
export function unpackBitmask(bits: Uint8Array, width: number, rows: number): Uint8Array {
  const out = new Uint8Array(width * rows);
  const stride = (width + 7) >> 3;
  for (let r = 0; r < rows; r++) {
    const row = r * stride;
    const o = r * width;
    for (let x = 0; x < width; x++) out[o + x] = (bits[row + (x >> 3)] >> (7 - (x & 7))) & 1;
  }
  return out;
}
