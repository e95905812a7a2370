/**
 * Vector feature geometries: every GeoJSON geometry type (points, lines, polygons, their multi forms and
 * collections), parsed from GeoJSON objects or WKB, with bounds and coordinate mapping.
 */
import { VectorError } from '../errors.js';
import type { BBox } from '../geo/bbox.js';
import type { Geometry, Position } from '../geo/geometry.js';

/**
 * A GeoJSON-like line.
 */
export interface LineStringGeometry {
  type: 'LineString';
  coordinates: Position[];
}

/** A GeoJSON-like set of points. */
export interface MultiPointGeometry {
  type: 'MultiPoint';
  coordinates: Position[];
}

/** A GeoJSON-like set of lines. */
export interface MultiLineStringGeometry {
  type: 'MultiLineString';
  coordinates: Position[][];
}

/** A GeoJSON-like collection of geometries. */
export interface GeometryCollectionGeometry {
  type: 'GeometryCollection';
  geometries: VectorGeometry[];
}

/**
 * Any GeoJSON geometry: geoslice's footprint types (Point, Polygon, MultiPolygon) plus lines,
 * multi-points and collections, as labels use them.
 */
export type VectorGeometry =
  | Geometry
  | LineStringGeometry
  | MultiPointGeometry
  | MultiLineStringGeometry
  | GeometryCollectionGeometry;

/**
 * A feature as the vector functions take and return it: its geometry as WKB or GeoJSON, and its properties.
 */
export interface VectorFeature {
  geometry: Uint8Array | VectorGeometry;
  properties?: Record<string, unknown>;
}

const WKB_TYPES = ['', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon'] as const;

class Reader {
  off = 0;
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(why: string): never {
    throw new VectorError('INVALID_WKB', `${this.where}: invalid WKB at byte ${this.off}: ${why}`, {
      subject: this.where,
    });
  }

  need(n: number): void {
    if (n < 0 || this.off + n > this.bytes.byteLength)
      this.fail(`truncated (needs ${n} more bytes, ${this.bytes.byteLength - this.off} left)`);
  }

  u32(le: boolean): number {
    this.need(4);
    const v = this.view.getUint32(this.off, le);
    this.off += 4;
    return v;
  }

  positions(le: boolean, dims: number, n: number): Position[] {
    this.need(n * 8 * dims);
    const out: Position[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = this.view.getFloat64(this.off, le);
      const y = this.view.getFloat64(this.off + 8, le);
      this.off += 8 * dims;
      if (!Number.isFinite(x) || !Number.isFinite(y)) this.fail(`coordinate ${i} is not finite (${x}, ${y})`);
      out[i] = [x, y];
    }
    return out;
  }

  lines(le: boolean, dims: number): Position[][] {
    const n = this.u32(le);
    if (n * 4 > this.bytes.byteLength - this.off) this.fail(`part count ${n} exceeds the remaining bytes`);
    const out: Position[][] = [];
    for (let i = 0; i < n; i++) out.push(this.positions(le, dims, this.u32(le)));
    return out;
  }

  geometry(depth: number): VectorGeometry | null {
    if (depth > 32) this.fail('geometry collections nested deeper than 32 levels');
    this.need(5);
    const order = this.view.getUint8(this.off++);
    if (order > 1) this.fail(`byte order must be 0 or 1, got ${order}`);
    const le = order === 1;
    const raw = this.u32(le);
    const iso = raw & 0x0fffffff;
    const type = iso % 1000;
    const isoDim = Math.floor(iso / 1000);
    if (isoDim > 3 || type < 1 || type > 7) this.fail(`unknown geometry type code ${raw}`);
    if (raw & 0x20000000) this.u32(le); // EWKB SRID
    const dims =
      2 +
      (isoDim === 1 || isoDim === 2 ? 1 : isoDim === 3 ? 2 : 0) +
      (raw & 0x80000000 ? 1 : 0) +
      (raw & 0x40000000 ? 1 : 0);
    if (dims > 4) this.fail(`geometry type code ${raw} mixes ISO and EWKB dimension flags`);
    if (type === 1) {
      this.need(8 * dims);
      const x = this.view.getFloat64(this.off, le);
      const y = this.view.getFloat64(this.off + 8, le);
      this.off += 8 * dims;
      if (Number.isNaN(x) && Number.isNaN(y)) return null; // POINT EMPTY
      return { type: 'Point', coordinates: this.positionsFrom(x, y) };
    }
    if (type === 2) return { type: 'LineString', coordinates: this.positions(le, dims, this.u32(le)) };
    if (type === 3) return { type: 'Polygon', coordinates: this.lines(le, dims) };
    const n = this.u32(le);
    if (n * 5 > this.bytes.byteLength - this.off) this.fail(`member count ${n} exceeds the remaining bytes`);
    const members: VectorGeometry[] = [];
    for (let i = 0; i < n; i++) {
      const g = this.geometry(depth + 1);
      if (g === null && type !== 4) continue;
      if (type !== 7 && g !== null && g.type !== WKB_TYPES[type - 3])
        this.fail(`member ${i} of a ${WKB_TYPES[type]} is a ${g.type}`);
      if (g !== null) members.push(g);
    }
    if (type === 4)
      return { type: 'MultiPoint', coordinates: members.map((g) => (g as { coordinates: Position }).coordinates) };
    if (type === 5)
      return { type: 'MultiLineString', coordinates: members.map((g) => (g as LineStringGeometry).coordinates) };
    if (type === 6)
      return {
        type: 'MultiPolygon',
        coordinates: members.map((g) => (g as { coordinates: Position[][] }).coordinates),
      };
    return { type: 'GeometryCollection', geometries: members };
  }

  positionsFrom(x: number, y: number): Position {
    if (!Number.isFinite(x) || !Number.isFinite(y)) this.fail(`the point is not finite (${x}, ${y})`);
    return [x, y];
  }
}

/**
 * Parses WKB (ISO or EWKB, either byte order, any dimension; Z and M dropped) of any geometry type.
 * Returns null for an empty point. Throws {@link VectorError} `INVALID_WKB` naming `where`.
 */
export function readVectorWkb(bytes: Uint8Array, where: string): VectorGeometry | null {
  const r = new Reader(bytes, where);
  const g = r.geometry(0);
  if (r.off !== bytes.byteLength) r.fail(`${bytes.byteLength - r.off} trailing bytes after the geometry`);
  return g;
}

function badGeoJson(where: string, why: string): never {
  throw new VectorError('BAD_FEATURE', `${where}: invalid GeoJSON geometry: ${why}`, { subject: where });
}

function position(p: unknown, where: string): Position {
  if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1]))
    badGeoJson(where, `a position must be [x, y] finite numbers, got ${JSON.stringify(p)}`);
  return [p[0] as number, p[1] as number];
}

