/**
 * Unknown option keys are refused: a typo such as `{ batchsize: 16 }` would otherwise run with the
 * defaults. Each public options type keeps the list of its keys next to its interface, built with
 * {@link optionKeys} so that the compiler checks the list names every key of the type and nothing
 * else; {@link checkOptionKeys} refuses any other key at the public entry point with `BAD_OPTION`
 * naming the key, the function and the closest known key.
 */
import type { GeosliceErrorClass } from './errors.js';

/** The keys of every member of `T` (`keyof` of a union gives only the keys common to all members). */
export type OptionKey<T> = T extends unknown ? keyof T & string : never;

/** Empty when `K` lists every key of `T`, else one required argument naming the keys it misses. */
type Complete<T, K extends readonly string[]> = [Exclude<OptionKey<T>, K[number]>] extends [never]
  ? []
  : [missingKeys: Exclude<OptionKey<T>, K[number]>];

/**
 * The option keys of `T`, checked by the compiler: a key not in `T` is a type error, and a key of
 * `T` left out is a missing argument naming it (`optionKeys<O>()(['a'])` with `O` = `{ a?; b? }`
 * does not compile).
 */
export function optionKeys<T>(): <const K extends readonly OptionKey<T>[]>(
  keys: K,
  ...complete: Complete<T, K>
) => readonly OptionKey<T>[] {
  return (keys: readonly OptionKey<T>[], ..._complete: unknown[]) => keys;
}

/**
 * Throws `Kind` `BAD_OPTION` when the options object `opts` has a key that is not in `known`,
 * naming the key, the function `where` and the closest known key ("did you mean batchSize?").
 * Anything but a plain object is left to the function's own type checks.
 */
export function checkOptionKeys(
  opts: unknown,
  known: readonly string[],
  where: string,
  Kind: GeosliceErrorClass,
): void {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) return;
  for (const key of Object.keys(opts)) {
    if (known.includes(key)) continue;
    const near = closestKey(key, known);
    throw new Kind(
      'BAD_OPTION',
      `${where}: unknown option ${JSON.stringify(key)}${near ? `; did you mean ${near}?` : ''} (options: ${known.join(', ')})`,
      { subject: key },
    );
  }
}

/**
 * The known key nearest to `key` by edit distance, ignoring case, when it is near enough to be a
 * typo of it (at most a third of its letters, at least 2, differ, or one is a prefix of the other,
 * as `compress` of `compression`); else undefined.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(k.length / 3)) + 1;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const prefix = Math.min(k.length, c.length) >= 4 && (c.startsWith(k) || k.startsWith(c));
    const d = prefix ? Math.min(1, editDistance(k, c)) : editDistance(k, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** `keys` without `drop`: the key list of an options type that omits some keys of another. */
export function withoutKeys<K extends string, D extends K>(keys: readonly K[], ...drop: D[]): Exclude<K, D>[] {
  return keys.filter((k): k is Exclude<K, D> => !(drop as string[]).includes(k));
}

/**
 * The entries of `opts` whose key is in `keys`: what an entry point forwards to another public
 * function whose options are a subset of its own (so that the callee's check does not refuse them).
 */
export function pickOptions<T extends object>(opts: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(opts).filter(([k]) => keys.includes(k))) as Partial<T>;
}
