/**
 * GeoParquet layers (1.0 / 1.1; WKB or GeoArrow native encodings), read through DuckDB in streamed
 * chunks. With a `bbox`, a 1.1 bbox covering column is filtered in SQL so that DuckDB skips row groups
 * by their statistics; the exact bounds test follows in JS.
 */
import { VectorError } from '../errors.js';
import type { BBox } from '../geo/bbox.js';
import { normalizeCrs } from '../geo/crs.js';
import type { Position } from '../geo/geometry.js';
import { DuckDBEngine, runAll, runStream, streamRecords } from '../catalog/duckdb/engine.js';
import { quoteSchemaName, sqlString } from '../catalog/duckdb/sql.js';
import { checkParquetFile } from '../catalog/geoparquet/reader.js';
import { readVectorWkb, vectorBBox, type VectorGeometry } from './geometry.js';
import { bboxHits, layerName, type LayerFeature, type VectorLayer } from './types.js';

interface GeoColumn {
  encoding?: unknown;
  crs?: unknown;
  covering?: { bbox?: Record<string, unknown> };
}

const GEOARROW = ['point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon'];

let engine: Promise<DuckDBEngine> | null = null;

/** A small private engine for feature reads (bounded memory, two threads). */
function readerEngine(): Promise<DuckDBEngine> {
  engine ??= DuckDBEngine.create({ memoryLimit: '512MB', threads: 2 });
  return engine;
}

function bad(href: string, why: string, code = 'BAD_FILE', cause?: unknown): never {
  throw new VectorError(code, `${href}: ${why}`, { subject: href, cause });
}

/** The CRS of a `geo` column: PROJJSON (by its id, or WGS 84 by name), a string, or absent (OGC:CRS84). */
function crsOf(crs: unknown, href: string): string {
  if (crs === undefined) return 'EPSG:4326';
  if (crs === null)
    bad(href, 'the geometry column declares an unknown CRS (null); set it in the file', 'UNSUPPORTED_CRS');
  try {
    return normalizeCrs(crs as string);
  } catch (e) {
    const c = crs as { type?: string; name?: string };
    if (c?.type === 'GeographicCRS' && /^WGS 84( \(CRS84\))?$/.test(String(c.name))) return 'EPSG:4326';
    return bad(href, `its geometry CRS is not an EPSG (or OGC:CRS84) CRS`, 'UNSUPPORTED_CRS', e);
  }
}

/**
 * Opens a GeoParquet file as a layer. Throws {@link VectorError} `BAD_FILE` (no `geo` metadata,
 * unreadable), `UNSUPPORTED_ENCODING` or `UNSUPPORTED_CRS` naming the file.
 */
export async function openGeoParquetLayer(href: string): Promise<VectorLayer> {
  try {
    checkParquetFile(href);
  } catch (e) {
    bad(href, (e as Error).message, 'BAD_FILE', e);
  }
  const eng = await readerEngine();
  const meta = await eng.all(
    `SELECT decode(value) AS geo FROM parquet_kv_metadata(${sqlString(href)}) WHERE decode(key) = 'geo'`,
    {},
    href,
  );
  if (meta.length === 0) bad(href, 'has no GeoParquet "geo" metadata; write it with a GeoParquet writer');
  let geo: { primary_column?: string; columns?: Record<string, GeoColumn> };
  try {
    geo = JSON.parse(String(meta[0].geo));
  } catch (e) {
    return bad(href, 'its "geo" metadata is not valid JSON', 'BAD_FILE', e);
  }
  const column = geo.primary_column;
  const col = typeof column === 'string' ? geo.columns?.[column] : undefined;
  if (!column || !col) bad(href, 'the "geo" metadata names no primary geometry column');
  const encoding = String(col.encoding ?? '').toLowerCase();
  if (encoding !== 'wkb' && !GEOARROW.includes(encoding))
    bad(href, `geometry encoding ${JSON.stringify(col.encoding)} is not WKB or GeoArrow`, 'UNSUPPORTED_ENCODING');
  const crs = crsOf(col.crs, href);
  const cov = col.covering?.bbox;
  const covering =
    cov && ['xmin', 'ymin', 'xmax', 'ymax'].every((k) => Array.isArray(cov[k]))
      ? (cov as Record<'xmin' | 'ymin' | 'xmax' | 'ymax', string[]>)
      : null;
  const conn = await eng.connect();
  let fields: string[];
  let count: number;
  try {
    const cols = await runAll(conn, `DESCRIBE SELECT * FROM read_parquet(${sqlString(href)})`, {}, href);
    const skip = new Set([column, covering?.xmin[0]]);
    fields = cols.map((c) => String(c.column_name)).filter((n) => !skip.has(n));
    const [n] = await runAll(conn, `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(href)})`, {}, href);
    count = Number(n.n);
  } finally {
    conn.closeSync();
  }
  const name = layerName(href);
  const decode = encoding === 'wkb' ? null : encoding;
  return {
    href,
    format: 'geoparquet',
    name,
    crs,
    fields,
    count,
    features: (opts = {}) => streamFeatures(href, name, column, fields, decode, covering, opts.bbox),
  };
}