function positions(a: unknown, where: string): Position[] {
  if (!Array.isArray(a)) badGeoJson(where, 'expected an array of positions');
  return a.map((p) => position(p, where));
}

function nested(a: unknown, where: string): Position[][] {
  if (!Array.isArray(a)) badGeoJson(where, 'expected an array of position arrays');
  return a.map((p) => positions(p, where));
}

/**
 * Checks a GeoJSON geometry object and returns a copy with 2D coordinates (Z dropped). Throws
 * {@link VectorError} `BAD_FEATURE` naming `where`.
 */
export function parseGeoJsonGeometry(g: unknown, where: string, depth = 0): VectorGeometry {
  if (typeof g !== 'object' || g === null) badGeoJson(where, `expected an object, got ${JSON.stringify(g)}`);
  const o = g as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  switch (o.type) {
    case 'Point':
      return { type: 'Point', coordinates: position(o.coordinates, where) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: positions(o.coordinates, where) };
    case 'LineString':
      return { type: 'LineString', coordinates: positions(o.coordinates, where) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: nested(o.coordinates, where) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: nested(o.coordinates, where) };
    case 'MultiPolygon':
      if (!Array.isArray(o.coordinates)) badGeoJson(where, 'MultiPolygon coordinates must be an array');
      return { type: 'MultiPolygon', coordinates: o.coordinates.map((p) => nested(p, where)) };
    case 'GeometryCollection':
      if (!Array.isArray(o.geometries)) badGeoJson(where, 'GeometryCollection needs a geometries array');
      if (depth > 32) badGeoJson(where, 'collections nested deeper than 32 levels');
      return {
        type: 'GeometryCollection',
        geometries: o.geometries.map((m) => parseGeoJsonGeometry(m, where, depth + 1)),
      };
    default:
      return badGeoJson(where, `unknown type ${JSON.stringify(o.type)}`);
  }
}

/**
 * The geometry of a feature given as WKB or GeoJSON, checked; null for an empty WKB point.
 */
