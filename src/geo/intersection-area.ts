import type { Geometry, Position } from './geometry.js';
import { pointInGeometry } from './geometry.js';

type Ring = Position[];

function signedRingArea(r: Ring): number {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += r[j][0] * r[i][1] - r[i][0] * r[j][1];
  return s / 2;
}

/** Rings oriented for Green's theorem: outer rings counter-clockwise, holes clockwise. */
function orientedRings(g: Geometry): Ring[] {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  const out: Ring[] = [];
  for (const poly of polys) {
    poly.forEach((ring, i) => {
      const ccw = signedRingArea(ring) > 0;
      out.push(ccw === (i === 0) ? ring : [...ring].reverse());
    });
  }
  return out;
}

function scaleOf(rings: Ring[]): number {
  let m = 1;
  for (const r of rings) for (const [x, y] of r) m = Math.max(m, Math.abs(x), Math.abs(y));
  return m;
}

/**
 * Sum of `x dy - y dx` / 2 over the pieces of `rings`' boundary that lie inside `other` (pieces on
 * `other`'s boundary count only when `keepShared` and both boundaries run the same way, so a shared
 * edge is counted once, from one side).
 */
function boundaryInside(rings: Ring[], other: Geometry, otherRings: Ring[], keepShared: boolean, eps: number): number {
  let total = 0;
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) {
      const [px, py] = ring[i - 1];
      const [qx, qy] = ring[i];
      const dx = qx - px;
      const dy = qy - py;
      const dd = dx * dx + dy * dy;
      if (dd === 0) continue;
      const ts = [0, 1];
      for (const o of otherRings) {
        for (let j = 1; j < o.length; j++) {
          const [rx, ry] = o[j - 1];
          const [sx, sy] = o[j];
          const ex = sx - rx;
          const ey = sy - ry;
          const denom = dx * ey - dy * ex;
          const wx = rx - px;
          const wy = ry - py;
          const el = Math.hypot(ex, ey);
          if (Math.abs(denom) > eps * el) {
            const t = (wx * ey - wy * ex) / denom;
            const u = (wx * dy - wy * dx) / denom;
            if (t > 0 && t < 1 && u >= 0 && u <= 1) ts.push(t);
          } else if (Math.abs(wx * dy - wy * dx) <= eps * Math.sqrt(dd)) {
            for (const t of [(wx * dx + wy * dy) / dd, ((sx - px) * dx + (sy - py) * dy) / dd])
              if (t > 0 && t < 1) ts.push(t);
          }
        }
      }
      ts.sort((a, b) => a - b);
      for (let k = 1; k < ts.length; k++) {
        const t0 = ts[k - 1];
        const t1 = ts[k];
        if (t1 - t0 <= 1e-14) continue;
        const ax = px + t0 * dx;
        const ay = py + t0 * dy;
        const bx = px + t1 * dx;
        const by = py + t1 * dy;
        const mx = (ax + bx) / 2;
        const my = (ay + by) / 2;
        const shared = sharedDirection(mx, my, dx, dy, otherRings, eps);
        const keep = shared === 0 ? pointInGeometry(other, mx, my) : keepShared && shared > 0;
        if (keep) total += (ax * by - bx * ay) / 2;
      }
    }
  }
  return total;
}

/** 0 when (mx, my) is on no edge of `rings`; otherwise the sign of the dot product with that edge. */
function sharedDirection(mx: number, my: number, dx: number, dy: number, rings: Ring[], eps: number): number {
  for (const o of rings) {
    for (let j = 1; j < o.length; j++) {
      const [rx, ry] = o[j - 1];
      const [sx, sy] = o[j];
      const ex = sx - rx;
      const ey = sy - ry;
      const ee = ex * ex + ey * ey;
      if (ee === 0) continue;
      const t = ((mx - rx) * ex + (my - ry) * ey) / ee;
      if (t < 0 || t > 1) continue;
      const dist = Math.abs((mx - rx) * ey - (my - ry) * ex) / Math.sqrt(ee);
      if (dist <= eps) return dx * ex + dy * ey > 0 ? 1 : -1;
    }
  }
  return 0;
}

/**
 * Exact planar area of the intersection of two (multi)polygons, holes included, by Green's theorem
 * over the boundary of the intersection (the parts of each boundary inside the other; shared edges
 * counted once). 0 when either is a point. Used for `area` weights of footprint ∩ roi.
 */
export function intersectionArea(a: Geometry, b: Geometry): number {
  if (a.type === 'Point' || b.type === 'Point') return 0;
  const ra = orientedRings(a);
  const rb = orientedRings(b);
  const eps = 1e-10 * Math.max(scaleOf(ra), scaleOf(rb));
  const area = boundaryInside(ra, b, rb, true, eps) + boundaryInside(rb, a, ra, false, eps);
  return Math.max(0, area);
}
