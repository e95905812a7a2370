import { GeoError } from '../errors.js';

/**
 * An axis-aligned bounding box `[xmin, ymin, xmax, ymax]` in the units of some CRS.
 * In EPSG:4326 a box that crosses the antimeridian has `xmin > xmax`.
 */
export type BBox = [xmin: number, ymin: number, xmax: number, ymax: number];

/**
 * Throws a {@link GeoError} (`INVALID_BBOX`) unless `b` has four finite numbers with
 * `ymin <= ymax` and (unless `allowAntimeridian`) `xmin <= xmax`.
 */
export function assertBBox(b: unknown, what = 'bbox', allowAntimeridian = false): asserts b is BBox {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new GeoError(
      'INVALID_BBOX',
      `${what} must be [xmin, ymin, xmax, ymax] with finite numbers, got ${JSON.stringify(b)}`,
    );
  }
  if (b[1] > b[3] || (!allowAntimeridian && b[0] > b[2])) {
    throw new GeoError('INVALID_BBOX', `${what} has min > max: ${JSON.stringify(b)}`);
  }
}

/**
 * True when two boxes share any point (touching edges count).
 */
export function bboxIntersects(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/**
 * The overlap of two boxes, or `null` when they do not overlap.
 */
export function bboxIntersection(a: BBox, b: BBox): BBox | null {
  const r: BBox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return r[0] <= r[2] && r[1] <= r[3] ? r : null;
}

/**
 * The smallest box containing both boxes.
 */
export function bboxUnion(a: BBox, b: BBox): BBox {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/**
 * True when `outer` contains `inner` entirely.
 */
export function bboxContains(outer: BBox, inner: BBox): boolean {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

/**
 * The bounding box of a `width` × `height` pixel grid with a GDAL geotransform (rotated or
 * sheared ones included: the box holds all four corners).
 */
export function gridBounds(t: readonly number[], width: number, height: number): BBox {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [c, r] of [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ]) {
    xs.push(t[0] + c * t[1] + r * t[2]);
    ys.push(t[3] + c * t[4] + r * t[5]);
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
