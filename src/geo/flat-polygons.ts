import type { BBox } from './bbox.js';

/**
 * A polygon or multipolygon decoded into flat arrays: vertex `i` is `(xy[2i], xy[2i + 1])`; ring `r`
 * holds vertices `ringEnds[r - 1]` (0 for the first) to `ringEnds[r]` (exclusive, closed as stored);
 * polygon `p` holds rings `polygonEnds[p - 1]` (0 for the first) to `polygonEnds[p]`. One allocation
 * per footprint instead of one array per vertex, for the per-chip tests of the random sampler
 * (plain arrays: small typed arrays cost more to allocate than they save).
 */
export interface FlatPolygons {
  xy: number[];
  ringEnds: number[];
  polygonEnds: number[];
  bbox: BBox;
}

/**
 * Decodes 2D WKB Polygon or MultiPolygon bytes (either byte order) into {@link FlatPolygons}; null for
 * anything else (points, Z/M/EWKB variants, empty, truncated or trailing bytes), which the caller
 * then reads with `readWkb` (that reports bad WKB properly).
 */
export function flatPolygons(bytes: Uint8Array): FlatPolygons | null {
  const n = bytes.byteLength;
  if (n < 9 || bytes[0] > 1) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const le0 = bytes[0] === 1;
  const type = view.getUint32(1, le0);
  if (type !== 3 && type !== 6) return null;
  const parts = type === 3 ? 1 : view.getUint32(5, le0);
  let off = type === 3 ? 5 : 9;
  const xy: number[] = [];
  const ringEnds: number[] = [];
  const polygonEnds: number[] = [];
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (let p = 0; p < parts; p++) {
    let le = le0;
    if (type === 6) {
      if (off + 5 > n || bytes[off] > 1) return null;
      le = bytes[off] === 1;
      if (view.getUint32(off + 1, le) !== 3) return null;
      off += 5;
    }
    if (off + 4 > n) return null;
    const rings = view.getUint32(off, le);
    off += 4;
    for (let r = 0; r < rings; r++) {
      if (off + 4 > n) return null;
      const m = view.getUint32(off, le);
      off += 4;
      if (m === 0 || off + 16 * m > n) return null;
      for (let i = 0; i < m; i++, off += 16) {
        const x = view.getFloat64(off, le);
        const y = view.getFloat64(off + 8, le);
        xy.push(x, y);
        if (x < xmin) xmin = x;
        if (x > xmax) xmax = x;
        if (y < ymin) ymin = y;
        if (y > ymax) ymax = y;
      }
      ringEnds.push(xy.length / 2);
    }
    polygonEnds.push(ringEnds.length);
  }
  if (off !== n || xy.length === 0) return null;
  return { xy, ringEnds, polygonEnds, bbox: [xmin, ymin, xmax, ymax] };
}

/**
 * Point in {@link FlatPolygons} by even-odd crossings within each polygon, for a point known not to
 * lie on the boundary (there it agrees with `pointInGeometry`).
 */
export function insideFlatPolygons(fp: FlatPolygons, x: number, y: number): boolean {
  const { xy, ringEnds, polygonEnds } = fp;
  let r = 0;
  for (let p = 0; p < polygonEnds.length; p++) {
    let inside = false;
    for (; r < polygonEnds[p]; r++) {
      const start = r === 0 ? 0 : ringEnds[r - 1];
      const end = ringEnds[r];
      for (let i = start, j = end - 1; i < end; j = i++) {
        const ax = xy[2 * i];
        const ay = xy[2 * i + 1];
        const bx = xy[2 * j];
        const by = xy[2 * j + 1];
        if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
      }
    }
    if (inside) return true;
  }
  return false;
}
