/**
 * Row keys and seeded random numbers of the samplers: everything a sampler draws depends only on
 * (seed, epoch, row id or tile), never on the order rows arrive in, so streams repeat across runs,
 * processes and catalog backends.
 * - {@link rowKey}: the MD5 key that SQL pushdown reproduces (stratified sampler).
 * - {@link rowHasher}: a fast 52-bit hash of row ids (random sampler).
 * - {@link keyRng}: numbered uniform streams of such a hash.
 * - {@link textRng}: uniforms from a text seed (grid and stratified samplers).
 *
 * @module
 */
export { keyPrefix, rowKey, type RowKey, type SamplerSeed } from './row-key.js';
export { fmix32, hashUniform, rowHasher } from './row-hash.js';
export { keyRng } from './key-rng.js';
export { textRng } from './text-rng.js';
