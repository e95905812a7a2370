import { SamplerError } from '../errors.js';
import {
  type BBox,
  bboxIntersection,
  type Geometry,
  geometryBBox,
  type GeoSlice,
  normalizeCrs,
  readWkb,
} from '../geo/index.js';
import type { CatalogRow } from '../catalog/index.js';
import { placeChip, type PixelGrid } from './chip-placement.js';
import { placeByCorners } from './corner-placement.js';
import { flatPolygons } from '../geo/flat-polygons.js';
import { nativeGrid, type NativeGrid } from './native-grid.js';
import { checkCrs, checkResolution, checkSize, sizeInPixels, type CommonSamplerOptions } from './options.js';
import { geometryToCrs } from '../geo/reproject.js';
import { prepareRoi, type PreparedRoi } from './roi.js';

/**
 * What a sampler needs to cut a slice from a row, validated once.
 */
export interface ChipSpec {
  size: [height: number, width: number];
  units?: 'pixels' | 'crs';
  resolution?: [number, number];
  /** Canonical slice CRS; undefined = the row's native CRS. */
  crs?: string;
  roi?: PreparedRoi;
  gridAsset?: string;
  /** Without `crs`: the first planned row's CRS (and id); every later row must share it. */
  nativeCrs?: { crs: string; id: string };
  /** `crs: 'native'`: rows may be in different CRSs (each slice in its row's). */
  mixedCrs?: boolean;
}

/**
 * Validates the chip options every sampler shares (size, units, resolution, crs, roi, gridAsset)
 * into a {@link ChipSpec}; throws `SamplerError` `BAD_OPTION` naming the option.
 */
export function chipSpecOf(opts: CommonSamplerOptions): ChipSpec {
  return {
    size: checkSize(opts.size, opts.units),
    units: opts.units,
    resolution: checkResolution(opts.resolution),
    crs: opts.crs === 'native' ? undefined : checkCrs(opts.crs, 'crs'),
    mixedCrs: opts.crs === 'native',
    roi: prepareRoi(opts.roi, opts.roiCrs),
    gridAsset: opts.gridAsset,
  };
}

/**
 * A row's slice CRS and pixel grid (see {@link rowGrid}); shared, never mutated.
 */
export interface RowGrid {
  crs: string;
  grid: PixelGrid;
  native: NativeGrid | null;
}

/**
 * The pixel grid a row's slices are cut on: the raster's native grid when the slice CRS is the
 * row's CRS and the row carries grid columns (see {@link nativeGrid}) — with `resolution` if given,
 * anchored at the native origin — else multiples of `resolution` from the CRS origin.
 */
export function rowGrid(row: CatalogRow, spec: ChipSpec): RowGrid {
  let rowCrs: string;
  try {
    rowCrs = normalizeCrs(row.crs);
  } catch (e) {
    throw new SamplerError(
      'BAD_ROW',
      `row ${row.id}: its crs ${JSON.stringify(row.crs)} cannot be resolved (${(e as Error).message}); fix the catalog's crs column or pass the "crs" option`,
      { cause: e, subject: row.id },
    );
  }
  const crs = spec.crs ?? rowCrs;
  const native = crs === rowCrs ? nativeGrid(row, spec.gridAsset) : null;
  const res = spec.resolution ?? native?.res;
  if (!res) {
    throw new SamplerError(
      'NO_RESOLUTION',
      `row ${row.id}: no pixel size is known in ${crs} (the row has no transform/width/height or <asset>_cog grid columns${spec.crs && spec.crs !== rowCrs ? ', and the slice CRS is not its native CRS' : ''}); pass the "resolution" option`,
      { subject: row.id },
    );
  }
  return { crs, grid: { origin: native ? native.origin : [0, 0], res }, native };
}

/**
 * What a sampler keeps of a selected row until it cuts the slice: its id, slice CRS and pixel grid,
 * raster extent, a private copy of the footprint WKB and its time — never the row's extras, which
 * can be large (COG header caches), nor a view into a catalog batch buffer.
 */
export interface RowPlan {
  id: string;
  crs: string;
  grid: PixelGrid;
  nativeBounds?: BBox;
  wkb: Uint8Array;
  /** `tmin`, else `tmax`, in ms; null when undated. */
  time: number | null;
}

/**
 * Builds the {@link RowPlan} of a row (see {@link rowGrid} for the grid and its errors); `rg`, when
 * given, is the row's {@link rowGrid} already known (see {@link rowPlanner}).
 */
