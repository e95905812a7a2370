import { StitchError } from '../errors.js';
import type { RasterDtype } from '../tiff/dtype.js';

/**
 * Converts a blended value to the output dtype: floats are stored as they are; integer dtypes round to
 * the nearest integer and refuse values outside their range (StitchError `OUT_OF_RANGE`, naming the pixel).
 */
export function convertValue(
  v: number,
  dtype: RasterDtype,
  float: boolean,
  min: number,
  max: number,
  nodata: number,
  x: number,
  y: number,
): number {
  if (float || v === nodata || v !== v) return v !== v ? nodata : v;
  const r = Math.round(v);
  if (r < min || r > max) {
    throw new StitchError(
      'OUT_OF_RANGE',
      `stitched value ${v} at grid pixel (${x}, ${y}) does not fit ${dtype} (${min}..${max}); use a wider dtype such as float32`,
      { subject: `pixel ${x},${y}` },
    );
  }
  return r;
}
