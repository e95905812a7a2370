import { fmix32 } from './row-hash.js';

const TWO32 = 2 ** 32;
const TWO53 = 2 ** 53;

/**
 * Uniforms in [0, 1) (53 bits) for one numbered stream of a 52-bit row hash (see {@link rowHasher}):
 * a counter-based generator — output `n` is the counter `n` scrambled with the key's two 32-bit
 * halves and the stream number by Murmur3's finalizer — so it is as deterministic as the hash, costs
 * two 32-bit seeds to start (no string seeding) and streams of one row are unrelated.
 */
export function keyRng(key: number, stream: number): () => number {
  const lo = key >>> 0;
  const hi = Math.floor(key / TWO32) >>> 0;
  const s = fmix32(Math.imul(stream, 0x9e3779b1) ^ 0x3c6ef372);
  const a = fmix32(lo ^ s);
  const b = fmix32(hi ^ fmix32(a + s));
  let n = 0;
  return () => {
    n = (n + 1) | 0;
    const w = Math.imul(n, 0x9e3779b1);
    const x = fmix32(a ^ w);
    const y = fmix32(b ^ x ^ Math.imul(n, 0x85ebca77));
    return ((x >>> 5) * 67108864 + (y >>> 6)) / TWO53;
  };
}
