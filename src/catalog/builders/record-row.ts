import { BuildError, type GeosliceError } from '../../errors.js';
import { normalizeCrs } from '../../geo/crs.js';
import { geometryBBox, type Geometry } from '../../geo/geometry.js';
import { readWkb, writeWkb } from '../../geo/wkb.js';
import { checkOptionKeys, optionKeys } from '../../option-keys.js';
import { type CatalogRow, ROW_BACKENDS, type RowBackend } from '../types.js';

/**
 * How the fields of the record contract are found in a table (contract name -> source column).
 */
export interface ColumnMap {
  id?: string;
  datetime?: string;
  start_datetime?: string;
  end_datetime?: string;
  geometry?: string;
  assets?: string;
  crs?: string;
}

/** The keys of {@link ColumnMap} (the compiler checks the list is complete). */
export const COLUMN_MAP_KEYS = optionKeys<ColumnMap>()([
  'id',
  'datetime',
  'start_datetime',
  'end_datetime',
  'geometry',
  'assets',
  'crs',
]);

/**
 * Options of {@link recordToRow}.
 */
export interface RecordRowOptions {
  columnMap?: ColumnMap;
  /** A column holding one file's href; it becomes the asset `assetKey` (or, with `bandIndexMap`, one asset per band). */
  hrefColumn?: string;
  /** Asset key for `hrefColumn`. Default `"image"`. */
  assetKey?: string;
  /** Band key -> 1-based band index inside the file (with `hrefColumn`), or band index for existing asset keys. */
  bandIndexMap?: Record<string, number>;
}

/** The keys of {@link RecordRowOptions} (the compiler checks the list is complete). */
export const RECORD_ROW_OPTION_KEYS = optionKeys<RecordRowOptions>()([
  'columnMap',
  'hrefColumn',
  'assetKey',
  'bandIndexMap',
]);

/** Fields that never become extra columns (the contract's and STAC boilerplate). */
const CONSUMED = new Set([
  'id',
  'geometry',
  'assets',
  'bbox',
  'datetime',
  'start_datetime',
  'end_datetime',
  'start',
  'end',
  'tmin',
  'tmax',
  'crs',
  'backend',
  'proj:epsg',
  'proj:code',
  'type',
  'stac_version',
  'stac_extensions',
  'links',
  'properties',
]);

const GEOJSON_TYPES = new Set(['Point', 'Polygon', 'MultiPolygon']);

/**
 * Turns one record (a STAC Item, a stac-geoparquet row, or any table row following the record
 * contract) into a {@link CatalogRow}. The contract: `id`; `datetime` or `start_datetime`/`end_datetime`
 * (ISO text, Dates, epoch milliseconds, or integer years meaning the whole year); `geometry` (WKB
 * bytes or hex, GeoJSON object or text, in EPSG:4326); `assets` (key -> href or `{ href, band? }`);
 * `proj:epsg` / `proj:code` / `crs` become `crs` (default EPSG:4326 when absent). STAC `properties`
 * are flattened; every other scalar (or list of scalars) field becomes a typed extra column under
 * its own name (`eo:cloud_cover`, `platform`...); nested objects are left out.
 *
 * Throws {@link BuildError} naming the record: `NO_ID`, `NO_GEOMETRY`, `INVALID_WKB`,
 * `INVALID_GEOMETRY`, `BAD_DATE`, `NO_ASSETS`, `UNKNOWN_CRS`.
 */
export function recordToRow(input: Record<string, unknown>, index: number, opts: RecordRowOptions = {}): CatalogRow {
  checkOptionKeys(opts, RECORD_ROW_OPTION_KEYS, 'recordToRow', BuildError);
  checkOptionKeys(opts?.columnMap, COLUMN_MAP_KEYS, 'recordToRow columnMap', BuildError);
  return rowOfRecord(input, index, opts);
}

