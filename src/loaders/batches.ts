import { checkBatch, resolveLimits, type ResourceLimits } from './limits.js';
import { iterateAtBoundary, LoaderError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { describeSlice, type GeoSlice } from '../geo/slice.js';
import type { Chip } from './chip.js';

/**
 * Chips stacked along a new leading axis: `data` is float32 `[N, C, H, W]` (`[N, T, C, H, W]` for
 * temporal stacks), `mask` is `[N, H, W]` (`[N, T, H, W]`), `slices[i]` is the slice of item `i`.
 */
export interface Batch {
  slices: GeoSlice[];
  data: Float32Array;
  mask: Uint8Array;
  shape: number[];
}

/**
 * Options of {@link batchChips}: items per batch, and whether a short final batch is dropped
 * (default: kept).
 */
export interface BatchOptions {
  batchSize: number;
  /** `maxBatchBytes`: a batch above it is refused with `TOO_LARGE` at its first chip. Default 2 GiB. */
  limits?: ResourceLimits;
  dropLast?: boolean;
}

/** The keys of {@link BatchOptions} (the compiler checks the list is complete). */
export const BATCH_OPTION_KEYS = optionKeys<BatchOptions>()(['batchSize', 'limits', 'dropLast']);

/**
 * Groups a stream of chips into batches. All chips of a batch must have the same shape; otherwise
 * it throws {@link LoaderError} `SHAPE_MISMATCH` naming both slices (give every slice the same pixel
 * size, or batch them separately).
 */
export function batchChips(chips: AsyncIterable<Chip> | Iterable<Chip>, opts: BatchOptions): AsyncGenerator<Batch> {
  return iterateAtBoundary(LoaderError, 'batchChips', chipBatches(chips, opts));
}

/**
 * {@link batchChips} without the boundary, for public streams that wrap it under their own name;
 * `stacked` is called with each group of chips once it has been copied into its batch (a loader
 * recycles their arrays).
 */
export async function* chipBatches(
  chips: AsyncIterable<Chip> | Iterable<Chip>,
  opts: BatchOptions,
  stacked?: (chips: readonly Chip[]) => void,
): AsyncGenerator<Batch> {
  if (!opts || typeof opts !== 'object') throw new LoaderError('BAD_OPTION', 'batchChips: options must be an object');
  checkOptionKeys(opts, BATCH_OPTION_KEYS, 'batches', LoaderError);
  const size = opts.batchSize;
  if (!Number.isInteger(size) || size < 1) {
    throw new LoaderError('BAD_OPTION', `batchSize must be a positive integer, got ${String(size)}`);
  }
  const limits = resolveLimits(opts.limits);
  let pending: Chip[] = [];
  for await (const chip of chips) {
    if (pending.length > 0) assertSameShape(pending[0], chip);
    else checkBatch(size, chipBytes(chip), limits);
    pending.push(chip);
    if (pending.length === size) {
      const batch = stackChips(pending);
      stacked?.(pending);
      pending = [];
      yield batch;
    }
  }
  if (pending.length > 0 && !opts.dropLast) {
    const batch = stackChips(pending);
    stacked?.(pending);
    yield batch;
  }
}

/**
 * Stacks equally-shaped chips into one {@link Batch} (a chip without a mask counts as all valid).
 */
export function stackChips(chips: readonly Chip[]): Batch {
  if (chips.length === 0) throw new LoaderError('BAD_OPTION', 'cannot stack an empty list of chips');
  const first = chips[0];
  checkBatch(chips.length, chipBytes(first), resolveLimits(undefined));
  const per = first.data.length;
  const plane = first.shape[first.shape.length - 1] * first.shape[first.shape.length - 2];
  const layers = first.shape.length === 4 ? first.shape[0] : 1;
  const perMask = plane * layers;
  const data = new Float32Array(per * chips.length);
  const mask = new Uint8Array(perMask * chips.length);
  chips.forEach((c, i) => {
    assertSameShape(first, c);
    data.set(c.data, i * per);
    if (c.mask) mask.set(c.mask, i * perMask);
    else mask.fill(1, i * perMask, (i + 1) * perMask);
  });
  return { slices: chips.map((c) => c.slice), data, mask, shape: [chips.length, ...first.shape] };
}

/** Bytes one chip takes in a batch: float32 data plus its mask. */
function chipBytes(chip: Chip): number {
  const plane = chip.shape[chip.shape.length - 1] * chip.shape[chip.shape.length - 2];
  const layers = chip.shape.length === 4 ? chip.shape[0] : 1;
  return chip.data.length * 4 + plane * layers;
}

function assertSameShape(a: Chip, b: Chip): void {
  if (a.shape.length === b.shape.length && a.shape.every((v, i) => v === b.shape[i])) return;
  throw new LoaderError(
    'SHAPE_MISMATCH',
    `cannot batch ${describeSlice(b.slice)} (shape [${b.shape.join(', ')}]) with ${describeSlice(a.slice)} (shape [${a.shape.join(', ')}]); give every slice the same pixel size and band list, or batch them separately`,
    { subject: describeSlice(b.slice) },
  );
}
