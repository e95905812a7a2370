import { StitchError } from '../errors.js';
import { SAMPLE_FORMAT } from './tags.js';

/**
 * Pixel sample types geoslice reads and writes (TIFF SampleFormat + BitsPerSample).
 */
export type RasterDtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/**
 * A typed array of one of the {@link RasterDtype}s, as reads return them.
 */
export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * 64-bit integer sample types: read by the raw reader as `BigInt64Array`/`BigUint64Array` (exact),
 * converted to float64 by warps and the other numeric readers (see {@link toNumberSamples}).
 */
export type BigIntDtype = 'int64' | 'uint64';

/**
 * Every sample type a file can hold and `readWindow` returns: the {@link RasterDtype}s and the
 * 64-bit integers.
 */
export type SampleDtype = RasterDtype | BigIntDtype;

/**
 * The typed array of a {@link BigIntDtype}.
 */
export type BigIntArray = BigInt64Array | BigUint64Array;

/**
 * The typed array of any {@link SampleDtype}, as `readWindow` returns it.
 */
export type SampleArray = TypedArray | BigIntArray;

/**
 * Any typed array the writer accepts as raster samples: a {@link TypedArray}, or a
 * `Uint8ClampedArray` for uint8.
 */
export type RasterArray = TypedArray | Uint8ClampedArray;

/**
 * Everything about one {@link RasterDtype}: its TIFF encoding, range and typed array.
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
  /** Allocates a zero-filled typed array of this dtype. */
  create(length: number): TypedArray;
  /** A view of this dtype over `buffer` (`length` elements from byte `offset`). */
  view(buffer: ArrayBufferLike, offset: number, length: number): TypedArray;
  /** True when `a` is the typed array this dtype is stored in. */
  accepts(a: RasterArray): boolean;
}

