import type { BBox } from './bbox.js';
import type { Geometry, Position } from './geometry.js';

/** Authalic radius of the WGS84 ellipsoid, metres. */
const R = 6371007.181;
const RAD = Math.PI / 180;

/**
 * Projects an EPSG:4326 geometry into Lambert's cylindrical equal-area plane (`x = R·λ`,
 * `y = R·sin φ`, metres): planar areas there are ground areas on the authalic sphere, so area
 * weights computed from the catalog's EPSG:4326 footprints are fair across CRSs and latitudes
 * without projecting every row to its native CRS.
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
 */
export function bboxEqualArea(b: BBox): number {
  return R * R * (b[2] - b[0]) * RAD * (Math.sin(b[3] * RAD) - Math.sin(b[1] * RAD));
}

/**
 * Ground area (m², authalic sphere) of an EPSG:4326 polygon or multipolygon — the planar area of its
 * {@link toEqualArea} image (outer rings minus holes), computed without building that image. 0 for a point.
 */
export function equalAreaArea(g: Geometry): number {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  let total = 0;
  for (const rings of polys) {
    for (let k = 0; k < rings.length; k++) {
      const ring = rings[k];
      let s = 0;
      let px = ring[ring.length - 1][0];
      let py = Math.sin(ring[ring.length - 1][1] * RAD);
      for (let i = 0; i < ring.length; i++) {
        const x = ring[i][0];
        const y = Math.sin(ring[i][1] * RAD);
        s += (px - x) * (py + y);
        px = x;
        py = y;
      }
      const a = (Math.abs(s) / 2) * R * R * RAD;
      total += k === 0 ? a : -a;
    }
  }
  return total;
}

const RAD2 = R * R * RAD;

interface Cursor {
  bytes: Uint8Array;
  view: DataView;
  off: number;
}

const cursor: Cursor = { bytes: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)), off: 0 };

/** Reads a geometry header of exactly `want` (2D ISO type); returns its byte order, or null. */
function header(c: Cursor, want: number): boolean | null {
  if (c.off + 5 > c.bytes.byteLength) return null;
  const order = c.bytes[c.off];
  if (order > 1) return null;
  const le = order === 1;
  if (c.view.getUint32(c.off + 1, le) !== want) return null;
  c.off += 5;
  return le;
}

/** Equal-area area of one polygon body (rings), or null when the bytes run out. */
function polygonBody(c: Cursor, le: boolean): number | null {
  const n = c.bytes.byteLength;
  const view = c.view;
  if (c.off + 4 > n) return null;
  const rings = view.getUint32(c.off, le);
  c.off += 4;
  let total = 0;
  for (let k = 0; k < rings; k++) {
    if (c.off + 4 > n) return null;
    const m = view.getUint32(c.off, le);
    c.off += 4;
    if (m === 0 || c.off + 16 * m > n) return null;
    let off = c.off;
    let px = view.getFloat64(off + 16 * (m - 1), le);
    let py = Math.sin(view.getFloat64(off + 16 * (m - 1) + 8, le) * RAD);
    let s = 0;
    for (let i = 0; i < m; i++, off += 16) {
      const x = view.getFloat64(off, le);
      const y = Math.sin(view.getFloat64(off + 8, le) * RAD);
      s += (px - x) * (py + y);
      px = x;
      py = y;
    }
    c.off = off;
    const a = (Math.abs(s) / 2) * RAD2;
    total += k === 0 ? a : -a;
  }
  return total;
}

/**
 * {@link equalAreaArea} read straight from WKB bytes without building the geometry: the fast path
 * for the area weight of every streamed row. Handles 2D Polygon and MultiPolygon (either byte order);
 * returns null for anything else (Z/M/EWKB variants, points, malformed or truncated bytes), so the
 * caller falls back to `readWkb`, which reports bad WKB properly.
 */
export function wkbEqualArea(bytes: Uint8Array): number | null {
  if (bytes.byteLength < 5 || bytes[0] > 1) return null;
  // One cursor reused across calls (synchronous, not re-entrant): this runs for most streamed rows.
  const c = cursor;
  c.bytes = bytes;
  c.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  c.off = 0;
  const type = c.view.getUint32(1, bytes[0] === 1);
  let area: number | null = null;
  if (type === 3) {
    const le = header(c, 3);
    if (le !== null) area = polygonBody(c, le);
  } else if (type === 6) {
    const le = header(c, 6);
    if (le === null || c.off + 4 > bytes.byteLength) return null;
    const parts = c.view.getUint32(c.off, le);
    c.off += 4;
    area = 0;
    for (let p = 0; p < parts && area !== null; p++) {
      const ple = header(c, 3);
      const a = ple === null ? null : polygonBody(c, ple);
      area = a === null ? null : area + a;
    }
  }
  return c.off === bytes.byteLength && area !== null && Number.isFinite(area) ? area : null;
}
