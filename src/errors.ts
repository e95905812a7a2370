/**
 * Typed errors. Every error geoslice throws on bad input is a {@link GeosliceError}
 * with a stable `code`, and its message names the file, row, column or slice involved
 * and says what to do.
 *
 * @example
 * ```ts
 * import { CatalogError, openCatalog } from 'geoslice';
 *
 * try {
 *   await openCatalog('missing.parquet');
 * } catch (e) {
 *   if (e instanceof CatalogError && e.code === 'NOT_FOUND') console.error(e.message);
 *   else throw e;
 * }
 * ```
 */
export class GeosliceError extends Error {
  /** Stable machine-readable code, e.g. `NOT_FOUND`, `INVALID_WKB`, `UNKNOWN_CRS`. */
  readonly code: string;
  /** The file, URL, row id, column or slice the error is about, when there is one. */
  readonly subject?: string;

  constructor(code: string, message: string, options?: { cause?: unknown; subject?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.subject = options?.subject;
  }
}

/** Invalid geometry, bbox, slice, interval or CRS input (`INVALID_SLICE`, `INVALID_BBOX`, `UNKNOWN_CRS`, `INVALID_WKB`...). */
export class GeoError extends GeosliceError {}

/** Catalog opening, querying and writing errors (`NOT_FOUND`, `NOT_PARQUET`, `NO_GEOMETRY`, `MISSING_COLUMNS`, `BAD_QUERY`, `UNSAFE_SQL`, `BAD_SOURCE`, `BAD_MANIFEST`...). */
export class CatalogError extends GeosliceError {}

/** Catalog build errors (`UNREADABLE`, `NO_GEOREFERENCING`, `DUPLICATE_ID`, `LOCKED`...). */
export class BuildError extends GeosliceError {}

/**
 * Raster reading errors (`TRUNCATED`, `BAD_MAGIC`, `UNSUPPORTED_COMPRESSION`, `TILE_OUT_OF_RANGE`, `GCP_ONLY`, `UNSUPPORTED_CRS`, `NON_EARTH_CRS`...).
 * `CORRUPT_TIFF`: the TIFF structure is malformed (IFD loop, implausible count, size or dimension,
 * missing or inconsistent tag); the message names the file, the IFD and the tag. `CORRUPT_BLOCK`: a
 * tile or strip does not decode (truncated or corrupt compressed data).
 */
export class RasterError extends GeosliceError {}

/** Byte source errors: local files, HTTP range requests and S3 (`HTTP_STATUS`, `SHORT_READ`, `TIMEOUT`, `ACCESS_DENIED`, `NOT_FOUND`, `NO_CREDENTIALS`, `PRECONDITION_FAILED`, `BAD_URL`...). */
export class SourceError extends GeosliceError {}

/** Loader errors about a slice (`NO_COVERAGE` when a slice falls outside every footprint, `TOO_LARGE` for a window or batch above the limits, `INTERNAL` for an unexpected error wrapped with its cause...). */
export class LoaderError extends GeosliceError {}

/** Sampler configuration errors (`BAD_OPTION`, `EMPTY_REGION`...). */
export class SamplerError extends GeosliceError {}

/** Stitcher and write-back errors (`SHAPE_MISMATCH`, `WRITE_FAILED`...). */
export class StitchError extends GeosliceError {}

/**
 * Model and batch-inference errors (`MISSING_DEPENDENCY` when an optional backend such as
 * onnxruntime-node is not installed, `BAD_MODEL`, `BAD_OUTPUT`, `BAD_OPTION`, `RESUME_MISMATCH`,
 * `JOURNAL_EXISTS`, `JOURNAL_CORRUPT`, `NOT_FOUND`, `EMPTY_REGION`).
 */
export class InferenceError extends GeosliceError {}

/** Vector data errors: reading GeoJSON / GeoParquet / FlatGeobuf features (`BAD_FEATURE`, `UNSUPPORTED_FORMAT`, `NOT_FOUND`...). */
export class VectorError extends GeosliceError {}

/** Label errors: rasterizing, paired samples, band statistics (`BAD_ATTRIBUTE`, `BAD_OPTION`, `NO_LABELS`...). */
export class LabelError extends GeosliceError {}

/** A {@link GeosliceError} subclass: what {@link toGeosliceError} and {@link atBoundary} wrap into. */
export type GeosliceErrorClass = new (
  code: string,
  message: string,
  options?: { cause?: unknown; subject?: string },
) => GeosliceError;

/**
 * An error that reached a public entry point as a plain JS error (TypeError, RangeError, a DuckDB or
 * file system error), as a `Kind` (default {@link GeosliceError}) naming `subject`: allocation
 * failures (`Invalid typed array length`, `Array buffer allocation failed`) become `TOO_LARGE`,
 * anything else `INTERNAL` with the original as `cause`. GeosliceErrors pass through unchanged.
 */
export function toGeosliceError(e: unknown, subject: string, Kind: GeosliceErrorClass = GeosliceError): GeosliceError {
  if (e instanceof GeosliceError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /array length|allocation failed|Array buffer|out of memory/i.test(msg))
    return new Kind('TOO_LARGE', `${subject}: cannot allocate the result (${msg}); use smaller windows or batches`, {
      cause: e,
      subject,
    });
  return new Kind('INTERNAL', `${subject}: unexpected ${e instanceof Error ? e.name : 'error'}: ${msg}`, {
    cause: e,
    subject,
  });
}

/**
 * Runs a public entry point's body and rethrows anything that is not a {@link GeosliceError} through
 * {@link toGeosliceError}, so no raw JS error escapes the public API.
 */
export async function atBoundary<T>(Kind: GeosliceErrorClass, subject: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toGeosliceError(e, subject, Kind);
  }
}

