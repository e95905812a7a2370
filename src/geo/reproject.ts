import proj4 from 'proj4';
import { GeoError } from '../errors.js';
import type { BBox } from './bbox.js';
import { resolveCrs } from './crs.js';
import type { Geometry, Position } from './geometry.js';
import { bboxToPolygon } from './geometry.js';

type Forward = (p: Position) => Position;
const forwards = new Map<string, Forward>();

/**
 * A point transformer between two CRSs: one proj4 converter per CRS pair, resolved once and cached
 * (samplers transform whole footprints and chip corners: looking the pair up per point, as
 * `transformPoint` does, dominated the sampler's time). Same result and error (`GeoError`
 * `TRANSFORM_FAILED`) as `transformPoint`.
 */
export function pointTransformer(from: string, to: string): Forward {
  const key = `${from}\u0000${to}`;
  let f = forwards.get(key);
  if (!f) {
    const a = resolveCrs(from).code;
    const b = resolveCrs(to).code;
    const c = proj4(a, b);
    f = (p) => {
      let r: number[];
      try {
        r = c.forward([p[0], p[1]]) as number[];
      } catch {
        r = [NaN, NaN];
      }
      if (!Number.isFinite(r[0]) || !Number.isFinite(r[1])) {
        throw new GeoError(
          'TRANSFORM_FAILED',
          `cannot transform (${p[0]}, ${p[1]}) from ${a} to ${b}: the point is outside the projection's valid area`,
        );
      }
      return [r[0], r[1]];
    };
    forwards.set(key, f);
  }
  return f;
}

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
