import type { BBox } from './bbox.js';
import type { Geometry, Position } from './geometry.js';
import { bboxToPolygon } from './geometry.js';
import { pointTransformer } from './point-converter.js';

/**
 * Transforms every vertex of a geometry from one CRS to another (edges are not densified: footprint
 * polygons carry their own vertices). Returns the input when the CRSs are equal.
 */
export function geometryToCrs(g: Geometry, from: string, to: string): Geometry {
  if (from === to) return g;
  const p = pointTransformer(from, to);
  if (g.type === 'Point') return { type: 'Point', coordinates: p(g.coordinates) };
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(p)) };
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map((r) => r.map(p))) };
}

/**
 * A box as a polygon with `perEdge` extra vertices on each edge, so that it keeps its shape when
 * transformed to another CRS.
 */
export function densifiedBox(b: BBox, perEdge = 16): Geometry {
  if (perEdge <= 0) return bboxToPolygon(b);
  const [x0, y0, x1, y1] = b;
  const corners: Position[] = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
  const ring: Position[] = [];
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = corners[i];
    const [bx, by] = corners[(i + 1) % 4];
    for (let k = 0; k <= perEdge; k++)
      ring.push([ax + ((bx - ax) * k) / (perEdge + 1), ay + ((by - ay) * k) / (perEdge + 1)]);
  }
  ring.push([x0, y0]);
  return { type: 'Polygon', coordinates: [ring] };
}