export function toVectorGeometry(g: Uint8Array | VectorGeometry, where: string): VectorGeometry | null {
  if (g instanceof Uint8Array) return readVectorWkb(g, where);
  return parseGeoJsonGeometry(g, where);
}

/**
 * Calls `f` on every position of the geometry (collections recursively).
 */
export function forEachPosition(g: VectorGeometry, f: (p: Position) => void): void {
  switch (g.type) {
    case 'Point':
      f(g.coordinates);
      return;
    case 'MultiPoint':
    case 'LineString':
      g.coordinates.forEach(f);
      return;
    case 'MultiLineString':
    case 'Polygon':
      for (const l of g.coordinates) l.forEach(f);
      return;
    case 'MultiPolygon':
      for (const p of g.coordinates) for (const l of p) l.forEach(f);
      return;
    case 'GeometryCollection':
      for (const m of g.geometries) forEachPosition(m, f);
  }
}

/**
 * Bounds of any geometry, or null when it has no position.
 */
export function vectorBBox(g: VectorGeometry): BBox | null {
  const b: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  forEachPosition(g, ([x, y]) => {
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
  });
  return b[0] <= b[2] ? b : null;
}

/**
 * A copy of the geometry with every line and ring mapped by `ring` (which may add or drop positions)
 * and every point by `point`.
 */
export function mapGeometry(
  g: VectorGeometry,
  ring: (line: Position[]) => Position[],
  point: (p: Position) => Position,
): VectorGeometry {
  switch (g.type) {
    case 'Point':
      return { type: 'Point', coordinates: point(g.coordinates) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: g.coordinates.map(point) };
    case 'LineString':
      return { type: 'LineString', coordinates: ring(g.coordinates) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: g.coordinates.map(ring) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: g.coordinates.map(ring) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(ring)) };
    case 'GeometryCollection':
      return { type: 'GeometryCollection', geometries: g.geometries.map((m) => mapGeometry(m, ring, point)) };
  }
}

const WKB_CODES: Record<VectorGeometry['type'], number> = {
  Point: 1,
  LineString: 2,
  Polygon: 3,
  MultiPoint: 4,
  MultiLineString: 5,
  MultiPolygon: 6,
  GeometryCollection: 7,
};

/**
 * Encodes any geometry as little-endian ISO WKB (2D).
 */
export function writeVectorWkb(g: VectorGeometry): Uint8Array {
  const chunks: number[] = [];
  const bytes: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (chunks.length === 0) return;
    const b = new Uint8Array(new Float64Array(chunks).buffer);
    bytes.push(b);
    size += b.byteLength;
    chunks.length = 0;
  };
  const u8u32 = (a: number, b?: number) => {
    flush();
    const buf = new Uint8Array(b === undefined ? 4 : 5);
    const v = new DataView(buf.buffer);
    if (b === undefined) v.setUint32(0, a, true);
    else {
      v.setUint8(0, a);
      v.setUint32(1, b, true);
    }
    bytes.push(buf);
    size += buf.byteLength;
  };
  const line = (l: Position[]) => {
    u8u32(l.length);
    for (const [x, y] of l) chunks.push(x, y);
  };
  const write = (geom: VectorGeometry) => {
    u8u32(1, WKB_CODES[geom.type]);
    switch (geom.type) {
      case 'Point':
        chunks.push(geom.coordinates[0], geom.coordinates[1]);
        return;
      case 'LineString':
        line(geom.coordinates);
        return;
      case 'Polygon':
        u8u32(geom.coordinates.length);
        geom.coordinates.forEach(line);
        return;
      case 'MultiPoint':
        u8u32(geom.coordinates.length);
        for (const p of geom.coordinates) write({ type: 'Point', coordinates: p });
        return;
      case 'MultiLineString':
        u8u32(geom.coordinates.length);
        for (const l of geom.coordinates) write({ type: 'LineString', coordinates: l });
        return;
      case 'MultiPolygon':
        u8u32(geom.coordinates.length);
        for (const p of geom.coordinates) write({ type: 'Polygon', coordinates: p });
        return;
      case 'GeometryCollection':
        u8u32(geom.geometries.length);
        geom.geometries.forEach(write);
    }
  };
  write(g);
  flush();
  const out = new Uint8Array(size);
  let o = 0;
  for (const b of bytes) {
    out.set(b, o);
    o += b.byteLength;
  }
  return out;
}
