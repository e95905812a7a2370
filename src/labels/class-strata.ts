/**
 * Stratifying chips by class share: candidate slices are labelled (rasterized from a vector catalog)
 * and kept so that each class dominates the same number of chips.
 */
import type { GeoCatalog } from '../catalog/types.js';
import { iterateAtBoundary, LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { GeoSlice } from '../geo/slice.js';
import { loadVector } from '../vector/load-vector.js';
import { rasterize } from './rasterize.js';

/**
 * Options of {@link stratifyByClass}.
 */
export interface ClassStrataOptions {
  /** The vector label catalog. */
  catalog: GeoCatalog;
  /** Property with the class id. */
  attribute: string;
  /** The classes to balance. */
  classes: number[];
  /** Chips per class. */
  perClass: number;
  /** A chip counts for its class when the class covers at least this share of it. Default: the class with the largest share. */
  minShare?: number;
}

/** The keys of {@link ClassStrataOptions} (the compiler checks the list is complete). */
export const CLASS_STRATA_OPTION_KEYS = optionKeys<ClassStrataOptions>()([
  'catalog',
  'attribute',
  'classes',
  'perClass',
  'minShare',
]);

/**
 * Draws from `candidates` (e.g. a random sampler with a large `length`) and yields, interleaved,
 * `perClass` chips for each class — a chip belonging to the class with the largest share of its pixels
 * (or every class covering `minShare` of it) — skipping chips of classes already full. Stops when every
 * class is full or the candidates run out. Throws {@link LabelError} `BAD_OPTION`.
 */
export function stratifyByClass(
  candidates: Iterable<GeoSlice> | AsyncIterable<GeoSlice>,
  opts: ClassStrataOptions,
): AsyncGenerator<GeoSlice & { classId: number }> {
  return iterateAtBoundary(LabelError, 'stratifyByClass', classStrata(candidates, opts));
}

async function* classStrata(
  candidates: Iterable<GeoSlice> | AsyncIterable<GeoSlice>,
  opts: ClassStrataOptions,
): AsyncGenerator<GeoSlice & { classId: number }> {
  if (!opts || typeof opts !== 'object') throw new LabelError('BAD_OPTION', 'stratifyByClass needs an options object');
  checkOptionKeys(opts, CLASS_STRATA_OPTION_KEYS, 'stratifyByClass', LabelError);
  if (!Array.isArray(opts.classes) || opts.classes.length === 0 || !(opts.perClass > 0))
    throw new LabelError('BAD_OPTION', 'stratifyByClass needs classes (non-empty) and perClass > 0');
  const counts = new Map(opts.classes.map((c) => [c, 0]));
  let open = opts.classes.length;
  for await (const s of candidates) {
    const features = await loadVector(opts.catalog, s);
    const label = rasterize(features, s, {
      attribute: opts.attribute,
      dtype: 'float64',
      fill: Math.min(...opts.classes) - 1,
    });
    const share = new Map<number, number>();
    for (const v of label.data) if (counts.has(v)) share.set(v, (share.get(v) ?? 0) + 1 / label.data.length);
    let picked: number[];
    if (opts.minShare !== undefined) picked = [...share].filter(([, f]) => f >= opts.minShare!).map(([c]) => c);
    else {
      const best = [...share].sort((a, b) => b[1] - a[1])[0];
      picked = best ? [best[0]] : [];
    }
    const c = picked.find((k) => counts.get(k)! < opts.perClass);
    if (c === undefined) continue;
    counts.set(c, counts.get(c)! + 1);
    yield { ...s, classId: c };
    if (counts.get(c) === opts.perClass && --open === 0) return;
  }
}
