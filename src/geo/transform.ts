import { GeoError } from '../errors.js';
import { assertBBox, type BBox } from './bbox.js';
import { resolveCrs, type CrsInput } from './crs.js';
import type { Geometry, Position } from './geometry.js';
import { lenientConverter, pointTransformer } from './point-converter.js';

/**
 * Transforms one `[x, y]` point (x = longitude/easting, y = latitude/northing whatever the EPSG axis
 * order). Throws {@link GeoError} `TRANSFORM_FAILED` when the point is outside the projection's domain.
 */
export function transformPoint(from: CrsInput, to: CrsInput, p: [number, number]): [number, number] {
  return pointTransformer(from, to)(p);
}

/** The closed boundary of a box (or of the quadrilateral `corners`, counter-clockwise), with `densify` extra points per edge. */
function densifiedRing(b: BBox, densify: number, corners?: readonly Position[]): Position[] {
  const [x0, y0, x1, y1] = b;
  const quad: Position[] = corners
    ? corners.map((c) => [c[0], c[1]])
    : [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
      ];
  const ring: Position[] = [];
  const steps = densify + 1;
  for (let e = 0; e < 4; e++) {
    const [ax, ay] = quad[e];
    const [bx, by] = quad[(e + 1) % 4];
    for (let i = 0; i < steps; i++) ring.push([ax + ((bx - ax) * i) / steps, ay + ((by - ay) * i) / steps]);
  }
  ring.push([quad[0][0], quad[0][1]]);
  return ring;
}

/** Which pole (if any) lies inside `bounds` of CRS `crs`. */
function poleInside(bounds: BBox, crs: CrsInput): 1 | -1 | 0 {
  for (const lat of [90, -90] as const) {
    const p = lenientConverter('EPSG:4326', crs)([0, lat]);
    if (
      Number.isFinite(p[0]) &&
      Number.isFinite(p[1]) &&
      p[0] >= bounds[0] &&
      p[0] <= bounds[2] &&
      p[1] >= bounds[1] &&
      p[1] <= bounds[3]
    ) {
      return lat > 0 ? 1 : -1;
    }
  }
  return 0;
}

interface Wgs84Ring {
  /** Finite points with longitudes unwrapped (no jumps over 180 between neighbours). */
  points: Position[];
  /** 0, or the pole the ring winds around (+1 north, -1 south). */
  encircles: 1 | -1 | 0;
}

/** Transforms a densified box boundary to EPSG:4326 and unwraps its longitudes. */
function toWgs84Ring(bounds: BBox, crs: CrsInput, densify: number, corners?: readonly Position[]): Wgs84Ring {
  const f = lenientConverter(crs, 'EPSG:4326');
  const pts: Position[] = [];
  for (const p of densifiedRing(bounds, densify, corners)) {
    const q = f(p);
    if (!Number.isFinite(q[0]) || !Number.isFinite(q[1])) continue;
    if (pts.length > 0) {
      const prev = pts[pts.length - 1][0];
      q[0] += 360 * Math.round((prev - q[0]) / 360);
    }
    pts.push(q);
  }
  if (pts.length < 2) {
    throw new GeoError(
      'TRANSFORM_FAILED',
      `the box ${JSON.stringify(bounds)} in ${resolveCrs(crs).code} has no edge point inside the projection's valid area; check the CRS and bounds`,
    );
  }
  const winding = Math.round((pts[pts.length - 1][0] - pts[0][0]) / 360);
  let encircles: 1 | -1 | 0 = 0;
  if (winding !== 0) {
    const pole = poleInside(bounds, crs);
    encircles = pole !== 0 ? pole : pts.reduce((s, p) => s + p[1], 0) >= 0 ? 1 : -1;
  }
  return { points: pts, encircles };
}

/**
 * Transforms a box by densifying its edges (`densify` extra points per edge) and taking the bounds of
 * the transformed points. Into a geographic CRS the result is antimeridian-safe: a box crossing ±180
 * comes back with `xmin > xmax` (e.g. `[170, -10, -170, 10]`), and a box containing a pole spans all
 * longitudes up to latitude ±90. Throws {@link GeoError} `INVALID_BBOX` / `TRANSFORM_FAILED`.
 */
export function transformBBox(bbox: BBox, from: CrsInput, to: CrsInput, densify = 21): BBox {
  assertBBox(bbox, 'bbox to transform', resolveCrs(from).geographic);
  if (!Number.isInteger(densify) || densify < 0)
    throw new GeoError('INVALID_BBOX', `densify must be a non-negative integer, got ${densify}`);
  let src = bbox;
  if (bbox[0] > bbox[2]) src = [bbox[0], bbox[1], bbox[2] + 360, bbox[3]];
  const target = resolveCrs(to);
  if (target.code === 'EPSG:4326') {
    const { points, encircles } = toWgs84Ring(src, from, densify);
    let ymin = Infinity;
    let ymax = -Infinity;
    let xmin = Infinity;
    let xmax = -Infinity;
    for (const [x, y] of points) {
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
    }
    if (encircles !== 0) return [-180, encircles < 0 ? -90 : ymin, 180, encircles > 0 ? 90 : ymax];
    if (xmax - xmin >= 360) return [-180, ymin, 180, ymax];
    const shift = 360 * Math.floor((xmin + 180) / 360);
    xmin -= shift;
    xmax -= shift;
    return [xmin, ymin, xmax > 180 ? xmax - 360 : xmax, ymax];
  }
  // Projected target: go through the points directly, ignoring those outside the valid area.
  const f = lenientConverter(from, to);
  let out: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of densifiedRing(src, densify)) {
    const [x, y] = f(p);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    out = [Math.min(out[0], x), Math.min(out[1], y), Math.max(out[2], x), Math.max(out[3], y)];
  }
  if (!(out[0] <= out[2])) {
    throw new GeoError(
      'TRANSFORM_FAILED',
      `the box ${JSON.stringify(bbox)} cannot be transformed from ${resolveCrs(from).code} to ${target.code}: no edge point is inside the target's valid area`,
    );
  }
  return out;
}

