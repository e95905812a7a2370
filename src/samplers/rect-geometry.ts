import type { BBox } from '../geo/bbox.js';
import type { Geometry, Position } from '../geo/geometry.js';
import { pointInGeometry } from '../geo/geometry.js';

/** True when segment p→q passes through the open interior of `r` (Liang–Barsky clip, then the clipped chord's midpoint). */
function crossesInterior(p: Position, q: Position, r: BBox): boolean {
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  let t0 = 0;
  let t1 = 1;
  // Each boundary keeps the t where den * t <= num (left, right, bottom, top).
  const nums = [p[0] - r[0], r[2] - p[0], p[1] - r[1], r[3] - p[1]];
  const dens = [-dx, dx, -dy, dy];
  for (let i = 0; i < 4; i++) {
    const num = nums[i];
    const den = dens[i];
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
  const mx = p[0] + ((t0 + t1) / 2) * dx;
  const my = p[1] + ((t0 + t1) / 2) * dy;
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