/**
 * The synchronous form of {@link atBoundary}.
 */
export function atBoundarySync<T>(Kind: GeosliceErrorClass, subject: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toGeosliceError(e, subject, Kind);
  }
}

/** The iterables {@link iterateAtBoundary} returned, so that wrapping one again returns it as it is. */
const boundaryIterables = new WeakSet<object>();

/**
 * The async-iterable form of {@link atBoundary}, for public functions that return a stream (samplers,
 * `loader.chips`, `readGeometries`, vector features, catalog rows...): yields what `source` yields,
 * and rethrows anything that is not a {@link GeosliceError} through {@link toGeosliceError} (the
 * original as `cause`). `return()` (an early `break`) and `throw()` reach `source`, so its `finally`
 * blocks close files and cursors. An iterable this returned is returned as it is (no double wrapping).
 * Lazy like a generator: nothing of `source` runs before the first `next()`. (A thin iterator rather
 * than an async generator: one promise per item, not a generator hop.)
 */
export function iterateAtBoundary<T>(
  Kind: GeosliceErrorClass,
  subject: string,
  source: AsyncIterable<T>,
): AsyncGenerator<T, void, undefined> {
  if (boundaryIterables.has(source)) return source as AsyncGenerator<T, void, undefined>;
  let inner: AsyncIterator<T> | undefined;
  const typed = (e: unknown): never => {
    throw toGeosliceError(e, subject, Kind);
  };
  /** One step of the source; a synchronous throw or a rejection becomes a typed rejection. */
  const step = (
    run: (it: AsyncIterator<T>) => Promise<IteratorResult<T>> | undefined,
    otherwise: () => IteratorResult<T, void>,
  ): Promise<IteratorResult<T, void>> => {
    try {
      inner ??= source[Symbol.asyncIterator]();
      const p = run(inner);
      return (p === undefined ? Promise.resolve().then(otherwise) : p).then(undefined, typed) as Promise<
        IteratorResult<T, void>
      >;
    } catch (e) {
      return Promise.reject(toGeosliceError(e, subject, Kind));
    }
  };
  const guarded: AsyncGenerator<T, void, undefined> = {
    next: () =>
      step(
        (it) => it.next(),
        () => ({ done: true, value: undefined }),
      ),
    return: (value) => {
      if (inner !== undefined)
        return step(
          (it) => it.return?.(value),
          () => ({ done: true, value: value as undefined }),
        );
      // Closed before it started: like a generator, the source never runs.
      inner = { next: () => Promise.resolve({ done: true, value: undefined }) };
      return Promise.resolve({ done: true, value: value as undefined });
    },
    throw: (e) =>
      step(
        (it) => it.throw?.(e),
        () => {
          throw e;
        },
      ),
    [Symbol.asyncIterator]() {
      return guarded;
    },
  };
  boundaryIterables.add(guarded);
  return guarded;
}