/** Clips a ring to `x <= 180` (keep = 'left') or `x >= 180` (keep = 'right'); Sutherland–Hodgman on one line. */
function clipAt180(ring: Position[], keep: 'left' | 'right'): Position[] {
  const inside = (p: Position) => (keep === 'left' ? p[0] <= 180 : p[0] >= 180);
  const out: Position[] = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i];
    const b = ring[i + 1];
    const ia = inside(a);
    const ib = inside(b);
    if (ia) out.push(a);
    if (ia !== ib && a[0] !== b[0]) {
      const t = (180 - a[0]) / (b[0] - a[0]);
      out.push([180, a[1] + t * (b[1] - a[1])]);
    }
  }
  if (out.length > 0) out.push([out[0][0], out[0][1]]);
  return out;
}

/**
 * The EPSG:4326 footprint of a box in `crs` (edges densified with 21 points each) and its bbox.
 * A footprint crossing the antimeridian becomes a MultiPolygon split at ±180 whose bbox spans the
 * parts (`xmin = -180`, `xmax = 180`); one containing a pole becomes a polygon reaching latitude ±90
 * over all longitudes. `corners` (the four corners of a rotated grid, in order, inside `bounds`) replace
 * the box's corners. Throws {@link GeoError} `INVALID_BBOX` / `TRANSFORM_FAILED` / `UNKNOWN_CRS`.
 */
export function footprintWgs84(
  bounds: BBox,
  crs: CrsInput,
  corners?: readonly Position[],
): { geometry: Geometry; bbox: BBox } {
  assertBBox(bounds, `raster bounds in ${String(crs)}`);
  const { points, encircles } = toWgs84Ring(bounds, crs, 21, corners);
  const last = points[points.length - 1];
  if (encircles !== 0) {
    // The boundary winds once around a pole: cut it at ±180 and close it along the pole.
    const poleLat = encircles * 90;
    const ring = points.slice();
    if (ring[ring.length - 1][0] < ring[0][0]) ring.reverse(); // walk eastwards
    const shift = 360 * Math.floor((ring[0][0] + 180) / 360);
    for (const p of ring) p[0] -= shift; // first lon now in [-180, 180), last in [180, 540)
    const cut: Position[] = [];
    for (let i = 0; i < ring.length; i++) {
      const p = ring[i];
      const q = ring[i + 1];
      cut.push(p[0] > 180 ? [p[0] - 360, p[1]] : p);
      if (q && p[0] <= 180 && q[0] > 180) {
        const t = (180 - p[0]) / (q[0] - p[0]);
        const lat = p[1] + t * (q[1] - p[1]);
        cut.push([180, lat], [180, poleLat], [-180, poleLat], [-180, lat]);
      }
    }
    if (cut[cut.length - 1][0] !== cut[0][0] || cut[cut.length - 1][1] !== cut[0][1]) cut.push([cut[0][0], cut[0][1]]);
    const ys = cut.map((p) => p[1]);
    const bbox: BBox = [-180, Math.min(...ys), 180, Math.max(...ys)];
    return { geometry: { type: 'Polygon', coordinates: [cut] }, bbox };
  }
  const ring = points.slice();
  if (ring[0][0] !== last[0] || ring[0][1] !== last[1]) ring.push([ring[0][0], ring[0][1]]);
  let xmin = Infinity;
  let xmax = -Infinity;
  for (const p of ring) {
    xmin = Math.min(xmin, p[0]);
    xmax = Math.max(xmax, p[0]);
  }
  const shift = 360 * Math.floor((xmin + 180) / 360);
  for (const p of ring) p[0] -= shift;
  xmax -= shift;
  const ys = ring.map((p) => p[1]);
  const ymin = Math.min(...ys);
  const ymax = Math.max(...ys);
  if (xmax <= 180) {
    return { geometry: { type: 'Polygon', coordinates: [ring] }, bbox: [xmin - shift, ymin, xmax, ymax] };
  }
  const west = clipAt180(ring, 'left');
  const east = clipAt180(ring, 'right').map(([x, y]): Position => [x - 360, y]);
  const parts = [west, east].filter((r) => r.length >= 4).map((r) => [r]);
  return { geometry: { type: 'MultiPolygon', coordinates: parts }, bbox: [-180, ymin, 180, ymax] };
}