async function* streamFeatures(
  href: string,
  name: string,
  column: string,
  fields: string[],
  geoarrow: string | null,
  covering: Record<'xmin' | 'ymin' | 'xmax' | 'ymax', string[]> | null,
  bbox: BBox | undefined,
): AsyncGenerator<LayerFeature> {
  const eng = await readerEngine();
  const conn = await eng.connect();
  try {
    const path = (p: string[]) => p.map((s) => quoteSchemaName(s)).join('.');
    let where = '';
    const params: Record<string, unknown> = {};
    if (bbox && covering) {
      where = `WHERE ${path(covering.xmin)} <= $xmax AND ${path(covering.xmax)} >= $xmin AND ${path(covering.ymin)} <= $ymax AND ${path(covering.ymax)} >= $ymin`;
      Object.assign(params, { xmin: bbox[0], ymin: bbox[1], xmax: bbox[2], ymax: bbox[3] });
    }
    const select = [
      ...fields.map((f) => quoteSchemaName(f)),
      `${quoteSchemaName(column)} AS "__geom"`,
      'file_row_number AS "__row"',
    ];
    const sql = `SELECT ${select.join(', ')} FROM read_parquet(${sqlString(href)}, file_row_number = true) ${where} ORDER BY "__row"`;
    const result = await runStream(conn, sql, params, href);
    for await (const rec of streamRecords(result)) {
      const id = `${name}#${String(rec.__row)}`;
      const raw = rec.__geom;
      if (raw === null || raw === undefined) continue;
      const geometry = geoarrow ? fromGeoArrow(raw, geoarrow, `${href} ${id}`) : wkbOf(raw, `${href} ${id}`);
      if (!geometry || !bboxHits(vectorBBox(geometry), bbox)) continue;
      const properties: Record<string, unknown> = {};
      for (const f of fields) properties[f] = rec[f];
      yield { id, geometry, properties };
    }
  } finally {
    conn.closeSync();
  }
}

function wkbOf(raw: unknown, where: string): VectorGeometry | null {
  if (!(raw instanceof Uint8Array)) bad(where, 'the geometry is not a WKB binary value', 'BAD_FEATURE');
  return readVectorWkb(raw, where);
}

/** GeoArrow native encodings: nested lists of `{x, y}` structs. */
function fromGeoArrow(raw: unknown, encoding: string, where: string): VectorGeometry {
  const pos = (p: unknown): Position => {
    const o = p as { x?: unknown; y?: unknown };
    if (typeof o?.x !== 'number' || typeof o.y !== 'number' || !Number.isFinite(o.x) || !Number.isFinite(o.y))
      bad(where, `GeoArrow coordinate ${JSON.stringify(p)} is not {x, y} finite numbers`, 'BAD_FEATURE');
    return [o.x, o.y];
  };
  const list = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) bad(where, `GeoArrow ${encoding} value is not a nested list`, 'BAD_FEATURE');
    return v;
  };
  const line = (v: unknown) => list(v).map(pos);
  const rings = (v: unknown) => list(v).map(line);
  switch (encoding) {
    case 'point':
      return { type: 'Point', coordinates: pos(raw) };
    case 'linestring':
      return { type: 'LineString', coordinates: line(raw) };
    case 'polygon':
      return { type: 'Polygon', coordinates: rings(raw) };
    case 'multipoint':
      return { type: 'MultiPoint', coordinates: line(raw) };
    case 'multilinestring':
      return { type: 'MultiLineString', coordinates: rings(raw) };
    default:
      return { type: 'MultiPolygon', coordinates: list(raw).map(rings) };
  }
}
