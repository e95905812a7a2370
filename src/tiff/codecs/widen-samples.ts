import type { StoredSamples } from '../dtype.js';

/**
 * Widens `rows` decoded rows of a block whose samples are not read at their stored width, as
 * GDAL does: unsigned integers of 1..7 or 9..15 bits (each row packed most significant bit first
 * and padded to a whole byte, `samples` interleaved samples per pixel) to one uint8/uint16 each,
 * and IEEE float16 (native byte order) to float32. Returns the widened samples' bytes.
 */
export function widenSamples(
  bytes: Uint8Array,
  stored: StoredSamples,
  width: number,
  rows: number,
  samples: number,
): Uint8Array {
  const perRow = width * samples;
  if (stored.half) {
    const src = new Uint16Array(bytes.buffer, bytes.byteOffset, perRow * rows);
    const out = new Float32Array(perRow * rows);
    for (let i = 0; i < out.length; i++) out[i] = halfToFloat(src[i]);
    return new Uint8Array(out.buffer);
  }
  const bits = stored.bits;
  const out = bits <= 8 ? new Uint8Array(perRow * rows) : new Uint16Array(perRow * rows);
  const stride = Math.ceil((perRow * bits) / 8);
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let pos = r * stride * 8;
    for (let k = 0; k < perRow; k++) {
      let v = 0;
      let need = bits;
      while (need > 0) {
        const avail = 8 - (pos & 7);
        const take = Math.min(avail, need);
        v = (v << take) | ((bytes[pos >> 3] >> (avail - take)) & ((1 << take) - 1));
        pos += take;
        need -= take;
      }
      out[o++] = v;
    }
  }
  return new Uint8Array(out.buffer);
}

/** The value of an IEEE 754 binary16 bit pattern (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