export function planRow(row: CatalogRow, spec: ChipSpec, rg: RowGrid = rowGrid(row, spec)): RowPlan {
  const { crs, grid, native } = rg;
  if (spec.crs === undefined && !spec.mixedCrs) {
    spec.nativeCrs ??= { crs, id: row.id };
    if (spec.nativeCrs.crs !== crs) {
      // slices in several CRSs would end up in one batch: refuse, naming both
      throw new SamplerError(
        'MIXED_CRS',
        `rows ${spec.nativeCrs.id} (${spec.nativeCrs.crs}) and ${row.id} (${crs}) are in different CRSs; pass \`crs\` (and \`resolution\`) to sample every row on one grid, \`crs: 'native'\` for slices in each row's own CRS, or filter the catalog to one CRS`,
        { subject: row.id },
      );
    }
  }
  const t = row.tmin ?? row.tmax;
  const g = row.geometry;
  // Copy only a view into a larger buffer (a catalog batch), which must not be kept alive.
  const wkb = g.byteOffset === 0 && g.byteLength === g.buffer.byteLength ? g : g.slice();
  return { id: row.id, crs, grid, nativeBounds: native?.bounds, wkb, time: t ? t.getTime() : null };
}

/**
 * The footprint of a row as a geometry (EPSG:4326), with the row named in the error when the WKB is bad.
 */
export function rowFootprint(row: CatalogRow): Geometry {
  try {
    return readWkb(row.geometry);
  } catch (e) {
    throw new SamplerError(
      'BAD_ROW',
      `row ${row.id}: its geometry cannot be read (${(e as Error).message}); rebuild the catalog row`,
      { cause: e, subject: row.id },
    );
  }
}

/**
 * A random chip for a planned row, inside the row's footprint ∩ roi (and inside the raster's extent
 * when its grid columns give it), on the row's grid (see {@link rowGrid}). When the slice CRS is not
 * EPSG:4326 and the footprint is a 2D (multi)polygon, the chip is first placed by
 * {@link placeByCorners} (its corners tested against the footprint as stored); when that cannot
 * decide, the footprint is transformed vertex by vertex and the chip placed by {@link placeChip},
 * which also handles footprints smaller than a chip.
 */
export function randomChip(plan: RowPlan, spec: ChipSpec, rng: () => number): GeoSlice {
  const { crs, grid } = plan;
  const size = sizeInPixels(spec.size, spec.units, grid.res);
  const roi = spec.roi?.inCrs(crs);
  // Chips stay inside the raster's own extent when it is known (the EPSG:4326 footprint of a
  // projected raster, projected back, bulges slightly beyond it).
  const clips = [roi ? geometryBBox(roi) : undefined, plan.nativeBounds];
  const flat = crs === 'EPSG:4326' ? null : flatPolygons(plan.wkb);
  let bounds = flat ? placeByCorners(flat, crs, roi, clips, grid, size, rng) : null;
  if (!bounds) {
    const fp = geometryToCrs(readWkb(plan.wkb), 'EPSG:4326', crs);
    let bbox = geometryBBox(fp);
    for (const clip of clips) if (clip) bbox = bboxIntersection(bbox, clip) ?? bbox;
    bounds = placeChip({ footprint: fp, roi, bbox }, grid, size, rng).bounds;
  }
  return { bounds, crs, resolution: [grid.res[0], grid.res[1]], rowId: plan.id };
}

const EPS = 1e-9;

/**
 * Snaps a box outward to a pixel grid (at least one pixel each way).
 */
export function snapOutward(b: BBox, grid: PixelGrid): BBox {
  const [ox, oy] = grid.origin;
  const [rx, ry] = grid.res;
  const k0 = Math.floor((b[0] - ox) / rx + EPS);
  const m0 = Math.floor((b[1] - oy) / ry + EPS);
  const k1 = Math.max(k0 + 1, Math.ceil((b[2] - ox) / rx - EPS));
  const m1 = Math.max(m0 + 1, Math.ceil((b[3] - oy) / ry - EPS));
  return [ox + k0 * rx, oy + m0 * ry, ox + k1 * rx, oy + m1 * ry];
}

/**
 * The row's own extent as a slice (`preChipped`): the native raster bounds when known, else the
 * footprint's box in the slice CRS, snapped outward to the row's grid. The roi does not clip it.
 */
export function extentSlice(plan: RowPlan): GeoSlice {
  const box = plan.nativeBounds ?? geometryBBox(geometryToCrs(readWkb(plan.wkb), 'EPSG:4326', plan.crs));
  return {
    bounds: snapOutward(box, plan.grid),
    crs: plan.crs,
    resolution: [plan.grid.res[0], plan.grid.res[1]],
    rowId: plan.id,
  };
}
