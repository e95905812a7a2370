/**
 * Geometries against an axis-aligned box: the exact intersection test and clipping (polygon rings by
 * Sutherland–Hodgman, lines by Liang–Barsky, points by containment).
 */
import type { BBox } from '../geo/bbox.js';
import type { Position } from '../geo/geometry.js';
import type { VectorGeometry } from './geometry.js';

/** The part of segment a→b inside the box as [t0, t1] of its parameter, or null (Liang–Barsky). */
function clipSegment(a: Position, b: Position, box: BBox): [number, number] | null {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, a[0] - box[0]],
    [dx, box[2] - a[0]],
    [-dy, a[1] - box[1]],
    [dy, box[3] - a[1]],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
    } else {
      const t = q / p;
      if (p < 0) {
        if (t > t1) return null;
        if (t > t0) t0 = t;
      } else {
        if (t < t0) return null;
        if (t < t1) t1 = t;
      }
    }
  }
  return [t0, t1];
}

const inBox = (p: Position, b: BBox) => p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];

function lineHits(l: Position[], box: BBox): boolean {
  if (l.length === 1) return inBox(l[0], box);
  for (let i = 1; i < l.length; i++) if (clipSegment(l[i - 1], l[i], box)) return true;
  return false;
}

/** Even-odd point in rings. */
function inRings(rings: Position[][], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function polygonHits(rings: Position[][], box: BBox): boolean {
  if (rings.some((r) => lineHits(r, box))) return true;
  // No boundary inside the box: either the box lies inside the polygon or they are apart.
  return inRings(rings, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2);
}

/**
 * True when the geometry and the box share a point (touching counts).
 */
export function geometryIntersectsBox(g: VectorGeometry, box: BBox): boolean {
  switch (g.type) {
    case 'Point':
      return inBox(g.coordinates, box);
    case 'MultiPoint':
      return g.coordinates.some((p) => inBox(p, box));
    case 'LineString':
      return lineHits(g.coordinates, box);
    case 'MultiLineString':
      return g.coordinates.some((l) => lineHits(l, box));
    case 'Polygon':
      return polygonHits(g.coordinates, box);
    case 'MultiPolygon':
      return g.coordinates.some((p) => polygonHits(p, box));
    case 'GeometryCollection':
      return g.geometries.some((m) => geometryIntersectsBox(m, box));
  }
}

/** Sutherland–Hodgman against one box edge. */
function clipRingEdge(ring: Position[], inside: (p: Position) => boolean, cut: (a: Position, b: Position) => Position) {
  const out: Position[] = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % ring.length];
    const ia = inside(a);
    const ib = inside(b);
    if (ia) out.push(a);
    if (ia !== ib) out.push(cut(a, b));
  }
  return out;
}

function clipRing(ring: Position[], box: BBox): Position[] {
  let r =
    ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]
      ? ring.slice(0, -1)
      : ring;
  const atX = (a: Position, b: Position, x: number): Position => [
    x,
    a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0]),
  ];
  const atY = (a: Position, b: Position, y: number): Position => [
    a[0] + ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]),
    y,
  ];
  r = clipRingEdge(
    r,
    (p) => p[0] >= box[0],
    (a, b) => atX(a, b, box[0]),
  );
  r = clipRingEdge(
    r,
    (p) => p[0] <= box[2],
    (a, b) => atX(a, b, box[2]),
  );
  r = clipRingEdge(
    r,
    (p) => p[1] >= box[1],
    (a, b) => atY(a, b, box[1]),
  );
  r = clipRingEdge(
    r,
    (p) => p[1] <= box[3],
    (a, b) => atY(a, b, box[3]),
  );
  if (r.length < 3) return [];
  return [...r, [r[0][0], r[0][1]]];
}

function clipPolygon(rings: Position[][], box: BBox): Position[][] | null {
  const out = rings.map((r) => clipRing(r, box));
  if (out[0].length === 0) return null;
  return out.filter((r) => r.length > 0);
}

function clipLine(l: Position[], box: BBox): Position[][] {
  const parts: Position[][] = [];
  let cur: Position[] = [];
  for (let i = 1; i < l.length; i++) {
    const a = l[i - 1];
    const b = l[i];
    const t = clipSegment(a, b, box);
    if (!t) {
      if (cur.length > 1) parts.push(cur);
      cur = [];
      continue;
    }
    const p0: Position = [a[0] + (b[0] - a[0]) * t[0], a[1] + (b[1] - a[1]) * t[0]];
    const p1: Position = [a[0] + (b[0] - a[0]) * t[1], a[1] + (b[1] - a[1]) * t[1]];
    if (cur.length === 0) cur.push(p0);
    cur.push(p1);
    if (t[1] < 1) {
      parts.push(cur);
      cur = [];
    }
  }
  if (cur.length > 1) parts.push(cur);
  return parts;
}

/**
 * The part of a geometry inside the box (its boundary included), or null when nothing is left.
 * Polygons keep their type (a ring may gain edges along the box); lines may split into a MultiLineString.
 */
export function clipToBox(g: VectorGeometry, box: BBox): VectorGeometry | null {
  switch (g.type) {
    case 'Point':
      return inBox(g.coordinates, box) ? g : null;
    case 'MultiPoint': {
      const c = g.coordinates.filter((p) => inBox(p, box));
      return c.length ? { type: 'MultiPoint', coordinates: c } : null;
    }
    case 'LineString':
    case 'MultiLineString': {
      const lines = g.type === 'LineString' ? [g.coordinates] : g.coordinates;
      const parts = lines.flatMap((l) => clipLine(l, box));
      if (parts.length === 0) return null;
      return parts.length === 1 && g.type === 'LineString'
        ? { type: 'LineString', coordinates: parts[0] }
        : { type: 'MultiLineString', coordinates: parts };
    }
    case 'Polygon': {
      const p = clipPolygon(g.coordinates, box);
      return p ? { type: 'Polygon', coordinates: p } : null;
    }
    case 'MultiPolygon': {
      const ps = g.coordinates.map((p) => clipPolygon(p, box)).filter((p): p is Position[][] => p !== null);
      return ps.length ? { type: 'MultiPolygon', coordinates: ps } : null;
    }
    case 'GeometryCollection': {
      const ms = g.geometries.map((m) => clipToBox(m, box)).filter((m): m is VectorGeometry => m !== null);
      return ms.length ? { type: 'GeometryCollection', geometries: ms } : null;
    }
  }
}