type Ctor = {
  new (n: number): TypedArray;
  new (b: ArrayBufferLike, offset: number, length: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

function entry(C: Ctor, sampleFormat: 1 | 2 | 3, min: number, max: number, clamped = false): DTypeInfo {
  return {
    bytes: C.BYTES_PER_ELEMENT as DTypeInfo['bytes'],
    sampleFormat,
    float: sampleFormat === SAMPLE_FORMAT.IEEE_FLOAT,
    min,
    max,
    create: (n) => new C(n),
    view: (b, o, n) => new C(b, o, n),
    accepts: (a) => a instanceof C || (clamped && a instanceof Uint8ClampedArray),
  };
}

const { UINT, INT, IEEE_FLOAT } = SAMPLE_FORMAT;
const INFO: Record<RasterDtype, DTypeInfo> = {
  uint8: entry(Uint8Array, UINT, 0, 255, true),
  int8: entry(Int8Array, INT, -128, 127),
  uint16: entry(Uint16Array, UINT, 0, 65535),
  int16: entry(Int16Array, INT, -32768, 32767),
  uint32: entry(Uint32Array, UINT, 0, 4294967295),
  int32: entry(Int32Array, INT, -2147483648, 2147483647),
  float32: entry(Float32Array, IEEE_FLOAT, -Infinity, Infinity),
  float64: entry(Float64Array, IEEE_FLOAT, -Infinity, Infinity),
};

/**
 * Every supported dtype, for validation and tests.
 */
export const RASTER_DTYPES: readonly RasterDtype[] = Object.keys(INFO) as RasterDtype[];

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
  return INFO[dtype as RasterDtype];
}

/**
 * How one TIFF sample layout is stored and what it is read as: `dtype` is what reads return,
 * `bits`/`sampleFormat` what the file holds. `packed` marks integer samples that are not a whole
 * number of bytes (1..7, 9..15 bits, unpacked to uint8/uint16 as GDAL does); `half` marks IEEE
 * float16, widened to float32 as GDAL does.
 */
export interface StoredSamples {
  dtype: SampleDtype;
  bits: number;
  sampleFormat: number;
  packed: boolean;
  half: boolean;
}

/**
 * The {@link StoredSamples} of TIFF `BitsPerSample` + `SampleFormat`: the dtypes above at their own
 * width, 64-bit integers (as int64/uint64), unsigned integers of 1..16 bits (to uint8 up to 8 bits,
 * else uint16), and float16 (to float32); null for layouts geoslice does not read (signed sub-byte or
 * 24-bit integers, complex).
 */
export function tiffSamples(bitsPerSample: number, sampleFormat: number): StoredSamples | null {
  const base = { bits: bitsPerSample, sampleFormat, packed: false, half: false };
  const exact = RASTER_DTYPES.find((d) => INFO[d].bytes * 8 === bitsPerSample && INFO[d].sampleFormat === sampleFormat);
  if (exact) return { ...base, dtype: exact };
  if (bitsPerSample === 64 && sampleFormat === SAMPLE_FORMAT.UINT) return { ...base, dtype: 'uint64' };
  if (bitsPerSample === 64 && sampleFormat === SAMPLE_FORMAT.INT) return { ...base, dtype: 'int64' };
  if (
    sampleFormat === SAMPLE_FORMAT.UINT &&
    Number.isInteger(bitsPerSample) &&
    bitsPerSample >= 1 &&
    bitsPerSample <= 16
  )
    return { ...base, dtype: bitsPerSample <= 8 ? 'uint8' : 'uint16', packed: true };
  if (sampleFormat === SAMPLE_FORMAT.IEEE_FLOAT && bitsPerSample === 16)
    return { ...base, dtype: 'float32', half: true };
  return null;
}

/**
 * The {@link SampleDtype} reads return for TIFF `BitsPerSample` + `SampleFormat` (see
 * {@link tiffSamples}), or null when geoslice does not read that layout.
 */
export function tiffDtype(bitsPerSample: number, sampleFormat: number): SampleDtype | null {
  return tiffSamples(bitsPerSample, sampleFormat)?.dtype ?? null;
}

/**
 * True for the 64-bit integer dtypes, whose samples are bigints.
 */
export function isBigIntDtype(dtype: SampleDtype): dtype is BigIntDtype {
  return dtype === 'int64' || dtype === 'uint64';
}

/**
 * True when `a` is the typed array `dtype`'s samples are stored in (uint8 also in a `Uint8ClampedArray`).
 */
export function isSampleArrayOf(dtype: SampleDtype, a: SampleArray | Uint8ClampedArray): boolean {
  if (dtype === 'int64') return a instanceof BigInt64Array;
  if (dtype === 'uint64') return a instanceof BigUint64Array;
  return !(a instanceof BigInt64Array || a instanceof BigUint64Array) && INFO[dtype].accepts(a);
}

/**
 * The dtype of a window's samples once converted to numbers (see `toNumberSamples`): float64 for
 * int64/uint64, the dtype itself otherwise.
 */
export function numberDtype(dtype: SampleDtype): RasterDtype {
  return isBigIntDtype(dtype) ? 'float64' : dtype;
}

/**
 * Bytes per sample of a dtype.
 */
export function dtypeBytes(dtype: SampleDtype): number {
  return isBigIntDtype(dtype) ? 8 : INFO[dtype].bytes;
}

/**
 * A new zero-filled typed array of `dtype` and `length` elements.
 */
export function allocTyped(dtype: RasterDtype, length: number): TypedArray;
export function allocTyped(dtype: SampleDtype, length: number): SampleArray;
export function allocTyped(dtype: SampleDtype, length: number): SampleArray {
  if (dtype === 'int64') return new BigInt64Array(length);
  if (dtype === 'uint64') return new BigUint64Array(length);
  return INFO[dtype].create(length);
}

/**
 * A typed view of `dtype` over `bytes` (copied first when the bytes are not aligned for it).
 */
export function viewTyped(dtype: RasterDtype, bytes: Uint8Array): TypedArray;
export function viewTyped(dtype: SampleDtype, bytes: Uint8Array): SampleArray;
export function viewTyped(dtype: SampleDtype, bytes: Uint8Array): SampleArray {
  const size = dtypeBytes(dtype);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = Math.floor(aligned.byteLength / size);
  if (dtype === 'int64') return new BigInt64Array(aligned.buffer, aligned.byteOffset, n);
  if (dtype === 'uint64') return new BigUint64Array(aligned.buffer, aligned.byteOffset, n);
  return INFO[dtype].view(aligned.buffer, aligned.byteOffset, n);
}
