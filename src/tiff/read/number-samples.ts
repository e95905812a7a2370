import { RasterError } from '../../errors.js';
import type { SampleArray, TypedArray } from '../dtype.js';

/**
 * A window's samples as numbers, for code that computes with them (warps, statistics, zonal
 * reads): arrays of the numeric dtypes are returned as they are; int64/uint64 arrays become
 * `Float64Array`s, as GDAL converts 64-bit integers to double when it warps. Every valid pixel
 * (`mask` 1, or every pixel without a mask) must convert exactly — all integers up to 2^53 in
 * magnitude do, larger ones only when they are a multiple of their double's spacing — otherwise
 * {@link RasterError} `INEXACT_INT64` names the file, the pixel and the value: a class id or a
 * count must never come back rounded. Invalid pixels convert to the nearest double. Read the exact
 * values with `readWindow`, which returns `BigInt64Array`/`BigUint64Array` for these dtypes.
 */
export function toNumberSamples(data: SampleArray[], mask: Uint8Array | undefined, href: string): TypedArray[] {
  return data.map((band) => {
    if (!(band instanceof BigInt64Array || band instanceof BigUint64Array)) return band;
    const out = new Float64Array(band.length);
    for (let i = 0; i < band.length; i++) {
      const v = band[i];
      const n = Number(v);
      out[i] = n;
      if ((n >= MAX_EXACT || n <= -MAX_EXACT) && (mask === undefined || mask[i] !== 0) && BigInt(n) !== v)
        throw inexact(v, href, `pixel ${i} of the window`);
    }
    return out;
  });
}

/**
 * One sample as a number: a bigint must convert exactly (see {@link toNumberSamples}), else
 * {@link RasterError} `INEXACT_INT64` naming `href` and `where`.
 */
export function exactNumber(v: number | bigint, href: string, where: string): number {
  if (typeof v === 'number') return v;
  const n = Number(v);
  if (BigInt(n) !== v) throw inexact(v, href, where);
  return n;
}

const MAX_EXACT = 2 ** 53;

function inexact(v: bigint, href: string, where: string): RasterError {
  return new RasterError(
    'INEXACT_INT64',
    `${href}: the 64-bit integer ${v} at ${where} has no exact float64 value (|v| > 2^53), so it cannot be warped or computed with without rounding; read it exactly with openRaster().readWindow (BigInt64Array/BigUint64Array)`,
    { subject: href },
  );
}

/**
 * A window whose samples are numbers (see {@link toNumberSamples}).
 */
export interface NumberWindow {
  data: TypedArray[];
  /** 1 = valid. */
  mask?: Uint8Array;
}

/**
 * A `readWindow` result with its samples as numbers (see {@link toNumberSamples}), the mask kept.
 */
export function toNumberWindow(w: { data: SampleArray[]; mask?: Uint8Array }, href: string): NumberWindow {
  return { data: toNumberSamples(w.data, w.mask, href), mask: w.mask };
}
