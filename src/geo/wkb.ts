import { GeoError } from '../errors.js';
import type { Geometry, Position } from './geometry.js';

const TYPE_NAMES: Record<number, string> = {
  1: 'Point',
  2: 'LineString',
  3: 'Polygon',
  4: 'MultiPoint',
  5: 'MultiLineString',
  6: 'MultiPolygon',
  7: 'GeometryCollection',
};

class WkbReader {
  private off = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(why: string): never {
    throw new GeoError(
      'INVALID_WKB',
      `invalid WKB (${this.bytes.byteLength} bytes) at byte ${this.off}: ${why}. Re-export the geometry as WKB Point, Polygon or MultiPolygon.`,
    );
  }

  need(n: number, what: string): void {
    if (this.off + n > this.bytes.byteLength)
      this.fail(`truncated while reading ${what} (needs ${n} more bytes, ${this.bytes.byteLength - this.off} left)`);
  }

  get done(): boolean {
    return this.off === this.bytes.byteLength;
  }

  get offset(): number {
    return this.off;
  }

  u8(): number {
    this.need(1, 'the byte order');
    return this.view.getUint8(this.off++);
  }

  u32(le: boolean, what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.off, le);
    this.off += 4;
    return v;
  }

  f64(le: boolean): number {
    const v = this.view.getFloat64(this.off, le);
    this.off += 8;
    return v;
  }

  /** One geometry header: byte order, base type and coordinate dimension count. */
  header(): { le: boolean; type: number; dims: number } {
    const order = this.u8();
    if (order !== 0 && order !== 1) this.fail(`byte order must be 0 (big endian) or 1 (little endian), got ${order}`);
    const le = order === 1;
    const raw = this.u32(le, 'the geometry type');
    // EWKB: high flag bits for Z (0x80000000), M (0x40000000) and SRID (0x20000000).
    const ewkbZ = (raw & 0x80000000) !== 0;
    const ewkbM = (raw & 0x40000000) !== 0;
    const hasSrid = (raw & 0x20000000) !== 0;
    const iso = raw & 0x0fffffff;
    const type = iso % 1000;
    const isoDim = Math.floor(iso / 1000); // 0 = XY, 1 = XYZ, 2 = XYM, 3 = XYZM
    if (isoDim > 3 || !TYPE_NAMES[type]) this.fail(`unknown geometry type code ${raw}`);
    if (hasSrid) this.u32(le, 'the EWKB SRID');
    const dims = 2 + (isoDim === 1 || isoDim === 2 ? 1 : isoDim === 3 ? 2 : 0) + (ewkbZ ? 1 : 0) + (ewkbM ? 1 : 0);
    if (dims > 4) this.fail(`geometry type code ${raw} mixes ISO and EWKB dimension flags`);
    return { le, type, dims };
  }

  position(le: boolean, dims: number): Position {
    this.need(8 * dims, 'a coordinate');
    const x = this.f64(le);
    const y = this.f64(le);
    this.off += 8 * (dims - 2); // Z and M are dropped
    return [x, y];
  }

  rings(le: boolean, dims: number): Position[][] {
    const nRings = this.u32(le, 'the ring count');
    if (nRings * 4 > this.bytes.byteLength - this.off) this.fail(`ring count ${nRings} exceeds the remaining bytes`);
    const rings: Position[][] = [];
    for (let r = 0; r < nRings; r++) {
      const n = this.u32(le, 'the point count');
      if (n * 8 * dims > this.bytes.byteLength - this.off)
        this.fail(`truncated: ring ${r} declares ${n} points, more than the remaining bytes hold`);
      if (n < 4) this.fail(`ring ${r} has ${n} points; a polygon ring needs at least 4 (closed)`);
      const ring: Position[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const p = this.position(le, dims);
        if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]))
          this.fail(`ring ${r} point ${i} is not finite (${p[0]}, ${p[1]})`);
        ring[i] = p;
      }
      rings.push(ring);
    }
    return rings;
  }
}

/**
 * Parses WKB (ISO or EWKB, little or big endian) into a {@link Geometry}. Z and M values are dropped.
 * Throws {@link GeoError} `INVALID_WKB` for truncated or malformed bytes, trailing bytes, non-finite
 * coordinates and geometry types other than Point, Polygon and MultiPolygon.
 */
export function readWkb(bytes: Uint8Array): Geometry {
  if (!(bytes instanceof Uint8Array)) {
    throw new GeoError(
      'INVALID_WKB',
      `invalid WKB: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`,
    );
  }
  const r: WkbReader = new WkbReader(bytes);
  const { le, type, dims } = r.header();
  let g: Geometry;
  if (type === 1) {
    const p = r.position(le, dims);
    if (Number.isNaN(p[0]) && Number.isNaN(p[1])) r.fail('the point is empty (NaN, NaN)');
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) r.fail(`the point is not finite (${p[0]}, ${p[1]})`);
    g = { type: 'Point', coordinates: p };
  } else if (type === 3) {
    g = { type: 'Polygon', coordinates: r.rings(le, dims) };
  } else if (type === 6) {
    const n = r.u32(le, 'the polygon count');
    if (n * 9 > bytes.byteLength - r.offset) r.fail(`polygon count ${n} exceeds the remaining bytes`);
    const polys: Position[][][] = [];
    for (let i = 0; i < n; i++) {
      const h = r.header();
      if (h.type !== 3) r.fail(`MultiPolygon member ${i} is a ${TYPE_NAMES[h.type]}, not a Polygon`);
      polys.push(r.rings(h.le, h.dims));
    }
    g = { type: 'MultiPolygon', coordinates: polys };
  } else {
    r.fail(`geometry type ${TYPE_NAMES[type]} is not supported (only Point, Polygon and MultiPolygon)`);
  }
  if (!r.done) r.fail(`${bytes.byteLength - r.offset} trailing bytes after the geometry`);
  return g;
}

/**
 * Encodes a {@link Geometry} as little-endian ISO WKB (2D).
 */
export function writeWkb(g: Geometry): Uint8Array {
  let size: number;
  const ringsSize = (rings: Position[][]) => 4 + rings.reduce((s, ring) => s + 4 + 16 * ring.length, 0);
  if (g.type === 'Point') size = 21;
  else if (g.type === 'Polygon') size = 5 + ringsSize(g.coordinates);
  else if (g.type === 'MultiPolygon') size = 9 + g.coordinates.reduce((s, p) => s + 5 + ringsSize(p), 0);
  else
    throw new GeoError(
      'INVALID_GEOMETRY',
      `cannot write WKB for geometry type ${(g as { type: unknown }).type}; use Point, Polygon or MultiPolygon`,
    );
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let o = 0;
  const head = (type: number) => {
    v.setUint8(o, 1);
    v.setUint32(o + 1, type, true);
    o += 5;
  };
  const pos = (p: Position) => {
    v.setFloat64(o, p[0], true);
    v.setFloat64(o + 8, p[1], true);
    o += 16;
  };
  const rings = (rs: Position[][]) => {
    v.setUint32(o, rs.length, true);
    o += 4;
    for (const ring of rs) {
      v.setUint32(o, ring.length, true);
      o += 4;
      ring.forEach(pos);
    }
  };
  if (g.type === 'Point') {
    head(1);
    pos(g.coordinates);
  } else if (g.type === 'Polygon') {
    head(3);
    rings(g.coordinates);
  } else {
    head(6);
    v.setUint32(o, g.coordinates.length, true);
    o += 4;
    for (const p of g.coordinates) {
      head(3);
      rings(p);
    }
  }
  return out;
}
