import Flatbush from 'flatbush';
import { iterateAtBoundary, SamplerError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { CatalogRow, GeoCatalog } from '../catalog/index.js';
import {
  type BBox,
  bboxIntersection,
  bboxToPolygon,
  bboxUnion,
  type CrsInput,
  type Geometry,
  geometryBBox,
  type GeoSlice,
  type TimeInterval,
} from '../geo/index.js';
import type { PixelGrid } from './chip-placement.js';
import { axisOffsets, type GridEdge } from './grid-layout.js';
import { badOption } from './bad-option.js';
import {
  checkCrs,
  checkSeed,
  checkShard,
  checkSize,
  COMMON_SAMPLER_OPTION_KEYS,
  samplerInput,
  sizeInPixels,
  type CommonSamplerOptions,
} from './options.js';
import { rectOverlapsGeometry } from '../geo/rect-geometry.js';
import { footprintOverlapsRoi } from './roi.js';
import { densifiedBox, geometryToCrs } from '../geo/reproject.js';
import { chipSpecOf, extentSlice, planRow, rowFootprint, rowGrid, type ChipSpec } from './row-chip.js';
import { samplerSource } from './source.js';
import { planTemporal, timedSlice, type TemporalPlan } from './temporal.js';
import { keyPrefix, textRng } from './keys/index.js';

/**
 * Options of {@link gridSampler}.
 */
export interface GridSamplerOptions extends CommonSamplerOptions {
  /** Step between tiles, pixels (or CRS units with `units: 'crs'`); one number or `[y, x]`. Default: `size` (no overlap). */
  stride?: number | [y: number, x: number];
  /** Default `'snap'`; see {@link GridEdge}. */
  edge?: GridEdge;
  /** CRS of a region given as a box or geometry. Default: `crs`, else EPSG:4326. */
  regionCrs?: CrsInput;
  /**
   * Anchor of the pixel grid (grid lines at `origin + k * resolution`). Default: the native grid of
   * the catalog row with the smallest id when the grid CRS is its native CRS, else the CRS origin.
   */
  gridOrigin?: [x: number, y: number];
}

/** The keys of {@link GridSamplerOptions}. */
export const GRID_SAMPLER_OPTION_KEYS = optionKeys<GridSamplerOptions>()([
  ...COMMON_SAMPLER_OPTION_KEYS,
  'stride',
  'edge',
  'regionCrs',
  'gridOrigin',
]);

interface Region {
  crs: string;
  grid: PixelGrid;
  footprints: Geometry[];
  boxes: BBox[];
  roi?: Geometry;
  times: { tmin: number; tmax: number };
}

/**
 * Tiles a region on ONE pixel grid, row-major from the north-west corner, deterministically.
 *
 * The region is the union of the (queried) catalog's footprints, or an AOI box/polygon, clipped to
 * `roi`. Its bounding box is snapped outward to the grid, and tiles of `size` are laid out every
 * `stride` pixels with {@link axisOffsets} (tile count per axis: {@link tilesAlong}). A tile is
 * yielded once — however many footprints it overlaps — and only when it shares area with some
 * footprint (and with the roi): tiles touching no footprint are skipped. With `stride <= size` and
 * `edge: 'snap'` every pixel of the region is covered and no tile leaves the region's box.
 *
 * The grid CRS is `crs`, else the rows' common native CRS (rows in different CRSs need `crs`).
 * `resolution` defaults to the anchor row's native resolution. Footprints are kept in memory (one
 * polygon per row, indexed with an R-tree) — query the catalog down to the area you tile. With
 * `preChipped`, each row's own extent is streamed instead (cursor order, no memory).
 * `shard` yields tiles `rank, rank + worldSize, ...`; `temporal` repeats (sequential) or times
 * (random, seeded by `seed`/`epoch`) each tile.
 *
 * @example
 * ```ts
 * import { createLoader, createStitcher, gridSampler, openCatalog, type GeoSlice } from 'geoslice';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog });
 * const grid: GeoSlice = { bounds: [500000, 4000000, 520000, 4020000], crs: 'EPSG:32633', resolution: [10, 10] };
 * const stitcher = createStitcher({ grid, bands: 1, values: 'regression' });
 * for await (const chip of loader.chips(gridSampler(catalog, { size: 256, stride: 192, crs: grid.crs, resolution: 10 }))) {
 *   stitcher.add(chip.slice, new Float32Array(256 * 256).fill(chip.data[0])); // your model's prediction here
 * }
 * await stitcher.write('band1.tif');
 * ```
 */
export function gridSampler(source: GeoCatalog | BBox | Geometry, opts: GridSamplerOptions): AsyncGenerator<GeoSlice> {
  return iterateAtBoundary(SamplerError, `gridSampler ${samplerInput(source)}`, sampleGrid(source, opts));
}

async function* sampleGrid(source: GeoCatalog | BBox | Geometry, opts: GridSamplerOptions): AsyncGenerator<GeoSlice> {
  const { seed, epoch } = checkSeed(opts);
  checkOptionKeys(opts, GRID_SAMPLER_OPTION_KEYS, 'gridSampler', SamplerError);
  const shard = checkShard(opts.shard);
  const edge = opts.edge ?? 'snap';
  if (edge !== 'snap' && edge !== 'pad' && edge !== 'center') badOption('edge', edge, "pass 'snap', 'pad' or 'center'");
  const spec: ChipSpec = chipSpecOf(opts);
  const stride = opts.stride === undefined ? undefined : checkSize(opts.stride, opts.units);
  if (
    opts.gridOrigin !== undefined &&
    !(Array.isArray(opts.gridOrigin) && opts.gridOrigin.length === 2 && opts.gridOrigin.every(Number.isFinite))
  ) {
    badOption('gridOrigin', opts.gridOrigin, 'pass [x, y] in the grid CRS');
  }
  const plan = opts.temporal ? planTemporal(opts.temporal, opts.interval) : undefined;
  const prefix = keyPrefix(seed, epoch);

  if (isCatalog(source) && opts.preChipped) {
    yield* preChippedRows(source, spec, opts, plan, shard, prefix);
    return;
  }
  if (!isCatalog(source) && opts.preChipped)
    badOption('preChipped', true, 'preChipped tiles a catalog by its rows; pass a catalog, not a region');
  const region = isCatalog(source) ? await catalogRegion(source, spec, opts) : aoiRegion(source, spec, opts);
  if (region.footprints.length === 0) return;

  const res = region.grid.res;
  const [h, w] = sizeInPixels(spec.size, spec.units, res);
  const [sy, sx] = stride ? sizeInPixels(stride, spec.units, res) : [h, w];
  let box = region.boxes.reduce(bboxUnion);
  if (region.roi) {
    const clipped = bboxIntersection(box, geometryBBox(region.roi));
    if (!clipped) return;
    box = clipped;
  }
  const [ox, oy] = region.grid.origin;
  const [rx, ry] = res;
  const EPS = 1e-9;
  const left = Math.floor((box[0] - ox) / rx + EPS);
  const right = Math.ceil((box[2] - ox) / rx - EPS);
  const top = Math.ceil((box[3] - oy) / ry - EPS);
  const bottom = Math.floor((box[1] - oy) / ry + EPS);
  const cols = axisOffsets(Math.max(1, right - left), w, sx, edge);
  const rows = axisOffsets(Math.max(1, top - bottom), h, sy, edge);

  const index = new Flatbush(region.boxes.length);
  for (const b of region.boxes) index.add(b[0], b[1], b[2], b[3]);
  index.finish();

  const extent: TimeInterval | undefined =
    plan?.extent ??
    (region.times.tmin <= region.times.tmax
      ? { start: new Date(region.times.tmin), end: new Date(region.times.tmax) }
      : undefined);
  const windows = plan?.mode === 'sequential' ? plan.windows(extent as TimeInterval) : undefined;
  let n = 0;
  for (let r = 0; r < rows.length; r++) {
    const ymax = oy + (top - rows[r]) * ry;
    const ymin = oy + (top - rows[r] - h) * ry;
    for (let c = 0; c < cols.length; c++) {
      const rect: BBox = [ox + (left + cols[c]) * rx, ymin, ox + (left + cols[c] + w) * rx, ymax];
      if (region.roi && !rectOverlapsGeometry(rect, region.roi)) continue;
      const hits = index.search(rect[0], rect[1], rect[2], rect[3]);
      if (!hits.some((i) => rectOverlapsGeometry(rect, region.footprints[i]))) continue;
      const slice: GeoSlice = { bounds: rect, crs: region.crs, resolution: [rx, ry] };
      const count = windows ? windows.length : 1;
      for (let k = 0; k < count; k++, n++) {
        if (n % shard.worldSize !== shard.rank) continue;
        yield timedSlice(slice, plan, windows?.[k], textRng(`${prefix}tile:${r},${c}`), null, extent, opts.interval);
      }
    }
  }
}

function isCatalog(s: unknown): s is GeoCatalog {
  return typeof s === 'object' && s !== null && typeof (s as GeoCatalog).rows === 'function';
}

async function* preChippedRows(
  catalog: GeoCatalog,
  spec: ChipSpec,
  opts: GridSamplerOptions,
  plan: TemporalPlan | undefined,
  shard: { rank: number; worldSize: number },
  prefix: string,
): AsyncGenerator<GeoSlice> {
  const src = samplerSource(catalog, spec.roi, opts.interval, opts.includeUndated, opts.footprint);
  const extent = plan && !plan.extent ? ((await src.temporalExtent()) ?? undefined) : plan?.extent;
  const windows = plan?.mode === 'sequential' ? plan.windows(extent as TimeInterval) : undefined;
  let n = 0;
  for await (const row of src.rows({ batchSize: 4096 })) {
    if (spec.roi && !footprintOverlapsRoi(rowFootprint(row), spec.roi)) continue;
    const count = windows ? windows.length : 1;
    for (let k = 0; k < count; k++, n++) {
      if (n % shard.worldSize !== shard.rank) continue;
      const rp = planRow(row, spec);
      yield timedSlice(
        extentSlice(rp),
        plan,
        windows?.[k],
        textRng(`${prefix}${row.id}`),
        rp.time,
        extent,
        opts.interval,
      );
    }
  }
}

async function catalogRegion(catalog: GeoCatalog, spec: ChipSpec, opts: GridSamplerOptions): Promise<Region> {
  const footprints: Geometry[] = [];
  const boxes: BBox[] = [];
  const times = { tmin: Infinity, tmax: -Infinity };
  let crs: string | undefined = spec.crs;
  let anchor: { id: string; grid: PixelGrid } | undefined;
  let first: CatalogRow | undefined;
  for await (const row of samplerSource(catalog, spec.roi, opts.interval, opts.includeUndated, opts.footprint).rows({
    batchSize: 4096,
  })) {
    // The resolution placeholder only silences rowGrid's NO_RESOLUTION: the real one is decided after the pass.
    const g = rowGrid(row, { ...spec, resolution: spec.resolution ?? [1, 1] });
    if (crs === undefined) crs = g.crs;
    if (g.crs !== crs) {
      throw new SamplerError(
        'MIXED_CRS',
        `row ${row.id} is in ${g.crs} but row ${first?.id} is in ${crs}; a grid has one CRS — pass the "crs" option`,
        { subject: row.id },
      );
    }
    first ??= row;
    if (g.native && (!anchor || row.id < anchor.id))
      anchor = { id: row.id, grid: { origin: g.native.origin, res: g.native.res } };
    const fp = geometryToCrs(rowFootprint(row), 'EPSG:4326', crs);
    footprints.push(fp);
    boxes.push(geometryBBox(fp));
    const a = row.tmin ?? row.tmax;
    const b = row.tmax ?? row.tmin;
    if (a) times.tmin = Math.min(times.tmin, a.getTime());
    if (b) times.tmax = Math.max(times.tmax, b.getTime());
  }
  const res = spec.resolution ?? anchor?.grid.res;
  if (footprints.length > 0 && !res) {
    throw new SamplerError(
      'NO_RESOLUTION',
      `gridSampler: no row of ${catalog.source} carries native grid columns (transform/width/height or <asset>_cog) in ${crs}; pass the "resolution" option`,
    );
  }
  return {
    crs: crs ?? 'EPSG:4326',
    grid: { origin: opts.gridOrigin ?? anchor?.grid.origin ?? [0, 0], res: res ?? [1, 1] },
    footprints,
    boxes,
    roi: spec.roi && crs ? spec.roi.inCrs(crs) : undefined,
    times,
  };
}

function aoiRegion(region: BBox | Geometry, spec: ChipSpec, opts: GridSamplerOptions): Region {
  const regionCrs = checkCrs(opts.regionCrs, 'regionCrs') ?? spec.crs ?? 'EPSG:4326';
  const crs = spec.crs ?? regionCrs;
  if (!spec.resolution) badOption('resolution', undefined, 'a grid over an AOI needs the pixel size in the grid CRS');
  let g: Geometry;
  if (Array.isArray(region)) {
    if (region.length !== 4 || !region.every(Number.isFinite) || region[0] >= region[2] || region[1] >= region[3]) {
      badOption(
        'region',
        region,
        'pass [xmin, ymin, xmax, ymax] with xmin < xmax and ymin < ymax, a Polygon, or a catalog',
      );
    }
    g = regionCrs === crs ? bboxToPolygon(region) : geometryToCrs(densifiedBox(region), regionCrs, crs);
  } else if (region && (region.type === 'Polygon' || region.type === 'MultiPolygon')) {
    g = geometryToCrs(region, regionCrs, crs);
  } else {
    badOption(
      'region',
      (region as { type?: string })?.type ?? region,
      'pass a bbox, a Polygon/MultiPolygon or a catalog',
    );
  }
  return {
    crs,
    grid: { origin: opts.gridOrigin ?? [0, 0], res: spec.resolution },
    footprints: [g],
    boxes: [geometryBBox(g)],
    roi: spec.roi?.inCrs(crs),
    times: { tmin: Infinity, tmax: -Infinity },
  };
}
