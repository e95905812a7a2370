/**
 * Parquet rows as read by hyparquet -> {@link CatalogRow}s, with the same column mapping as the DuckDB
 * reader (`geoparquet/reader.ts`) for geoslice's own files and the common third-party cases:
 * `id` (else `<file>#<row>`), `assets` as geoslice's MAP or a STAC struct of assets with `href`,
 * the covering `bbox` (else computed from the WKB), `tmin`/`tmax` (else STAC `start_datetime` /
 * `end_datetime` / `datetime`), `crs` (else `proj:code`, `proj:epsg`, else EPSG:4326); every other
 * column is an extra. Hive partition values (`col=value/` in the path) become extras too.
 */
import { CatalogError } from '../../errors.js';
import type { BBox } from '../../geo/bbox.js';
import { geometryBBox } from '../../geo/geometry.js';
import { readWkb } from '../../geo/wkb.js';
import { type CatalogRow, ROW_BACKENDS, type RowBackend } from '../types.js';

/**
 * What {@link toCatalogRow} needs to know about the file.
 */
export interface RowLayout {
  file: string;
  geometry: string;
  /** The covering struct column (`bbox`), or null. */
  coveringColumn: string | null;
  /** Hive partition values from the file's path. */
  hive: Record<string, string | number | null>;
}

const CONSUMED = ['id', 'assets', 'bbox', 'tmin', 'tmax', 'crs', 'backend'];

/**
 * One catalog row from a hyparquet object row (`index` = row number in the file, for generated ids).
 * Throws {@link CatalogError} `INVALID_ROW` naming the file and row when the geometry is not WKB.
 */
export function toCatalogRow(r: Record<string, unknown>, index: number, layout: RowLayout): CatalogRow {
  const where = `${layout.file} row ${index}`;
  const geometry = r[layout.geometry];
  if (!(geometry instanceof Uint8Array)) {
    throw new CatalogError('INVALID_ROW', `${where}: geometry column "${layout.geometry}" is not WKB bytes`, {
      subject: where,
    });
  }
  const id = r.id === undefined || r.id === null ? `${basename(layout.file)}#${index}` : String(r.id);
  const extras: Record<string, unknown> = {};
  const consumed = new Set([...CONSUMED, layout.geometry, layout.coveringColumn ?? 'bbox']);
  for (const [k, v] of Object.entries(r)) if (!consumed.has(k)) extras[k] = v;
  for (const [k, v] of Object.entries(layout.hive)) extras[k] ??= v;
  return {
    id,
    assets: assetsOf(r.assets),
    geometry,
    bbox: bboxOf(r[layout.coveringColumn ?? 'bbox'], geometry, where),
    tmin: dateOf(r.tmin ?? r.start_datetime ?? r.datetime),
    tmax: dateOf(r.tmax ?? r.end_datetime ?? r.datetime),
    crs: crsOf(r),
    backend: backendOf(r.backend, where),
    extras,
  };
}

function basename(href: string): string {
  return href.slice(href.lastIndexOf('/') + 1);
}

function assetsOf(v: unknown): CatalogRow['assets'] {
  const out: CatalogRow['assets'] = {};
  if (!v || typeof v !== 'object') return out;
  for (const [k, a] of Object.entries(v as Record<string, unknown>)) {
    if (!a || typeof a !== 'object') continue;
    const { href, band } = a as { href?: unknown; band?: unknown };
    if (typeof href !== 'string') continue;
    out[k] = typeof band === 'number' ? { href, band } : { href };
  }
  return out;
}

function bboxOf(v: unknown, geometry: Uint8Array, where: string): BBox {
  if (v && typeof v === 'object') {
    const b = v as Record<string, unknown>;
    const box = [b.xmin, b.ymin, b.xmax, b.ymax].map(Number);
    if (box.every(Number.isFinite)) return box as BBox;
  }
  try {
    return geometryBBox(readWkb(geometry));
  } catch (e) {
    throw new CatalogError('INVALID_ROW', `${where}: ${(e as Error).message}`, { cause: e, subject: where });
  }
}

function dateOf(v: unknown): Date | null {
  if (v instanceof Date) return v;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v);
  return null;
}

function crsOf(r: Record<string, unknown>): string {
  if (typeof r.crs === 'string') return r.crs;
  if (typeof r['proj:code'] === 'string') return r['proj:code'];
  const epsg = r['proj:epsg'];
  if (typeof epsg === 'number' || typeof epsg === 'bigint') return `EPSG:${epsg}`;
  return 'EPSG:4326';
}

/**
 * Hive partition values from a path: `…/year=2024/cell=7/part-0.parquet` -> `{ year: 2024, cell: 7 }`
 * (integers as numbers, `__HIVE_DEFAULT_PARTITION__` as null, as DuckDB reads it, everything else as text).
 */
export function hiveValues(path: string): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const seg of path.split('/').slice(0, -1)) {
    const m = /^([^=]+)=(.*)$/.exec(seg);
    if (m) {
      const v = decodeURIComponent(m[2]);
      out[m[1]] = v === '__HIVE_DEFAULT_PARTITION__' ? null : /^-?\d{1,15}$/.test(v) ? Number(v) : v;
    }
  }
  return out;
}

/** The `backend` column's value: absent or NULL (catalogs written before the column) = `'raster'`. */
function backendOf(v: unknown, where: string): RowBackend {
  if (v === undefined || v === null) return 'raster';
  if (typeof v === 'string' && (ROW_BACKENDS as readonly string[]).includes(v)) return v as RowBackend;
  throw new CatalogError(
    'INVALID_ROW',
    `${where}: backend ${JSON.stringify(v)} is not one of ${ROW_BACKENDS.join(', ')}`,
    {
      subject: where,
    },
  );
}
