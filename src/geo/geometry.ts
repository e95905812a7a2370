import { GeoError } from '../errors.js';
import type { BBox } from './bbox.js';

/**
 * An `[x, y]` coordinate pair (longitude, latitude in EPSG:4326).
 */
export type Position = [number, number];

/**
 * A GeoJSON-like point.
 */
export interface PointGeometry {
  type: 'Point';
  coordinates: Position;
}

/**
 * A GeoJSON-like polygon: an outer ring followed by holes; rings are closed (first = last position).
 */
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}

/**
 * A GeoJSON-like multipolygon (e.g. a footprint split at the antimeridian).
 */
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}

/**
 * The geometries geoslice reads, writes and tests: Point, Polygon and MultiPolygon.
 */
export type Geometry = PointGeometry | PolygonGeometry | MultiPolygonGeometry;

/**
 * A closed polygon covering a box (counter-clockwise outer ring).
 */
export function bboxToPolygon(b: BBox): PolygonGeometry {
  const [x0, y0, x1, y1] = b;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

/** Polygons of a geometry as lists of rings (empty for a point). */
function polygonsOf(g: Geometry): Position[][][] {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

/**
 * The bounding box of a geometry. Throws {@link GeoError} `EMPTY_GEOMETRY` for a geometry without
 * coordinates.
 */
export function geometryBBox(g: Geometry): BBox {
  if (g.type === 'Point') {
    const [x, y] = g.coordinates;
    return [x, y, x, y];
  }
  const [xmin, ymin, xmax, ymax] = ringsBBox(polygonsOf(g).flat());
  if (xmin > xmax) throw new GeoError('EMPTY_GEOMETRY', `the ${g.type} has no coordinates, so it has no bounding box`);
  return [xmin, ymin, xmax, ymax];
}

/** -1 outside, 0 on the boundary, 1 inside (even-odd over all rings, so holes count). */
function pointInRings(rings: Position[][], x: number, y: number): -1 | 0 | 1 {
  let inside = false;
  for (const ring of rings) {
    const n = ring.length;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (onSegment(xj, yj, xi, yi, x, y)) return 0;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return (
    orient(ax, ay, bx, by, px, py) === 0 &&
    Math.min(ax, bx) <= px &&
    px <= Math.max(ax, bx) &&
    Math.min(ay, by) <= py &&
    py <= Math.max(ay, by)
  );
}

function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a[0], a[1], b[0], b[1], c[0], c[1]);
  const o2 = orient(a[0], a[1], b[0], b[1], d[0], d[1]);
  const o3 = orient(c[0], c[1], d[0], d[1], a[0], a[1]);
  const o4 = orient(c[0], c[1], d[0], d[1], b[0], b[1]);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(a[0], a[1], b[0], b[1], c[0], c[1])) ||
    (o2 === 0 && onSegment(a[0], a[1], b[0], b[1], d[0], d[1])) ||
    (o3 === 0 && onSegment(c[0], c[1], d[0], d[1], a[0], a[1])) ||
    (o4 === 0 && onSegment(c[0], c[1], d[0], d[1], b[0], b[1]))
  );
}

function ringsBBox(rings: Position[][]): BBox {
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (const ring of rings) {
    for (const [x, y] of ring) {
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
    }
  }
  return [xmin, ymin, xmax, ymax];
}

