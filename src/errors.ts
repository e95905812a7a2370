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