/** {@link recordToRow} for callers that checked the options once (a table build, per record). */
export function rowOfRecord(input: Record<string, unknown>, index: number, opts: RecordRowOptions): CatalogRow {
  if (!input || typeof input !== 'object')
    throw new BuildError(
      'INVALID_RECORD',
      `record #${index} is ${input === null ? 'null' : typeof input}, not an object`,
      { subject: `#${index}` },
    );
  const rec = flatten(input, opts.columnMap);
  const rawId = rec.id;
  if (rawId === null || rawId === undefined || rawId === '')
    throw new BuildError('NO_ID', `record #${index} has no id; map one with columnMap: { id: '<column>' }`, {
      subject: `#${index}`,
    });
  const id =
    typeof rawId === 'bigint' || typeof rawId === 'number' || typeof rawId === 'string'
      ? String(rawId)
      : JSON.stringify(rawId);
  const where = `record #${index} (id ${id})`;

  const { geometry, wkb } = toGeometry(rec.geometry, where);
  let bbox: ReturnType<typeof geometryBBox>;
  try {
    bbox = geometryBBox(geometry);
  } catch (e) {
    throw new BuildError('INVALID_GEOMETRY', `${where}: ${(e as Error).message}`, { subject: id, cause: e });
  }
  if (bbox[0] < -180.000001 || bbox[2] > 180.000001 || bbox[1] < -90.000001 || bbox[3] > 90.000001) {
    throw new BuildError(
      'INVALID_GEOMETRY',
      `${where}: geometry bbox ${JSON.stringify(bbox)} is not in EPSG:4326 longitude/latitude; reproject the footprints to EPSG:4326`,
      { subject: id },
    );
  }

  const start = rec.start_datetime ?? rec.start ?? rec.tmin;
  const end = rec.end_datetime ?? rec.end ?? rec.tmax;
  const dt = rec.datetime;
  const tmin =
    start !== undefined && start !== null
      ? toTime(start, where, 'start')[0]
      : dt !== undefined && dt !== null
        ? toTime(dt, where, 'datetime')[0]
        : null;
  const tmax =
    end !== undefined && end !== null
      ? toTime(end, where, 'end')[1]
      : dt !== undefined && dt !== null
        ? toTime(dt, where, 'datetime')[1]
        : null;
  if (tmin && tmax && tmin.getTime() > tmax.getTime())
    throw new BuildError('BAD_DATE', `${where}: start ${tmin.toISOString()} is after end ${tmax.toISOString()}`, {
      subject: id,
    });

  const assets = toAssets(rec, opts, where);
  const crs = toCrs(rec, where);
  const extras: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (CONSUMED.has(k) || k === opts.hrefColumn || v === undefined) continue;
    const kept = keepable(v);
    if (kept !== undefined) extras[columnName(k)] = kept;
  }
  const backend = toBackend(rec.backend, where);
  return { id, assets, geometry: wkb ?? writeWkb(geometry), bbox, tmin, tmax, crs, backend, extras };
}

/** STAC `properties` merged into the top level, then the column map applied. */
function flatten(input: Record<string, unknown>, map: ColumnMap | undefined): Record<string, unknown> {
  const props = input.properties;
  const rec: Record<string, unknown> =
    props && typeof props === 'object' && !Array.isArray(props)
      ? { ...(props as Record<string, unknown>), ...input }
      : { ...input };
  if (map) {
    for (const [field, column] of Object.entries(map) as [string, string | undefined][]) {
      if (column === undefined || column === field) continue;
      rec[field] = rec[column];
      delete rec[column];
    }
  }
  return rec;
}

/** True for little-endian 2D ISO WKB of a Point or Polygon (one header, so nothing else to normalise): stored as it is. */
function isCanonicalWkb(b: Uint8Array): boolean {
  return b.length >= 5 && b[0] === 1 && (b[1] === 1 || b[1] === 3) && b[2] === 0 && b[3] === 0 && b[4] === 0;
}

/** The parsed geometry, and the input bytes when they are canonical WKB already (no re-encoding). */
function toGeometry(v: unknown, where: string): { geometry: Geometry; wkb?: Uint8Array } {
  if (v === null || v === undefined)
    throw new BuildError(
      'NO_GEOMETRY',
      `${where} has no geometry; map the footprint column with columnMap: { geometry: '<column>' }`,
      { subject: where },
    );
  let g: unknown = v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('{')) {
      try {
        g = JSON.parse(s);
      } catch {
        throw new BuildError('INVALID_GEOMETRY', `${where}: geometry text is neither GeoJSON nor hex WKB`, {
          subject: where,
        });
      }
    } else if (/^([0-9a-f]{2})+$/i.test(s)) {
      g = Uint8Array.from(Buffer.from(s, 'hex'));
    } else {
      throw new BuildError('INVALID_GEOMETRY', `${where}: geometry text is neither GeoJSON nor hex WKB`, {
        subject: where,
      });
    }
  }
  if (g instanceof Uint8Array) {
    try {
      const geometry = readWkb(g);
      return isCanonicalWkb(g) ? { geometry, wkb: g } : { geometry };
    } catch (e) {
      throw new BuildError('INVALID_WKB', `${where}: ${(e as Error).message}`, { subject: where, cause: e });
    }
  }
  const o = g as { type?: unknown; coordinates?: unknown };
  if (
    o &&
    typeof o === 'object' &&
    typeof o.type === 'string' &&
    GEOJSON_TYPES.has(o.type) &&
    Array.isArray(o.coordinates)
  ) {
    try {
      // round trip through WKB: validates the nesting and finiteness, drops Z
      const wkb = writeWkb({ type: o.type, coordinates: stripZ(o.coordinates) } as Geometry);
      return { geometry: readWkb(wkb), wkb };
    } catch (e) {
      throw new BuildError('INVALID_GEOMETRY', `${where}: invalid GeoJSON ${o.type}: ${(e as Error).message}`, {
        subject: where,
        cause: e,
      });
    }
  }
  throw new BuildError(
    'INVALID_GEOMETRY',
    `${where}: geometry must be WKB, or a GeoJSON Point, Polygon or MultiPolygon; got ${o && typeof o === 'object' ? `type ${String(o.type)}` : typeof g}`,
    { subject: where },
  );
}

