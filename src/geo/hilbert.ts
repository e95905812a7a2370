import { GeoError } from '../errors.js';
import type { BBox } from './bbox.js';

/**
 * The Hilbert-curve index of a point on a `2^order x 2^order` grid laid over `extent`, in
 * `[0, 4^order)`. Points outside the extent are clamped to its edge. Nearby points get nearby keys,
 * so sorting rows by the key of their bbox centre clusters them spatially (and makes Parquet
 * row-group statistics prune spatial queries).
 *
 * Throws {@link GeoError} `INVALID_BBOX` for an empty extent and `BAD_HILBERT_ORDER` unless
 * `order` is an integer in 1..26 (so keys stay exact doubles).
 */
export function hilbertKey(x: number, y: number, extent: BBox = [-180, -90, 180, 90], order = 16): number {
  if (!Number.isInteger(order) || order < 1 || order > 26) {
    throw new GeoError('BAD_HILBERT_ORDER', `Hilbert order must be an integer in 1..26, got ${order}`);
  }
  const [x0, y0, x1, y1] = extent;
  if (!(x1 > x0) || !(y1 > y0))
    throw new GeoError(
      'INVALID_BBOX',
      `Hilbert extent must have xmin < xmax and ymin < ymax, got ${JSON.stringify(extent)}`,
    );
  if (!Number.isFinite(x) || !Number.isFinite(y))
    throw new GeoError('INVALID_COORDINATE', `cannot compute a Hilbert key for a non-finite point (${x}, ${y})`);
  const n = 2 ** order;
  let ix = Math.min(n - 1, Math.max(0, Math.floor(((x - x0) / (x1 - x0)) * n)));
  let iy = Math.min(n - 1, Math.max(0, Math.floor(((y - y0) / (y1 - y0)) * n)));
  let d = 0;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = ix >= s ? 1 : 0; // the bit of ix at level s (ix < 2s here)
    const ry = iy >= s ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (rx) ix -= s;
    if (ry) iy -= s;
    // rotate the quadrant so the sub-curve is oriented like the whole curve
    if (ry === 0) {
      if (rx === 1) {
        ix = s - 1 - ix;
        iy = s - 1 - iy;
      }
      const t = ix;
      ix = iy;
      iy = t;
    }
  }
  return d;
}
