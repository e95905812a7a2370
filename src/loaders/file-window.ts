import { GeosliceError, LoaderError } from '../errors.js';
import { describeSlice, type GeoSlice } from '../geo/slice.js';
import { type NumberWindow, toNumberWindow } from '../tiff/read/number-samples.js';
import type { RasterReader, WindowData } from './raster.js';
import type { PixelWindow } from './warp.js';

/**
 * Reads bands of one file for a slice. gdalwarp takes an Alpha band as the source's validity even
 * where GetMaskFlags does not (e.g. int16 alpha, or next to a nodata value): it is read along and
 * pixels where it is 0 are cleared from the mask. int64/uint64 samples come back as float64 (exact, or
 * `INEXACT_INT64`: see `toNumberSamples`). `into` is offered to the reader (see
 * `RasterReader.readWindow`) when no alpha band is read along. Untyped failures become {@link LoaderError}
 * `READ_FAILED` naming the file and the slice.
 */
export async function readFileWindow(
  reader: RasterReader,
  level: number,
  w: PixelWindow,
  file: { href: string; bands: number[] },
  slice: GeoSlice,
  into?: WindowData,
): Promise<NumberWindow> {
  try {
    const alpha = reader.info.alphaMask ? null : (reader.info.alphaBand ?? null);
    if (alpha === null)
      return toNumberWindow(await reader.readWindow(level, w.x0, w.y0, w.width, w.height, file.bands, into), file.href);
    const at = file.bands.indexOf(alpha);
    const bands = at >= 0 ? file.bands : [...file.bands, alpha];
    const got = toNumberWindow(await reader.readWindow(level, w.x0, w.y0, w.width, w.height, bands), file.href);
    const a = got.data[at >= 0 ? at : file.bands.length];
    const mask = got.mask ?? new Uint8Array(w.width * w.height).fill(1);
    for (let i = 0; i < mask.length; i++) if (a[i] === 0) mask[i] = 0;
    return { data: at >= 0 ? got.data : got.data.slice(0, file.bands.length), mask };
  } catch (e) {
    if (e instanceof GeosliceError) throw e;
    throw new LoaderError(
      'READ_FAILED',
      `reading ${file.href} for ${describeSlice(slice)} failed: ${(e as Error).message}`,
      { cause: e, subject: file.href },
    );
  }
}

/**
 * Clears from `valid` (`1` = valid, one byte per pixel of the window) the pixels a window marks
 * invalid: its reader's mask, and pixels where every band is nodata or NaN (GDAL's dataset mask and
 * gdalwarp's unified source nodata: (255, 0, 0) with nodata 0 is a valid pixel). Integer pixels are
 * never NaN, so without a nodata value only the reader's mask counts.
 */
export function clearInvalid(valid: Uint8Array, data: NumberWindow, nodata: number | null): void {
  const px = valid.length;
  const m = data.mask;
  if (m && m !== valid) andMask(valid, m);
  const bands = data.data;
  const float = bands[0] instanceof Float32Array || bands[0] instanceof Float64Array;
  if (bands.length === 0 || (nodata === null && !float)) return;
  const nd = nodata ?? Number.NaN;
  if (bands.length === 1) {
    const b = bands[0];
    for (let k = 0; k < px; k++) {
      const v = b[k];
      if (v !== v || v === nd) valid[k] = 0;
    }
    return;
  }
  for (let k = 0; k < px; k++) {
    if (valid[k] === 0) continue;
    let all = true;
    for (let i = 0; i < bands.length; i++) {
      const v = bands[i][k];
      if (v === v && v !== nd) {
        all = false;
        break;
      }
    }
    if (all) valid[k] = 0;
  }
}

/** `valid[k] &= m[k]` for 0/1 masks, four pixels at a time where both are aligned. */
function andMask(valid: Uint8Array, m: Uint8Array): void {
  const n = valid.length;
  const words = (valid.byteOffset | m.byteOffset) % 4 === 0 ? n >> 2 : 0;
  if (words > 0) {
    const v32 = new Uint32Array(valid.buffer, valid.byteOffset, words);
    const m32 = new Uint32Array(m.buffer, m.byteOffset, words);
    for (let k = 0; k < words; k++) v32[k] &= m32[k];
  }
  for (let k = words << 2; k < n; k++) valid[k] &= m[k];
}

/**
 * How many pixels of a 0/1 mask are valid; the data of the invalid ones is set to 0 in each of the
 * `bands` planes of `data` (`[C, H, W]` with `H * W = mask.length`). Runs of valid pixels are
 * skipped eight at a time.
 */
export function zeroInvalid(data: { [k: number]: number }, bands: number, mask: Uint8Array): number {
  const n = mask.length;
  // eight mask bytes of 1 read as one float64 (a plain finite number, so === compares the bits)
  const longs = mask.byteOffset % 8 === 0 ? n >> 3 : 0;
  const m64 = longs > 0 ? new Float64Array(mask.buffer, mask.byteOffset, longs) : null;
  let filled = 0;
  const one = (p: number): void => {
    if (mask[p] !== 0) filled++;
    else for (let b = 0; b < bands; b++) data[b * n + p] = 0;
  };
  for (let k = 0; k < longs; k++) {
    if ((m64 as Float64Array)[k] === ALL_VALID) filled += 8;
    else for (let p = k << 3; p < (k + 1) << 3; p++) one(p);
  }
  for (let p = longs << 3; p < n; p++) one(p);
  return filled;
}

/** Eight mask bytes of 1 as a float64. */
const ALL_VALID = new Float64Array(new Uint8Array(8).fill(1).buffer)[0];
