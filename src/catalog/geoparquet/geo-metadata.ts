/**
 * The GeoParquet `geo` footer metadata: building it for the files geoslice writes and interpreting
 * it (versions 0.4 to 2.0-dev) for the files it opens.
 */
import { CatalogError } from '../../errors.js';
import type { BBox } from '../../geo/bbox.js';

/**
 * The `geo` metadata object (the subset geoslice writes and reads).
 */
export interface GeoMetadata {
  version: string;
  primary_column: string;
  columns: Record<string, GeoColumnMetadata>;
}

/**
 * Per-column `geo` metadata.
 */
export interface GeoColumnMetadata {
  encoding: string;
  geometry_types: string[];
  crs?: unknown;
  bbox?: number[];
  edges?: string;
  covering?: { bbox?: Record<'xmin' | 'ymin' | 'xmax' | 'ymax', string[]> };
  [k: string]: unknown;
}

/**
 * Builds the `geo` metadata of a geoslice catalog file: WKB geometry in OGC:CRS84 (crs omitted),
 * the given geometry types and bounds, and (for 1.1.0 and 2.0) the `bbox` covering column. Version
 * '2.0' is written as "2.0.0" (as DuckDB 1.5 writes it; the geometry column then has Parquet's GEOMETRY type).
 */
export function buildGeoMetadata(opts: {
  geometryTypes: string[];
  bbox: BBox | null;
  version?: '1.1.0' | '1.0.0' | '2.0';
}): GeoMetadata {
  const version = opts.version === '2.0' ? '2.0.0' : (opts.version ?? '1.1.0');
  const column: GeoColumnMetadata = { encoding: 'WKB', geometry_types: [...new Set(opts.geometryTypes)].sort() };
  if (opts.bbox) column.bbox = [...opts.bbox];
  if (version !== '1.0.0') {
    column.covering = {
      bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] },
    };
  }
  return { version, primary_column: 'geometry', columns: { geometry: column } };
}

/**
 * What a reader needs from a file's `geo` metadata.
 */
export interface GeoColumnInfo {
  version: string;
  /** The primary geometry column. */
  column: string;
  /** The covering bbox column paths, when declared (1.1+): e.g. `{ xmin: ['bbox', 'xmin'], ... }`. */
  covering: Record<'xmin' | 'ymin' | 'xmax' | 'ymax', string[]> | null;
}

const GEOARROW = new Set(['point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon']);

/**
 * Validates a file's `geo` metadata for use as a catalog and extracts the primary column and
 * covering. Throws {@link CatalogError} naming the file: `BAD_GEO_METADATA` (not JSON / no primary
 * column), `UNSUPPORTED_ENCODING` (GeoArrow native encodings: only WKB is read) or `UNSUPPORTED_CRS`
 * (footprints must be in EPSG:4326 / OGC:CRS84; a null CRS means unknown and is refused too).
 */
export function interpretGeoMetadata(json: string, file: string): GeoColumnInfo {
  let meta: GeoMetadata;
  try {
    meta = JSON.parse(json) as GeoMetadata;
  } catch (e) {
    throw new CatalogError(
      'BAD_GEO_METADATA',
      `${file}: the "geo" metadata is not valid JSON (${(e as Error).message}); rewrite the file with a GeoParquet writer`,
      { subject: file, cause: e },
    );
  }
  const column = meta?.primary_column;
  const col = typeof column === 'string' ? meta.columns?.[column] : undefined;
  if (!col) {
    throw new CatalogError(
      'BAD_GEO_METADATA',
      `${file}: the "geo" metadata names no primary geometry column (primary_column ${JSON.stringify(column)}); rewrite the file with a GeoParquet writer`,
      { subject: file },
    );
  }
  const encoding = String(col.encoding ?? '');
  if (encoding.toUpperCase() !== 'WKB') {
    const kind = GEOARROW.has(encoding.toLowerCase())
      ? `GeoArrow native encoding "${encoding}"`
      : `encoding ${JSON.stringify(col.encoding)}`;
    throw new CatalogError(
      'UNSUPPORTED_ENCODING',
      `${file}: geometry column "${column}" uses the ${kind}; geoslice reads WKB only — convert it, e.g. with GDAL: ogr2ogr -lco GEOMETRY_ENCODING=WKB out.parquet in.parquet`,
      { subject: `${file}:${column}` },
    );
  }
  if ('crs' in col) checkCrs(col.crs, file, column);
  const cov = col.covering?.bbox;
  const covering =
    cov && ['xmin', 'ymin', 'xmax', 'ymax'].every((k) => Array.isArray((cov as Record<string, unknown>)[k]))
      ? cov
      : null;
  return { version: String(meta.version ?? ''), column, covering };
}

function checkCrs(crs: unknown, file: string, column: string): void {
  if (isWgs84(crs)) return;
  const name = crs === null ? 'null (unknown)' : describeCrs(crs);
  throw new CatalogError(
    'UNSUPPORTED_CRS',
    `${file}: geometry column "${column}" has CRS ${name}; catalog footprints must be in EPSG:4326 / OGC:CRS84 — reproject the file (e.g. ogr2ogr -t_srs EPSG:4326)`,
    { subject: `${file}:${column}` },
  );
}

function isWgs84(crs: unknown): boolean {
  if (typeof crs === 'string')
    return /^(EPSG:4326|OGC:CRS84|urn:ogc:def:crs:OGC:1\.3:CRS84|urn:ogc:def:crs:EPSG::4326)$/i.test(crs.trim());
  if (!crs || typeof crs !== 'object') return false;
  const c = crs as { id?: { authority?: string; code?: unknown }; type?: string; name?: string };
  if (c.id) {
    const auth = String(c.id.authority ?? '').toUpperCase();
    const code = String(c.id.code ?? '').toUpperCase();
    return (auth === 'EPSG' && code === '4326') || (auth === 'OGC' && code === 'CRS84');
  }
  return c.type === 'GeographicCRS' && (c.name === 'WGS 84' || c.name === 'WGS 84 (CRS84)');
}

function describeCrs(crs: unknown): string {
  if (typeof crs === 'string') return JSON.stringify(crs);
  const c = crs as { id?: { authority?: string; code?: unknown }; name?: string };
  if (c?.id) return `${c.id.authority}:${String(c.id.code)}${c.name ? ` (${c.name})` : ''}`;
  return c?.name ? JSON.stringify(c.name) : 'a non-WGS 84 PROJJSON';
}
