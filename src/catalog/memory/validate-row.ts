/**
 * Validation of user-supplied {@link CatalogRow}s before they enter an in-memory catalog.
 */
import { resolveCrs } from '../../geo/crs.js';
import { CatalogError, GeosliceError } from '../../errors.js';
import { type BBox, type Geometry, geometryBBox, readWkb } from '../../geo/index.js';
import { type CatalogRow, type CatalogRowInput, ROW_BACKENDS, type RowBackend } from '../types.js';
import { CORE_COLUMNS } from '../geoparquet/format.js';

/**
 * The column names every catalog has; extras may not reuse them.
 */
export const CORE_NAMES: ReadonlySet<string> = new Set(CORE_COLUMNS);

/** Slack allowed between a footprint's own bounds and the row's `bbox` (degrees), for rounding in writers. */
const BBOX_SLACK = 1e-9;

/**
 * A validated row with its parsed footprint.
 */
export interface ValidRow {
  /** A copy of the input row (assets, bbox and extras copied too). */
  row: CatalogRow;
  /** The footprint parsed from `row.geometry`. */
  geom: Geometry;
}

/**
 * Checks one row and returns a private copy with its parsed geometry. Throws {@link CatalogError}
 * `INVALID_ROW` naming the row id and index and the bad field: `id` must be a non-empty string,
 * `geometry` valid WKB whose bounds lie inside `bbox`, `bbox` four finite EPSG:4326 numbers with
 * min <= max, `tmin`/`tmax` valid Dates or null with `tmin <= tmax`, `crs` a CRS that parses,
 * `backend` one of `'raster' | 'vector' | 'xarray'` (missing or null = `'raster'`),
 * `assets` an object of `{ href, band? }`, `extras` an object (missing = `{}`) without core column names.
 */
export function validateRow(input: CatalogRowInput, index: number): ValidRow {
  const where = `row ${index}${input && typeof input.id === 'string' && input.id !== '' ? ` (id ${JSON.stringify(input.id)})` : ''}`;
  const bad = (field: string, why: string, cause?: unknown): never => {
    throw new CatalogError('INVALID_ROW', `${where}: ${field} ${why}; fix the row before building the catalog`, {
      subject: typeof input?.id === 'string' && input.id !== '' ? input.id : `row ${index}`,
      cause,
    });
  };
  if (typeof input !== 'object' || input === null) bad('row', 'is not an object');
  if (typeof input.id !== 'string' || input.id.length === 0) bad('id', 'must be a non-empty string');
  if (typeof input.crs !== 'string' || input.crs.length === 0)
    bad('crs', 'must be a non-empty string such as "EPSG:32633"');
  try {
    resolveCrs(input.crs);
  } catch (e) {
    bad('crs', `${JSON.stringify(input.crs)} does not parse (${(e as Error).message})`, e);
  }

  const b = input.bbox;
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    bad('bbox', `must be [xmin, ymin, xmax, ymax] finite numbers, got ${JSON.stringify(b)}`);
  }
  if (b[0] > b[2] || b[1] > b[3])
    bad('bbox', `has min > max: ${JSON.stringify(b)} (antimeridian footprints must be split into a MultiPolygon)`);
  if (b[0] < -180 - BBOX_SLACK || b[2] > 180 + BBOX_SLACK || b[1] < -90 - BBOX_SLACK || b[3] > 90 + BBOX_SLACK) {
    bad('bbox', `is outside EPSG:4326 longitude/latitude range: ${JSON.stringify(b)}`);
  }

  if (!(input.geometry instanceof Uint8Array)) bad('geometry', 'must be a Uint8Array of WKB');
  let geom: Geometry;
  try {
    geom = readWkb(input.geometry);
  } catch (e) {
    return bad('geometry', `is not valid WKB (${e instanceof GeosliceError ? e.message : String(e)})`, e);
  }
  const gb = geometryBBox(geom);
  if (
    gb[0] < b[0] - BBOX_SLACK ||
    gb[1] < b[1] - BBOX_SLACK ||
    gb[2] > b[2] + BBOX_SLACK ||
    gb[3] > b[3] + BBOX_SLACK
  ) {
    bad('bbox', `${JSON.stringify(b)} does not contain the footprint's bounds ${JSON.stringify(gb)}`);
  }

  for (const k of ['tmin', 'tmax'] as const) {
    const v = input[k];
    if (v !== null && !(v instanceof Date && !Number.isNaN(v.getTime())))
      bad(k, `must be a valid Date or null, got ${String(v)}`);
  }
  if (input.tmin && input.tmax && input.tmin.getTime() > input.tmax.getTime()) {
    bad('tmin', `${input.tmin.toISOString()} is after tmax ${input.tmax.toISOString()}`);
  }

  if (typeof input.assets !== 'object' || input.assets === null || Array.isArray(input.assets))
    bad('assets', 'must be an object of { href, band? }');
  const assets: CatalogRow['assets'] = {};
  for (const [key, a] of Object.entries(input.assets)) {
    if (typeof a !== 'object' || a === null || typeof a.href !== 'string' || a.href.length === 0)
      bad(`assets.${key}`, 'must be { href: string, band?: number }');
    if (a.band !== undefined && a.band !== null && !(Number.isInteger(a.band) && a.band >= 1))
      bad(`assets.${key}.band`, `must be a 1-based integer, got ${String(a.band)}`);
    assets[key] = a.band === undefined || a.band === null ? { href: a.href } : { href: a.href, band: a.band };
  }

  const backend: RowBackend = input.backend ?? 'raster';
  if (!ROW_BACKENDS.includes(backend))
    bad('backend', `must be one of ${ROW_BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);

  const extrasIn = input.extras ?? {};
  if (typeof extrasIn !== 'object' || Array.isArray(extrasIn)) bad('extras', 'must be an object of extra columns');
  for (const k of Object.keys(extrasIn)) {
    if (CORE_NAMES.has(k)) bad(`extras.${k}`, 'reuses a core column name; rename the extra column');
  }
  const bbox: BBox = [b[0], b[1], b[2], b[3]];
  return {
    row: {
      id: input.id,
      assets,
      geometry: input.geometry,
      bbox,
      tmin: input.tmin,
      tmax: input.tmax,
      crs: input.crs,
      backend,
      extras: { ...extrasIn },
    },
    geom,
  };
}
