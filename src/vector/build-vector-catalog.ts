/**
 * `buildVectorCatalog`: a GeoParquet catalog (the canonical schema, `backend = 'vector'`) over vector
 * files, with one row per file or one row per feature.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { atBoundary, BuildError, GeosliceError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { BBox } from '../geo/bbox.js';
import { resolveCrs } from '../geo/crs.js';
import type { Geometry } from '../geo/geometry.js';
import { footprintWgs84 } from '../geo/transform.js';
import { writeWkb } from '../geo/wkb.js';
import { writeRows, type BuildResult } from '../catalog/builders/build-raster-catalog.js';
import { SkipReport, type OnError } from '../catalog/builders/skipped.js';
import type { CatalogRow, GeoParquetWriteOptions } from '../catalog/types.js';
import { CORE_COLUMNS } from '../catalog/geoparquet/format.js';
import { openCatalog } from '../catalog/open.js';
import type { DuckDBCatalog } from '../catalog/duckdb/catalog.js';
import { vectorBBox, writeVectorWkb } from './geometry.js';
import { openVectorLayer } from './open.js';
import { reprojectGeometry } from './reproject.js';
import type { LayerFeature, VectorLayer } from './types.js';

/**
 * Options of {@link buildVectorCatalog}.
 */
export interface BuildVectorOptions extends Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression' | 'sortBy'> {
  /** The GeoParquet catalog to write (replaced atomically). */
  out: string;
  /**
   * 'file' (default): one row per file, footprint = the extent of its features, extras `layer`,
   * `format`, `feature_count`, `fields`. 'feature': one row per feature (the label table): footprint =
   * the feature in EPSG:4326 (its bounding box for lines and multi-points), extras `layer`,
   * `feature_index`, `feature_wkb` (the geometry in the file's CRS, the row's `crs`) and every property
   * as a column (a name clashing with a catalog column gets the prefix `property_`).
   */
  granularity?: 'file' | 'feature';
  /** Per-feature time: property names of the start (and end; default the start) as ISO dates or epoch ms. */
  time?: { start: string; end?: string };
  /** Asset key of the file. Default 'vector'. */
  assetKey?: string;
  /** Default 'fail': the first unreadable file stops the build; 'skip' lists it in `skipped`. */
  onError?: OnError;
}

/** The keys of {@link BuildVectorOptions} (the compiler checks the list is complete). */
export const BUILD_VECTOR_OPTION_KEYS = optionKeys<BuildVectorOptions>()([
  'rowGroupSize',
  'compression',
  'sortBy',
  'out',
  'granularity',
  'time',
  'assetKey',
  'onError',
]);

/** The columns a vector catalog adds for its own use. */
const SYSTEM = new Set(['backend', 'layer', 'format', 'feature_count', 'fields', 'feature_index', 'feature_wkb']);

