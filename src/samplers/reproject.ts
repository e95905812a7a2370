import type { BBox } from '../geo/bbox.js';
import type { Geometry, Position } from '../geo/geometry.js';
import { bboxToPolygon } from '../geo/geometry.js';
import { transformPoint } from '../geo/transform.js';

/**
 * Transforms every vertex of a geometry from one CRS to another (edges are not densified: footprint
 * polygons carry their own vertices). Returns the input when the CRSs are equal.
 *
 * @example
 * ```ts
 * const utm = geometryToCrs(footprint, 'EPSG:4326', 'EPSG:32633');
 * ```
 */
export function geometryToCrs(g: Geometry, from: string, to: string): Geometry {
  if (from === to) return g;
  const p = (q: Position): Position => transformPoint(from, to, q);
  if (g.type === 'Point') return { type: 'Point', coordinates: p(g.coordinates) };
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(p)) };
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map((r) => r.map(p))) };
}

/**
 * A box as a polygon with `perEdge` extra vertices on each edge, so that it keeps its shape when
 * transformed to another CRS.
 *
 * @example
 * ```ts
 * densifiedBox([0, 0, 1, 1], 3).coordinates[0].length; // 17
 * ```
 */
export function densifiedBox(b: BBox, perEdge = 16): Geometry {
  if (perEdge <= 0) return bboxToPolygon(b);
  const [x0, y0, x1, y1] = b;
  const corners: Position[] = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  const ring: Position[] = [];
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = corners[i];
    const [bx, by] = corners[(i + 1) % 4];
    for (let k = 0; k <= perEdge; k++) ring.push([ax + ((bx - ax) * k) / (perEdge + 1), ay + ((by - ay) * k) / (perEdge + 1)]);
  }
  ring.push([x0, y0]);
  return { type: 'Polygon', coordinates: [ring] };
}
