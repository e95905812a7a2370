import { keyPrefix, type SamplerSeed } from './row-key.js';

/**
 * Murmur3's 32-bit finalizer: a bijection on 32 bits in which every input bit flips about half of the
 * output bits. Returns an unsigned 32-bit integer.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two 32-bit lanes fed one UTF-16 code unit at a time (multiply by an odd constant, rotate: both bijective). */
function absorb(s: string, a: number, b: number, out: Int32Array): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ c, 0x85ebca77);
    b = (b << 17) | (b >>> 15);
  }
  out[0] = a;
  out[1] = b;
}

const TWO32 = 2 ** 32;
const TWO52 = 2 ** 52;

/**
 * A fast, non-cryptographic hash of row ids under a sampler seed and epoch: `hash(id)` is a 52-bit
 * integer (an exact `number`) that depends only on the text `"<seed>:<epoch>:<id>"` — its UTF-16 code
 * units, run through two 32-bit lanes and mixed by Murmur3's finalizer — so it is identical across
 * runs, processes and catalog backends, and independent of the order rows arrive in. Ids of equal
 * length that differ anywhere hash differently in each lane (every step is a bijection of the lane).
 * The random sampler keys every streamed row with it (MD5 cost ~1.5 µs a row; this, ~0.05 µs); it
 * is not the MD5 key of {@link rowKey} that SQL pushdown reproduces.
 */
export function rowHasher(seed: SamplerSeed, epoch: number): (id: string) => number {
  const prefix = keyPrefix(seed, epoch);
  const lanes = new Int32Array(2);
  absorb(prefix, 0x243f6a88, 0x13198a2e, lanes);
  const a0 = lanes[0];
  const b0 = lanes[1];
  return (id: string): number => {
    absorb(id, a0, b0, lanes);
    const n = prefix.length + id.length;
    const a = fmix32(lanes[0] ^ Math.imul(lanes[1], 0x27d4eb2f) ^ n);
    const b = fmix32(lanes[1] ^ a);
    return (b >>> 12) * TWO32 + a;
  };
}

/**
 * A 52-bit hash (see {@link rowHasher}) as a uniform number strictly inside (0, 1), so that `-ln(u)`
 * is a finite, positive Exp(1) variate.
 */
export function hashUniform(hash: number): number {
  return (hash + 0.5) / TWO52;
}
