/**
 * `loadVector`: the features of a vector catalog that intersect a slice, in the slice's CRS.
 */
import type { CatalogRow, GeoCatalog } from '../catalog/types.js';
import { atBoundary, VectorError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { BBox } from '../geo/bbox.js';
import { resolveCrs } from '../geo/crs.js';
import { describeSlice, type GeoSlice, validateSlice } from '../geo/slice.js';
import { transformBBox } from '../geo/transform.js';
import { isVectorSystemColumn } from './build-vector-catalog.js';
import { clipToBox, geometryIntersectsBox } from './clip.js';
import { readVectorWkb, type VectorGeometry } from './geometry.js';
import { openVectorLayer } from './open.js';
import { reprojectGeometry } from './reproject.js';
import type { VectorLayer } from './types.js';

/**
 * Options of {@link loadVector}.
 */
export interface LoadVectorOptions {
  /** Cut geometries to the slice's bounds. Default false (whole features). */
  clip?: boolean;
  /** Densify reprojected edges to within this many pixels of the true curve. Default 0.125; false: vertices only. */
  densify?: number | false;
}

/** The keys of {@link LoadVectorOptions} (the compiler checks the list is complete). */
export const LOAD_VECTOR_OPTION_KEYS = optionKeys<LoadVectorOptions>()(['clip', 'densify']);

/**
 * A feature loaded for a slice: geometry in the slice's CRS, its properties, and where it came from.
 */
export interface SliceFeature {
  /** `<layer>#<index in its file>`. */
  id: string;
  /** The catalog row it came from. */
  rowId: string;
  geometry: VectorGeometry;
  properties: Record<string, unknown>;
}

/**
 * The features of the catalog's vector rows (`backend = 'vector'`; other rows are ignored) that
 * intersect the slice (and its interval), reprojected into the slice's CRS and optionally clipped.
 * Rows are found with the catalog's spatial query; per-file rows read their file with a bbox query
 * (FlatGeobuf R-tree, GeoParquet row groups); each candidate then gets the exact geometry test.
 * Throws {@link VectorError} naming the row or file that cannot be read.
 */
export async function loadVector(
  catalog: GeoCatalog,
  slice: GeoSlice,
  opts: LoadVectorOptions = {},
): Promise<SliceFeature[]> {
  return atBoundary(VectorError, 'loadVector', () => loadVectorUnguarded(catalog, slice, opts));
}

async function loadVectorUnguarded(
  catalog: GeoCatalog,
  slice: GeoSlice,
  opts: LoadVectorOptions = {},
): Promise<SliceFeature[]> {
  validateSlice(slice);
  checkOptionKeys(opts, LOAD_VECTOR_OPTION_KEYS, 'loadVector', VectorError);
  const densify = opts.densify === undefined ? 0.125 : opts.densify;
  const tolerance = densify === false ? 0 : densify * Math.min(...slice.resolution);
  const sliceCrs = resolveCrs(slice.crs).code;
  const out: SliceFeature[] = [];
  const layers = new Map<string, Promise<VectorLayer>>();
  const keep = (g: VectorGeometry, crs: string, where: string): VectorGeometry | null => {
    const p = reprojectGeometry(g, crs, sliceCrs, { tolerance, where });
    if (!geometryIntersectsBox(p, slice.bounds)) return null;
    return opts.clip ? clipToBox(p, slice.bounds) : p;
  };
  for await (const row of catalog.query(slice).rows()) {
    if (row.backend !== 'vector') continue;
    const wkb = row.extras.feature_wkb;
    if (wkb instanceof Uint8Array) {
      const where = `catalog row ${row.id}`;
      const g = readVectorWkb(wkb, where);
      const kept = g && keep(g, row.crs, where);
      if (kept) out.push({ id: row.id, rowId: row.id, geometry: kept, properties: propertiesOf(row) });
      continue;
    }
    const href = fileOf(row);
    let layer = layers.get(href);
    if (!layer) {
      layer = openVectorLayer(href);
      layers.set(href, layer);
    }
    const l = await layer;
    for await (const f of l.features({ bbox: boundsIn(slice, l.crs) })) {
      const kept = keep(f.geometry, l.crs, `${href} ${f.id}`);
      if (kept) out.push({ id: f.id, rowId: row.id, geometry: kept, properties: f.properties });
    }
  }
  return out;
}

function propertiesOf(row: CatalogRow): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row.extras)) if (!isVectorSystemColumn(k)) p[k] = v;
  return p;
}

function fileOf(row: CatalogRow): string {
  const assets = Object.values(row.assets);
  const a = row.assets.vector ?? (assets.length === 1 ? assets[0] : undefined);
  if (!a) {
    throw new VectorError(
      'BAD_ROW',
      `catalog row ${row.id} is a vector row without a "vector" asset (assets: ${Object.keys(row.assets).join(', ') || 'none'}); rebuild it with buildVectorCatalog`,
      { subject: row.id },
    );
  }
  return a.href;
}

/** The slice's bounds in the layer's CRS (all longitudes when it crosses the antimeridian there). */
function boundsIn(slice: GeoSlice, crs: string): BBox {
  try {
    const b = transformBBox(slice.bounds, slice.crs, crs);
    return b[0] > b[2] ? [-180, b[1], 180, b[3]] : b;
  } catch (e) {
    throw new VectorError('TRANSFORM_FAILED', `${describeSlice(slice)} cannot be expressed in ${crs}`, { cause: e });
  }
}
