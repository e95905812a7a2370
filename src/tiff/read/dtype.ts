import type { RasterDtype, TypedArray } from '../../loaders/raster.js';

const CTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/**
 * The {@link RasterDtype} of TIFF `BitsPerSample` + `SampleFormat` (1 uint, 2 int, 3 float), or
 * null for layouts geoslice does not read (1-bit, 24-bit, 64-bit integers, complex, float16).
 */
export function tiffDtype(bitsPerSample: number, sampleFormat: number): RasterDtype | null {
  const key = `${sampleFormat}:${bitsPerSample}`;
  const table: Record<string, RasterDtype> = {
    '1:8': 'uint8',
    '2:8': 'int8',
    '1:16': 'uint16',
    '2:16': 'int16',
    '1:32': 'uint32',
    '2:32': 'int32',
    '3:32': 'float32',
    '3:64': 'float64',
  };
  return table[key] ?? null;
}

/**
 * Bytes per sample of a dtype.
 */
export function dtypeBytes(dtype: RasterDtype): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/**
 * A new zero-filled typed array of `dtype` and `length` elements.
 */
export function allocTyped(dtype: RasterDtype, length: number): TypedArray {
  return new CTORS[dtype](length);
}

/**
 * A typed view of `dtype` over `bytes` (copied first when the bytes are not aligned for it).
 */
export function viewTyped(dtype: RasterDtype, bytes: Uint8Array): TypedArray {
  const C = CTORS[dtype];
  const n = Math.floor(bytes.byteLength / C.BYTES_PER_ELEMENT);
  const aligned = bytes.byteOffset % C.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
  return new C(aligned.buffer as ArrayBuffer, aligned.byteOffset, n);
}
