import type { BBox } from '../geo/bbox.js';
import type { Geometry, Position } from '../geo/geometry.js';

/** Authalic radius of the WGS84 ellipsoid, metres. */
const R = 6371007.181;
const RAD = Math.PI / 180;

/**
 * Projects an EPSG:4326 geometry into Lambert's cylindrical equal-area plane (`x = R·λ`,
 * `y = R·sin φ`, metres): planar areas there are ground areas on the authalic sphere, so area
 * weights computed from the catalog's EPSG:4326 footprints are fair across CRSs and latitudes
 * without projecting every row to its native CRS.
 *
 * @example
 * ```ts
 * geometryArea(toEqualArea(bboxToPolygon([0, 0, 1, 1]))); // ≈ 1.2364e10 m²
 * ```
 */
export function toEqualArea(g: Geometry): Geometry {
  const p = (q: Position): Position => [R * q[0] * RAD, R * Math.sin(q[1] * RAD)];
  if (g.type === 'Point') return { type: 'Point', coordinates: p(g.coordinates) };
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map((r) => r.map(p)) };
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map((r) => r.map(p))) };
}

/**
 * Ground area (m², authalic sphere) of an EPSG:4326 box: an upper bound of the area of every
 * footprint inside it, used to skip rows that cannot enter a reservoir without decoding their WKB.
 *
 * @example
 * ```ts
 * bboxEqualArea([0, 0, 1, 1]); // ≈ 1.2364e10
 * ```
 */
export function bboxEqualArea(b: BBox): number {
  return R * R * (b[2] - b[0]) * RAD * (Math.sin(b[3] * RAD) - Math.sin(b[1] * RAD));
}