function boxesOverlap(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

function boundariesCross(a: Position[][], b: Position[][]): boolean {
  for (const ra of a) {
    for (let i = 1; i < ra.length; i++) {
      const p = ra[i - 1];
      const q = ra[i];
      const sx0 = Math.min(p[0], q[0]);
      const sx1 = Math.max(p[0], q[0]);
      const sy0 = Math.min(p[1], q[1]);
      const sy1 = Math.max(p[1], q[1]);
      for (const rb of b) {
        for (let j = 1; j < rb.length; j++) {
          const r = rb[j - 1];
          const s = rb[j];
          if (
            Math.max(r[0], s[0]) < sx0 ||
            Math.min(r[0], s[0]) > sx1 ||
            Math.max(r[1], s[1]) < sy0 ||
            Math.min(r[1], s[1]) > sy1
          )
            continue;
          if (segmentsIntersect(p, q, r, s)) return true;
        }
      }
    }
  }
  return false;
}

/** Exact test for two polygons (rings incl. holes); closed sets, so touching counts. */
function polygonsIntersect(a: Position[][], b: Position[][]): boolean {
  if (a.length === 0 || b.length === 0 || a[0].length === 0 || b[0].length === 0) return false;
  if (!boxesOverlap(ringsBBox(a), ringsBBox(b))) return false;
  if (boundariesCross(a, b)) return true;
  // Boundaries are disjoint: either one lies inside the other (not in a hole), or they are apart.
  const [ax, ay] = a[0][0];
  const [bx, by] = b[0][0];
  return pointInRings(b, ax, ay) >= 0 || pointInRings(a, bx, by) >= 0;
}

/**
 * True when the point `(x, y)` lies inside the geometry or on its boundary. Holes are excluded.
 */
export function pointInGeometry(g: Geometry, x: number, y: number): boolean {
  if (g.type === 'Point') return g.coordinates[0] === x && g.coordinates[1] === y;
  return polygonsOf(g).some((rings) => rings.length > 0 && pointInRings(rings, x, y) >= 0);
}

/**
 * Exact intersection test of two geometries (interiors or boundaries share a point; touching counts).
 * Handles holes, polygons crossing each other's corners, and containment.
 */
export function geometriesIntersect(a: Geometry, b: Geometry): boolean {
  if (a.type === 'Point') return pointInGeometry(b, a.coordinates[0], a.coordinates[1]);
  if (b.type === 'Point') return pointInGeometry(a, b.coordinates[0], b.coordinates[1]);
  const pa = polygonsOf(a);
  const pb = polygonsOf(b);
  return pa.some((x) => pb.some((y) => polygonsIntersect(x, y)));
}

/**
 * Exact test whether a geometry intersects a box. A box with `xmin > xmax` (an EPSG:4326 box
 * crossing the antimeridian) is treated as the two boxes either side of ±180.
 */
export function geometryIntersectsBBox(g: Geometry, bbox: BBox): boolean {
  if (bbox[0] > bbox[2]) {
    return (
      geometryIntersectsBBox(g, [bbox[0], bbox[1], 180, bbox[3]]) ||
      geometryIntersectsBBox(g, [-180, bbox[1], bbox[2], bbox[3]])
    );
  }
  if (g.type === 'Point') {
    const [x, y] = g.coordinates;
    return bbox[0] <= x && x <= bbox[2] && bbox[1] <= y && y <= bbox[3];
  }
  const box = bboxToPolygon(bbox).coordinates;
  return polygonsOf(g).some((rings) => polygonsIntersect(rings, box));
}

/**
 * True when the box lies inside the polygon(s) of `g`: no edge of any ring comes near the box and
 * one corner of the box is inside. Conservative: false whenever an edge might touch the box, and
 * for a point.
 */
export function geometryContainsBBox(g: Geometry, b: BBox): boolean {
  if (g.type === 'Point') return false;
  const [x0, y0, x1, y1] = b;
  for (const rings of polygonsOf(g)) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [ax, ay] = ring[j];
        const [bx, by] = ring[i];
        if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
        // the edge's line leaves all four corners strictly on one side: the edge misses the box
        const s0 = orient(ax, ay, bx, by, x0, y0);
        if (s0 === 0) return false;
        if (
          orient(ax, ay, bx, by, x1, y0) !== s0 ||
          orient(ax, ay, bx, by, x1, y1) !== s0 ||
          orient(ax, ay, bx, by, x0, y1) !== s0
        )
          return false;
      }
    }
  }
  return pointInGeometry(g, x0, y0);
}

function ringArea(ring: Position[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return Math.abs(s) / 2;
}

/**
 * Planar area in squared CRS units (outer rings minus holes); 0 for a point.
 */
export function geometryArea(g: Geometry): number {
  let area = 0;
  for (const rings of polygonsOf(g)) {
    rings.forEach((ring, i) => {
      area += i === 0 ? ringArea(ring) : -ringArea(ring);
    });
  }
  return area;
}