function stripZ(c: unknown): unknown {
  if (!Array.isArray(c)) throw new Error('coordinates must be nested arrays');
  if (typeof c[0] === 'number') {
    if (c.length < 2 || !c.every((x) => typeof x === 'number')) throw new Error(`bad position ${JSON.stringify(c)}`);
    return [c[0], c[1]];
  }
  return c.map(stripZ);
}

/** The [first, last] instants of a time value (a year covers the whole year). */
function toTime(v: unknown, where: string, what: string): [Date, Date] {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime()))
      throw new BuildError('BAD_DATE', `${where}: ${what} is an invalid Date`, { subject: where });
    return [v, v];
  }
  if (typeof v === 'bigint') v = Number(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 1000 && v <= 9999)
      return [new Date(Date.UTC(v, 0, 1)), new Date(Date.UTC(v + 1, 0, 1) - 1)];
    if (Number.isFinite(v)) return [new Date(v), new Date(v)];
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^\d{4}$/.test(s)) return toTime(Number(s), where, what);
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
    if (!Number.isNaN(d.getTime())) return [d, d];
  }
  throw new BuildError(
    'BAD_DATE',
    `${where}: ${what} ${JSON.stringify(String(v))} is not a date (use ISO 8601 text, a Date, epoch milliseconds or a year)`,
    { subject: where },
  );
}

function toAssets(rec: Record<string, unknown>, opts: RecordRowOptions, where: string): CatalogRow['assets'] {
  const assets: CatalogRow['assets'] = {};
  const bandMap = opts.bandIndexMap;
  if (opts.hrefColumn) {
    const href = rec[opts.hrefColumn];
    if (typeof href !== 'string' || href.length === 0)
      throw new BuildError('NO_ASSETS', `${where}: column "${opts.hrefColumn}" (hrefColumn) holds no href`, {
        subject: where,
      });
    if (bandMap) for (const [key, band] of Object.entries(bandMap)) assets[key] = { href, band };
    else assets[opts.assetKey ?? 'image'] = { href };
    return assets;
  }
  let raw = rec.assets;
  if (typeof raw === 'string' && raw.trim().startsWith('{')) {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new BuildError('NO_ASSETS', `${where}: assets text is not JSON`, { subject: where });
    }
  }
  // a DuckDB MAP arrives as [{ key, value }]
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((e) => [String((e as { key: unknown }).key), (e as { value: unknown }).value])
    : raw && typeof raw === 'object'
      ? Object.entries(raw)
      : [];
  for (const [key, a] of entries) {
    const href = typeof a === 'string' ? a : a && typeof a === 'object' ? (a as { href?: unknown }).href : undefined;
    if (typeof href !== 'string' || href.length === 0) continue;
    const b = a && typeof a === 'object' ? (a as { band?: unknown }).band : undefined;
    const band = bandMap?.[key] ?? (typeof b === 'number' || typeof b === 'bigint' ? Number(b) : undefined);
    assets[key] = band === undefined ? { href } : { href, band };
  }
  if (Object.keys(assets).length === 0)
    throw new BuildError(
      'NO_ASSETS',
      `${where} has no asset with an href; give it assets ({ key: { href } }) or pass hrefColumn`,
      { subject: where },
    );
  return assets;
}

function toCrs(rec: Record<string, unknown>, where: string): string {
  const v = rec.crs ?? rec['proj:code'] ?? rec['proj:epsg'];
  if (v === null || v === undefined) return 'EPSG:4326';
  try {
    return normalizeCrs(typeof v === 'bigint' ? Number(v) : (v as string | number));
  } catch (e) {
    throw new BuildError('UNKNOWN_CRS', `${where}: ${(e as GeosliceError).message}`, { subject: where, cause: e });
  }
}

/** Scalars, Dates, bytes and lists of scalars are kept as typed extra columns; nested objects are left out. */
function keepable(v: unknown): unknown {
  if (v === null) return null;
  const t = typeof v;
  if (t === 'string' || t === 'boolean' || t === 'bigint') return v;
  if (t === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Date || v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'bigint')) return v.map(Number);
  return undefined;
}

/** A column name the catalog accepts: letters, digits, `_ : . -`, starting with a letter or `_`. */
function columnName(k: string): string {
  const s = k.replace(/[^A-Za-z0-9_:.-]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}

/** The record's `backend` field: absent or null = `'raster'`, else one of {@link ROW_BACKENDS}. */
function toBackend(v: unknown, where: string): RowBackend {
  if (v === undefined || v === null) return 'raster';
  if (typeof v === 'string' && (ROW_BACKENDS as readonly string[]).includes(v)) return v as RowBackend;
  throw new BuildError(
    'BAD_RECORD',
    `${where}: backend ${JSON.stringify(v)} is not one of ${ROW_BACKENDS.join(', ')}`,
    {
      subject: where,
    },
  );
}
