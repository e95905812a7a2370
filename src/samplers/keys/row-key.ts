import { hash } from 'node:crypto';

/**
 * The seed of a sampler: any number or string. Equal seeds give equal streams across runs,
 * processes and catalog backends.
 */
export type SamplerSeed = number | string;

/**
 * A row's deterministic random key: `hex` is the lowercase MD5 of `"<seed>:<epoch>:<id>"` (the same
 * value DuckDB's `md5()` returns, so SQL pushdown and JS agree exactly) and `u` its first 52 bits as a
 * uniform number in (0, 1). Because the key depends only on (seed, epoch, id), every sampler built on
 * it selects the same rows whatever order the cursor delivers them in.
 */
export interface RowKey {
  hex: string;
  u: number;
}

/**
 * The text prefix hashed before a row id: `"<seed>:<epoch>:"`. SQL pushdown computes
 * `md5(prefix || id)`.
 */
export function keyPrefix(seed: SamplerSeed, epoch: number): string {
  return `${seed}:${epoch}:`;
}

const TWO52 = 2 ** 52;

/**
 * Computes the {@link RowKey} of a row id for a prefix made by {@link keyPrefix}.
 */
export function rowKey(prefix: string, id: string): RowKey {
  const hex = hash('md5', prefix + id, 'hex');
  // 13 hex digits = 52 bits; +0.5 keeps u strictly inside (0, 1) so -ln(u) is finite and positive.
  const u = (parseInt(hex.slice(0, 13), 16) + 0.5) / TWO52;
  return { hex, u };
}
