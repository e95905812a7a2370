import { GeoError } from '../errors.js';
import type { BBox } from './bbox.js';
import type { TimeInterval } from './interval.js';

/**
 * The unit of work between samplers, loaders and the stitcher: a pixel grid in a CRS.
 * `width = round((xmax - xmin) / resolution[0])`, `height` likewise; row 0 is the north edge.
 */
export interface GeoSlice {
  /** In `crs` units. */
  bounds: BBox;
  /** e.g. "EPSG:32633". */
  crs: string;
  /** CRS units per pixel, x and y (both positive). */
  resolution: [number, number];
  /** Which acquisitions count; undefined = any time. */
  interval?: TimeInterval;
  /** The catalog row the sampler drew it from, when there is one. */
  rowId?: string;
}

/**
 * Width of the slice's pixel grid.
 */
export function sliceWidth(s: GeoSlice): number {
  return Math.round((s.bounds[2] - s.bounds[0]) / s.resolution[0]);
}

/**
 * Height of the slice's pixel grid.
 */
export function sliceHeight(s: GeoSlice): number {
  return Math.round((s.bounds[3] - s.bounds[1]) / s.resolution[1]);
}

/**
 * A short human-readable label for error messages and logs.
 */
export function describeSlice(s: GeoSlice): string {
  const b = s.bounds.map((v) => +v.toFixed(6)).join(',');
  return `slice ${s.crs} [${b}] @${s.resolution[0]}x${s.resolution[1]}${s.rowId ? ` (row ${s.rowId})` : ''}`;
}

/**
 * Validates a slice and returns it. Throws {@link GeoError} `INVALID_SLICE` when bounds are not
 * finite or inverted, the resolution is not positive, the grid is empty, or the extent is not a
 * whole number of pixels (within 1e-6 of a pixel).
 */
export function validateSlice(s: GeoSlice): GeoSlice {
  const bad = (why: string): never => {
    throw new GeoError('INVALID_SLICE', `invalid ${safeDescribe(s)}: ${why}`, { subject: safeDescribe(s) });
  };
  if (!s || typeof s !== 'object') bad('not an object');
  if (typeof s.crs !== 'string' || s.crs.length === 0) bad('crs must be a non-empty string such as "EPSG:4326"');
  const b = s.bounds;
  if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite)) bad('bounds must be four finite numbers');
  if (b[0] >= b[2] || b[1] >= b[3]) bad('bounds must have xmin < xmax and ymin < ymax');
  const r = s.resolution;
  if (!Array.isArray(r) || r.length !== 2 || !(r[0] > 0) || !(r[1] > 0) || !r.every(Number.isFinite)) {
    bad('resolution must be two positive numbers');
  }
  for (const [extent, res, axis] of [
    [b[2] - b[0], r[0], 'x'],
    [b[3] - b[1], r[1], 'y'],
  ] as const) {
    const n = extent / res;
    if (Math.abs(n - Math.round(n)) > 1e-6 * Math.max(1, n))
      bad(`${axis} extent ${extent} is not a whole number of ${res}-unit pixels`);
    if (Math.round(n) < 1) bad(`${axis} extent is smaller than one pixel`);
  }
  if (s.interval) {
    const { start, end } = s.interval;
    if (start && end && start.getTime() > end.getTime()) bad('interval start is after its end');
  }
  return s;
}

function safeDescribe(s: GeoSlice): string {
  try {
    return describeSlice(s);
  } catch {
    return `slice ${JSON.stringify(s)}`;
  }
}
