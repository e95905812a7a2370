import type { BBox } from './bbox.js';
import type { Geometry, Position } from './geometry.js';
import { pointInGeometry } from './geometry.js';
import { insideFlatPolygons, type FlatPolygons } from './flat-polygons.js';

/** True when segment p→q passes through the open interior of `r` (Liang–Barsky clip, then the clipped chord's midpoint). */
function crossesInterior(p: Position, q: Position, r: BBox): boolean {
  const px = p[0];
  const py = p[1];
  const dx = q[0] - px;
  const dy = q[1] - py;
  // Quick reject: the segment's box misses the open rectangle.
  if (
    Math.max(px, q[0]) <= r[0] ||
    Math.min(px, q[0]) >= r[2] ||
    Math.max(py, q[1]) <= r[1] ||
    Math.min(py, q[1]) >= r[3]
  )
    return false;
  let t0 = 0;
  let t1 = 1;
  // Each side keeps the t with den * t <= num: left (-dx, px - xmin), right (dx, xmax - px), bottom, top.
  for (let side = 0; side < 4; side++) {
    const den = side === 0 ? -dx : side === 1 ? dx : side === 2 ? -dy : dy;
    const num = side === 0 ? px - r[0] : side === 1 ? r[2] - px : side === 2 ? py - r[1] : r[3] - py;
    if (den === 0) {
      if (num < 0) return false;
      continue;
    }
    const t = num / den;
    if (den > 0) {
      if (t < t1) t1 = t;
    } else if (t > t0) t0 = t;
    if (t0 > t1) return false;
  }
  const mx = px + ((t0 + t1) / 2) * dx;
  const my = py + ((t0 + t1) / 2) * dy;
  return r[0] < mx && mx < r[2] && r[1] < my && my < r[3];
}

/**
 * Point in polygon (or multipolygon) by even-odd crossings within each polygon, for a point known
 * not to lie on the boundary — there it agrees with `pointInGeometry`, without its per-vertex
 * boundary test and array destructuring (this runs for every chip position tried).
 */
function insideOffBoundary(g: Geometry, x: number, y: number): boolean {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  for (const rings of polys) {
    let inside = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[i];
        const b = ring[j];
        const ay = a[1];
        const by = b[1];
        if (ay > y !== by > y && x < ((b[0] - a[0]) * (y - ay)) / (by - ay) + a[0]) inside = !inside;
      }
    }
    if (inside) return true;
  }
  return false;
}

function ringsOf(g: Geometry): Position[][] {
  if (g.type === 'Polygon') return g.coordinates;
  if (g.type === 'MultiPolygon') return g.coordinates.flat();
  return [];
}

function boundaryCrossesInterior(g: Geometry, r: BBox): boolean {
  for (const ring of ringsOf(g)) {
    for (let i = 1; i < ring.length; i++) if (crossesInterior(ring[i - 1], ring[i], r)) return true;
  }
  return false;
}

/**
 * Exact test that the box `r` lies entirely inside a polygon or multipolygon (its boundary may
 * touch the polygon's boundary; holes are respected). Always false for a point.
 */
export function rectInsideGeometry(r: BBox, g: Geometry): boolean {
  if (g.type === 'Point') return false;
  if (boundaryCrossesInterior(g, r)) return false;
  // No boundary inside the open box: the box's interior, its centre included (which is then on no
  // boundary), is entirely in or entirely out.
  return insideOffBoundary(g, (r[0] + r[2]) / 2, (r[1] + r[3]) / 2);
}

/**
 * Exact test that the box `r` and a geometry share area (touching edges do not count). A point
 * counts when it lies in the closed box.
 */
export function rectOverlapsGeometry(r: BBox, g: Geometry): boolean {
  if (g.type === 'Point') {
    const [x, y] = g.coordinates;
    return r[0] <= x && x <= r[2] && r[1] <= y && y <= r[3];
  }
  if (boundaryCrossesInterior(g, r)) return true;
  return pointInGeometry(g, (r[0] + r[2]) / 2, (r[1] + r[3]) / 2);
}

