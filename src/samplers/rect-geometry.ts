import type { BBox } from '../geo/bbox.js';
import type { Geometry, Position } from '../geo/geometry.js';
import { pointInGeometry } from '../geo/geometry.js';

/** True when segment p→q passes through the open interior of `r` (Liang–Barsky clip, then the clipped chord's midpoint). */
function crossesInterior(p: Position, q: Position, r: BBox): boolean {
  const px = p[0];
  const py = p[1];
  const dx = q[0] - px;
  const dy = q[1] - py;
  // Quick reject: the segment's box misses the open rectangle.
  if (Math.max(px, q[0]) <= r[0] || Math.min(px, q[0]) >= r[2] || Math.max(py, q[1]) <= r[1] || Math.min(py, q[1]) >= r[3]) return false;
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
 *
 * @example
 * ```ts
 * rectInsideGeometry([1, 1, 2, 2], bboxToPolygon([0, 0, 4, 4])); // true
 * ```
 */
export function rectInsideGeometry(r: BBox, g: Geometry): boolean {
  if (g.type === 'Point') return false;
  if (boundaryCrossesInterior(g, r)) return false;
  // No boundary inside the open box: the box's interior is entirely in or entirely out.
  return pointInGeometry(g, (r[0] + r[2]) / 2, (r[1] + r[3]) / 2);
}

/**
 * Exact test that the box `r` and a geometry share area (touching edges do not count). A point
 * counts when it lies in the closed box.
 *
 * @example
 * ```ts
 * rectOverlapsGeometry([0, 0, 1, 1], bboxToPolygon([1, 0, 2, 1])); // false (they only touch)
 * ```
 */
export function rectOverlapsGeometry(r: BBox, g: Geometry): boolean {
  if (g.type === 'Point') {
    const [x, y] = g.coordinates;
    return r[0] <= x && x <= r[2] && r[1] <= y && y <= r[3];
  }
  if (boundaryCrossesInterior(g, r)) return true;
  return pointInGeometry(g, (r[0] + r[2]) / 2, (r[1] + r[3]) / 2);
}
