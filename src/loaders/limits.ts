/**
 * Resource limits of the loaders: a window or a batch larger than the limit is refused with
 * {@link LoaderError} `TOO_LARGE` before anything is allocated, instead of an untyped `RangeError`
 * or a process that grows until the OS kills it. Both limits are options of `openRaster`, `loadSlice`,
 * `createLoader` and `batchChips`.
 */
import { type GeosliceError, LoaderError, toGeosliceError } from '../errors.js';

/**
 * Limits of one read and one batch.
 */
export interface ResourceLimits {
  /** Largest window (or slice grid) in pixels, `width * height`. Default 2^28 (a 16384² window). */
  maxWindowPixels?: number;
  /** Largest batch (data and mask) in bytes. Default 2 GiB. */
  maxBatchBytes?: number;
}

/** The defaults of {@link ResourceLimits}. */
export const DEFAULT_LIMITS: Required<ResourceLimits> = { maxWindowPixels: 2 ** 28, maxBatchBytes: 2 ** 31 };

/**
 * The limits with defaults filled in; throws {@link LoaderError} `BAD_OPTION` for values that are not positive numbers.
 */
export function resolveLimits(limits: ResourceLimits | undefined): Required<ResourceLimits> {
  const out = { ...DEFAULT_LIMITS, ...(limits ?? {}) };
  for (const [k, v] of Object.entries(out)) {
    if (!(k in DEFAULT_LIMITS))
      throw new LoaderError(
        'BAD_OPTION',
        `limits: unknown key ${JSON.stringify(k)}; use maxWindowPixels or maxBatchBytes`,
      );
    if (typeof v !== 'number' || !(v > 0))
      throw new LoaderError('BAD_OPTION', `limits.${k} must be a positive number, got ${JSON.stringify(v)}`);
  }
  return out;
}

/**
 * Why a `width x height` window of `bands` bands is too large — above `maxWindowPixels`, or beyond
 * what one typed array can hold — or null when it is not. `what` names the window in the message (a
 * function is called only then: describing a slice per chip costs).
 */
export function windowTooLarge(
  width: number,
  height: number,
  bands: number,
  what: string | (() => string),
  limits: Required<ResourceLimits>,
): string | null {
  const pixels = width * height;
  if (pixels <= limits.maxWindowPixels && pixels * Math.max(1, bands) < 2 ** 32) return null;
  return `${typeof what === 'string' ? what : what()}: a ${width} x ${height} window (${pixels.toExponential(2)} pixels${bands > 1 ? ` x ${bands} bands` : ''}) is above the limit of ${limits.maxWindowPixels} pixels; read it in smaller windows or raise limits.maxWindowPixels`;
}

/**
 * Refuses a slice grid that is too large ({@link windowTooLarge}) with {@link LoaderError} `TOO_LARGE` naming `what`.
 */
export function checkWindow(
  width: number,
  height: number,
  bands: number,
  what: string | (() => string),
  limits: Required<ResourceLimits>,
): void {
  const why = windowTooLarge(width, height, bands, what, limits);
  if (why) throw new LoaderError('TOO_LARGE', why, { subject: typeof what === 'string' ? what : what() });
}

/**
 * Refuses a batch whose data and mask would exceed `maxBatchBytes` with {@link LoaderError} `TOO_LARGE`.
 */
export function checkBatch(chips: number, bytesPerChip: number, limits: Required<ResourceLimits>): void {
  const bytes = chips * bytesPerChip;
  if (bytes <= limits.maxBatchBytes) return;
  throw new LoaderError(
    'TOO_LARGE',
    `a batch of ${chips} chips of ${bytesPerChip} bytes needs ${(bytes / 2 ** 30).toFixed(2)} GiB, above the limit of ${(limits.maxBatchBytes / 2 ** 30).toFixed(2)} GiB; lower batchSize or raise limits.maxBatchBytes`,
  );
}

/**
 * An error that escaped a loader as a plain JS error, as a {@link LoaderError}: allocation failures
 * become `TOO_LARGE`, anything else `INTERNAL` (see {@link toGeosliceError}). GeosliceErrors pass through.
 */
export function asGeosliceError(e: unknown, subject: string): GeosliceError {
  return toGeosliceError(e, subject, LoaderError);
}