/** True when segment p→q passes through the open interior of the convex ring `c` (Cyrus–Beck clip, `s` its orientation sign). */
function crossesConvexInterior(
  px: number,
  py: number,
  qx: number,
  qy: number,
  c: readonly Position[],
  s: number,
): boolean {
  const dx = qx - px;
  const dy = qy - py;
  let t0 = 0;
  let t1 = 1;
  for (let i = 0; i < c.length; i++) {
    const a = c[i];
    const b = c[(i + 1) % c.length];
    // Inward normal of edge a→b; a point x is inside the edge's half-plane when n·(x − a) >= 0.
    const nx = -s * (b[1] - a[1]);
    const ny = s * (b[0] - a[0]);
    const num = nx * (px - a[0]) + ny * (py - a[1]);
    const den = nx * dx + ny * dy;
    if (den === 0) {
      if (num < 0) return false;
      continue;
    }
    const t = -num / den;
    if (den > 0) {
      if (t > t0) t0 = t;
    } else if (t < t1) t1 = t;
    if (t0 > t1) return false;
  }
  const mx = px + ((t0 + t1) / 2) * dx;
  const my = py + ((t0 + t1) / 2) * dy;
  for (let i = 0; i < c.length; i++) {
    const a = c[i];
    const b = c[(i + 1) % c.length];
    if (-s * (b[1] - a[1]) * (mx - a[0]) + s * (b[0] - a[0]) * (my - a[1]) <= 0) return false;
  }
  return true;
}

/**
 * Exact test that a strictly convex polygon `c` (its corners, either orientation, not closed) lies
 * entirely inside a polygon or multipolygon given as {@link FlatPolygons} (touching the boundary is
 * allowed; holes are respected): the non-axis-aligned counterpart of {@link rectInsideGeometry}, for
 * a chip's corners transformed into the footprint's CRS. False for a `c` that is not strictly convex.
 */
export function convexInsidePolygons(c: readonly Position[], fp: FlatPolygons): boolean {
  if (c.length < 3) return false;
  let s = 0;
  for (let i = 0; i < c.length; i++) {
    const a = c[i];
    const b = c[(i + 1) % c.length];
    const d = c[(i + 2) % c.length];
    const turn = (b[0] - a[0]) * (d[1] - b[1]) - (b[1] - a[1]) * (d[0] - b[0]);
    const sign = turn > 0 ? 1 : turn < 0 ? -1 : 0;
    if (sign === 0 || (s !== 0 && sign !== s)) return false;
    s = sign;
  }
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  let cx = 0;
  let cy = 0;
  for (const p of c) {
    xmin = Math.min(xmin, p[0]);
    xmax = Math.max(xmax, p[0]);
    ymin = Math.min(ymin, p[1]);
    ymax = Math.max(ymax, p[1]);
    cx += p[0] / c.length;
    cy += p[1] / c.length;
  }
  const { xy, ringEnds } = fp;
  for (let r = 0; r < ringEnds.length; r++) {
    const start = r === 0 ? 0 : ringEnds[r - 1];
    for (let i = start + 1; i < ringEnds[r]; i++) {
      const px = xy[2 * i - 2];
      const py = xy[2 * i - 1];
      const qx = xy[2 * i];
      const qy = xy[2 * i + 1];
      // Quick reject: the segment's box misses the polygon's box.
      if (Math.max(px, qx) <= xmin || Math.min(px, qx) >= xmax || Math.max(py, qy) <= ymin || Math.min(py, qy) >= ymax)
        continue;
      if (crossesConvexInterior(px, py, qx, qy, c, s)) return false;
    }
  }
  // No boundary inside the open polygon: its interior, its centroid included (which is then on no
  // boundary), is entirely in or entirely out.
  return insideFlatPolygons(fp, cx, cy);
}
