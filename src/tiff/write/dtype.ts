import { StitchError } from '../../errors.js';

/**
 * Pixel data types the GeoTIFF writer stores (TIFF SampleFormat + BitsPerSample).
 */
export type RasterDType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/**
 * Any typed array that can hold raster samples.
 */
export type RasterArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * What the writer needs to know about a {@link RasterDType}.
 */
export interface DTypeInfo {
  /** Bytes per sample. */
  bytes: 1 | 2 | 4 | 8;
  /** TIFF SampleFormat: 1 unsigned integer, 2 signed integer, 3 IEEE float. */
  sampleFormat: 1 | 2 | 3;
  /** True for float32/float64. */
  float: boolean;
  /** Smallest and largest representable value (integers only; ±Infinity for floats). */
  min: number;
  max: number;
  /** Allocates a typed array of this dtype. */
  create(length: number): RasterArray;
  /** True when `a` is the typed array this dtype is stored in. */
  accepts(a: RasterArray): boolean;
}

const INFO: Record<RasterDType, DTypeInfo> = {
  uint8: {
    bytes: 1,
    sampleFormat: 1,
    float: false,
    min: 0,
    max: 255,
    create: (n) => new Uint8Array(n),
    accepts: (a) => a instanceof Uint8Array || a instanceof Uint8ClampedArray,
  },
  int8: {
    bytes: 1,
    sampleFormat: 2,
    float: false,
    min: -128,
    max: 127,
    create: (n) => new Int8Array(n),
    accepts: (a) => a instanceof Int8Array,
  },
  uint16: {
    bytes: 2,
    sampleFormat: 1,
    float: false,
    min: 0,
    max: 65535,
    create: (n) => new Uint16Array(n),
    accepts: (a) => a instanceof Uint16Array,
  },
  int16: {
    bytes: 2,
    sampleFormat: 2,
    float: false,
    min: -32768,
    max: 32767,
    create: (n) => new Int16Array(n),
    accepts: (a) => a instanceof Int16Array,
  },
  uint32: {
    bytes: 4,
    sampleFormat: 1,
    float: false,
    min: 0,
    max: 4294967295,
    create: (n) => new Uint32Array(n),
    accepts: (a) => a instanceof Uint32Array,
  },
  int32: {
    bytes: 4,
    sampleFormat: 2,
    float: false,
    min: -2147483648,
    max: 2147483647,
    create: (n) => new Int32Array(n),
    accepts: (a) => a instanceof Int32Array,
  },
  float32: {
    bytes: 4,
    sampleFormat: 3,
    float: true,
    min: -Infinity,
    max: Infinity,
    create: (n) => new Float32Array(n),
    accepts: (a) => a instanceof Float32Array,
  },
  float64: {
    bytes: 8,
    sampleFormat: 3,
    float: true,
    min: -Infinity,
    max: Infinity,
    create: (n) => new Float64Array(n),
    accepts: (a) => a instanceof Float64Array,
  },
};

/**
 * Every supported dtype, for validation and tests.
 */
export const RASTER_DTYPES: readonly RasterDType[] = Object.keys(INFO) as RasterDType[];

/**
 * Looks up a dtype. Throws {@link StitchError} `UNKNOWN_DTYPE` (naming `path`) for anything else.
 */
export function dtypeInfo(dtype: unknown, path?: string): DTypeInfo {
  if (typeof dtype !== 'string' || !Object.hasOwn(INFO, dtype)) {
    throw new StitchError(
      'UNKNOWN_DTYPE',
      `${path ?? 'raster'}: dtype must be one of ${RASTER_DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`,
      { subject: path },
    );
  }
  return INFO[dtype as RasterDType];
}