async function expand(inputs: string | readonly string[]): Promise<string[]> {
  const list: string[] = [];
  for (const input of typeof inputs === 'string' ? [inputs] : inputs) {
    if (/^https?:\/\//i.test(input) || (existsSync(input) && statSync(input).isFile())) list.push(input);
    else {
      const found = (await glob(input, { absolute: true })).sort();
      if (found.length === 0)
        throw new BuildError('NOT_FOUND', `${input} matches no vector file; check the path or glob`, {
          subject: input,
        });
      list.push(...found);
    }
  }
  return list.map((p) => (/^https?:\/\//i.test(p) ? p : resolve(p)));
}

/**
 * Builds a vector catalog: every row has `backend = 'vector'`, the asset `vector` (the file), the
 * layer's CRS in `crs`, and an EPSG:4326 footprint, so it queries, unions and intersects with raster
 * catalogs like any other. Returns the opened catalog. Throws {@link BuildError} (`NOT_FOUND`,
 * `UNREADABLE` naming the file and feature, `NO_ROWS`).
 */
export async function buildVectorCatalog(
  inputs: string | readonly string[],
  opts: BuildVectorOptions,
): Promise<BuildResult> {
  return atBoundary(BuildError, 'buildVectorCatalog', () => buildVectorCatalogUnguarded(inputs, opts));
}

async function buildVectorCatalogUnguarded(
  inputs: string | readonly string[],
  opts: BuildVectorOptions,
): Promise<BuildResult> {
  if (!opts || typeof opts !== 'object') throw new BuildError('BAD_OPTION', 'buildVectorCatalog needs options { out }');
  checkOptionKeys(opts, BUILD_VECTOR_OPTION_KEYS, 'buildVectorCatalog', BuildError);
  if (typeof inputs !== 'string' && !Array.isArray(inputs))
    throw new BuildError('BAD_OPTION', `inputs must be a path or a list of paths, got ${String(inputs)}`);
  const granularity = opts.granularity ?? 'file';
  if (granularity !== 'file' && granularity !== 'feature')
    throw new BuildError('BAD_OPTION', `granularity must be 'file' or 'feature', got ${JSON.stringify(granularity)}`);
  const files = await expand(inputs);
  const report = new SkipReport(opts.onError ?? 'fail');
  const key = opts.assetKey ?? 'vector';
  // Column names are case-insensitive in DuckDB: properties spelt differently in different files share the first spelling.
  const spelling = new Map<string, string>();
  async function* rows(): AsyncGenerator<CatalogRow> {
    for (const href of files) {
      let layer: VectorLayer;
      try {
        layer = await openVectorLayer(href);
      } catch (e) {
        report.add(unreadable(e, href), href);
        continue;
      }
      try {
        if (granularity === 'file') {
          const row = await fileRow(layer, key);
          if (row) yield row;
        } else {
          for await (const f of layer.features()) yield featureRow(layer, f, key, opts.time, spelling);
        }
      } catch (e) {
        if (granularity === 'feature') throw unreadable(e, href);
        report.add(unreadable(e, href), href);
      }
    }
  }
  const n = await writeRows(rows(), opts.out, opts, report);
  const catalog = (await openCatalog(opts.out)) as DuckDBCatalog;
  return { catalog, rows: n, skipped: report.skipped };
}

function unreadable(e: unknown, href: string): BuildError {
  if (e instanceof BuildError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new BuildError(
    e instanceof GeosliceError ? e.code : 'UNREADABLE',
    msg.startsWith(href) ? msg : `${href}: ${msg}`,
    {
      subject: href,
      cause: e,
    },
  );
}

async function fileRow(layer: VectorLayer, key: string): Promise<CatalogRow | null> {
  let extent: BBox | null = null;
  let count = 0;
  for await (const f of layer.features()) {
    count++;
    const b = vectorBBox(f.geometry);
    if (!b) continue;
    extent = extent
      ? [Math.min(extent[0], b[0]), Math.min(extent[1], b[1]), Math.max(extent[2], b[2]), Math.max(extent[3], b[3])]
      : b;
  }
  if (!extent) {
    throw new BuildError('EMPTY_LAYER', `${layer.href} has no features with a geometry, so it has no footprint`, {
      subject: layer.href,
    });
  }
  const footprint = footprintOfBox(extent, layer.crs);
  return {
    id: layer.name,
    assets: { [key]: { href: layer.href } },
    geometry: writeWkb(footprint.geometry),
    bbox: footprint.bbox,
    tmin: null,
    tmax: null,
    crs: layer.crs,
    backend: 'vector',
    extras: { layer: layer.name, format: layer.format, feature_count: count, fields: layer.fields },
  };
}

/** The EPSG:4326 footprint of a box (a degenerate box, e.g. one point, is grown by a hair so it is a polygon). */
function footprintOfBox(b: BBox, crs: string): { geometry: Geometry; bbox: BBox } {
  const eps = resolveCrs(crs).geographic ? 1e-9 : 1e-4;
  const box: BBox = [b[0], b[1], b[2] > b[0] ? b[2] : b[0] + eps, b[3] > b[1] ? b[3] : b[1] + eps];
  return footprintWgs84(box, crs);
}

function featureRow(
  layer: VectorLayer,
  f: LayerFeature,
  key: string,
  time: BuildVectorOptions['time'],
  spelling: Map<string, string>,
): CatalogRow {
  const where = `${layer.href} ${f.id}`;
  const wgs =
    layer.crs === 'EPSG:4326'
      ? f.geometry
      : reprojectGeometry(f.geometry, layer.crs, 'EPSG:4326', { tolerance: 1e-6, where });
  let geometry: Uint8Array;
  let bbox: BBox;
  const b = vectorBBox(wgs);
  if (!b) throw new BuildError('BAD_FEATURE', `${where} has an empty geometry`, { subject: where });
  if (wgs.type === 'Point' || wgs.type === 'Polygon' || wgs.type === 'MultiPolygon') {
    geometry = writeWkb(wgs);
    bbox = b;
  } else {
    const fp = footprintOfBox(b, 'EPSG:4326');
    geometry = writeWkb(fp.geometry);
    bbox = fp.bbox;
  }
  const extras: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f.properties)) {
    const own =
      SYSTEM.has(k.toLowerCase()) || (CORE_COLUMNS as readonly string[]).includes(k.toLowerCase())
        ? `property_${k}`
        : k;
    const lower = own.toLowerCase();
    const name = spelling.get(lower) ?? own;
    spelling.set(lower, name);
    extras[name] = v === undefined ? null : v;
  }
  Object.assign(extras, {
    layer: layer.name,
    feature_index: Number(f.id.slice(f.id.lastIndexOf('#') + 1)),
    feature_wkb: writeVectorWkb(f.geometry),
  });
  const start = time ? toDate(f.properties[time.start], where, time.start) : null;
  const end = time ? toDate(f.properties[time.end ?? time.start], where, time.end ?? time.start) : null;
  return {
    id: f.id,
    assets: { [key]: { href: layer.href } },
    geometry,
    bbox,
    tmin: start,
    tmax: end,
    crs: layer.crs,
    backend: 'vector',
    extras,
  };
}

function toDate(v: unknown, where: string, prop: string): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : typeof v === 'number' || typeof v === 'string' ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new BuildError('BAD_TIME', `${where}: property ${prop} = ${JSON.stringify(v)} is not a date`, {
      subject: where,
    });
  return d;
}

/**
 * True when a catalog column name is one a vector build adds (not a feature property).
 */
export function isVectorSystemColumn(name: string): boolean {
  return SYSTEM.has(name);
}
