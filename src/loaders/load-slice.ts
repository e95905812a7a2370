import { asGeosliceError, checkWindow, resolveLimits, type ResourceLimits } from './limits.js';
import { checkHttpOptions, type HttpSourceOptions } from '../sources/http-source.js';
import type { CatalogRow } from '../catalog/types.js';
import { GeosliceError, LoaderError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { bboxIntersects, type BBox, gridBounds } from '../geo/bbox.js';
import { normalizeCrs } from '../geo/crs.js';
import { describeSlice, validateSlice, type GeoSlice } from '../geo/slice.js';
import { lenientConverter } from '../geo/point-converter.js';
import { transformBBox } from '../geo/transform.js';
import { type Chip, validFractionOf } from './chip.js';
import { assertCogLayout, type CogLayout } from '../tiff/cog-layout.js';
import { dtypeInfo, RASTER_DTYPES } from '../tiff/dtype.js';
import { createMosaic, mergeLayer, mosaicComplete, type Mosaic } from './mosaic.js';
import { pickLevelForRatio, warpRatio } from './overview.js';
import { type ChipPool, takeFrom } from './chip-pool.js';
import { openRaster, type RasterDtype, type RasterReader, type TypedArray, type WindowData } from './raster.js';
import { clearInvalid, readFileWindow } from './file-window.js';
import { aligned, nativeChip, nativeWindow } from './native-chip.js';
import { acquireSharedReaders } from './shared-readers.js';
import { filterByInterval, groupByDate, type TemporalMode } from './temporal.js';
import { planWarpWith, resample, sliceGrid, type PixelGrid, type PointMapper, type Resampling } from './warp.js';

/**
 * What a slice can be loaded from: a raster path or URL, or a catalog row (its `assets` map band
 * keys to files).
 */
export type SliceSource = string | URL | CatalogRow;

/**
 * A band to load: an asset key of a catalog row (`'B04'`; the asset's `band`, default 1, picks the
 * band inside its file), or a 1-based band index inside a single-file source.
 */
export type BandSelector = string | number;

/**
 * Opens a raster for reading, optionally from a cached header layout. The loader passes one that
 * keeps readers open between slices; the default opens with {@link openRaster}.
 */
export type RasterOpener = (href: string, layout?: CogLayout) => Promise<RasterReader>;

/**
 * Options of {@link loadSlice}.
 */
export interface LoadSliceOptions {
  /** Largest slice grid; larger slices are refused with `TOO_LARGE` before allocation. */
  limits?: ResourceLimits;
  /** Options for `http(s)://` and `s3://` files (timeouts, deadline, retries, headers). Ignored with `open`. */
  http?: HttpSourceOptions;
  /** Bands in chip order. Default: every band of a file source; every band of every asset (in key order) of a row (an asset with a `band` gives that band). */
  bands?: BandSelector[];
  /** Default 'nearest'. Grids that coincide with a raster level are copied exactly whatever this says. */
  resampling?: Resampling;
  /** Type of `chip.data`. Default 'float32'; integer types round and clamp; float64, int32 and uint32 are composited in float64 so they stay exact. */
  dtype?: RasterDtype;
  /** Default 'mosaic'. */
  temporal?: TemporalMode;
  /**
   * How rasters are opened. Default: process-wide readers and a 64 MiB decoded-block cache shared
   * by all standalone calls (a file is opened and its header read once; a local file that changes
   * is opened again; all are closed 5 s after the last call).
   */
  open?: RasterOpener;
  /**
   * Which resolution level to read: 'auto' (default) picks the overview exactly as `gdalwarp -ovr
   * AUTO` does for the slice grid; 'none' always reads full resolution (`-ovr NONE`).
   */
  overviews?: 'auto' | 'none';
  /**
   * Apply each band's scale and offset from the file's GDAL metadata (`raw * scale + offset`, see
   * `RasterInfo.scaleOffset`). Default false: chips hold raw values, like GDAL's reads.
   */
  scaleOffset?: boolean;
}

/** The keys of {@link LoadSliceOptions} (the compiler checks the list is complete). */
export const LOAD_SLICE_OPTION_KEYS = optionKeys<LoadSliceOptions>()([
  'limits',
  'http',
  'bands',
  'resampling',
  'dtype',
  'temporal',
  'open',
  'overviews',
  'scaleOffset',
]);

/** One file read for one source: which of its bands (0-based) go to which chip bands. */
interface FileRead {
  href: string;
  layout?: CogLayout;
  bands: number[];
  chipBands: number[];
  /** Set when the row named the file without a band and no `bands` were asked for: all its bands are read. */
  implicit?: boolean;
}

/** A source normalised: a row, or a file wrapped as one. */
interface Item {
  id: string;
  label: string;
  tmin: Date | null;
  tmax: Date | null;
  crs: string | null;
  dated: boolean;
  files: FileRead[];
}

/**
 * Loads the pixels of one slice from the given sources: keeps the rows whose time overlaps the
 * slice's interval, picks per file the overview that fits the slice resolution, reads only the
 * window under the slice, warps it into the slice grid when CRS or resolution differ (GDAL's
 * pixel-centre convention: a slice on a raster's own grid is an exact copy), and mosaics the sources
 * in the order given (first valid pixel wins) or stacks them per acquisition date. Nodata, NaN and
 * internal masks become the chip's mask.
 *
 * A slice that the sources cover but whose pixels are all nodata gives a chip with an all-invalid
 * mask and `validFraction` 0. Throws {@link LoaderError} `NO_COVERAGE` naming the slice when no
 * source overlaps it, `MISSING_ASSET` / `BAD_BAND` for a band that
 * a source lacks, `BAND_MISMATCH` when sources give different band counts, `NO_CRS` for a file
 * with no CRS outside a catalog row, `UNDATED` for undated sources in a stack, `BAD_OPTION` for
 * invalid options, `READ_FAILED` for an untyped read failure, and passes through typed raster and
 * source errors (RasterError, SourceError) naming the file. A pixel is valid when the source's mask
 * (internal mask, alpha) allows it and at least one requested band is neither nodata nor NaN
 * (GDAL's dataset mask and gdalwarp's unified source nodata).
 */
export function loadSlice(
  sources: readonly SliceSource[],
  slice: GeoSlice,
  opts: LoadSliceOptions = {},
): Promise<Chip> {
  return loadSliceWith(sources, slice, opts);
}

/**
 * {@link loadSlice}, with the chip's data array and mask taken from `loaderPool` when the slice is
 * on the native grid of its source (a loader recycles the arrays of chips it has stacked into
 * batches); standalone calls use the shared readers' scratch pool.
 * `catalogRows`: the row sources are a catalog's own objects, which nobody changes (a loader's
 * memory index), so what a row and `opts.bands` select is worked out once per row.
 */
export async function loadSliceWith(
  sources: readonly SliceSource[],
  slice: GeoSlice,
  opts: LoadSliceOptions,
  loaderPool?: ChipPool,
  catalogRows = false,
): Promise<Chip> {
  validateSlice(slice);
  checkOptionKeys(opts, LOAD_SLICE_OPTION_KEYS, 'loadSlice', LoaderError);
  const limits = resolveLimits(opts.limits);
  const name = () => describeSlice(slice);
  const grid = sliceGrid(slice);
  checkWindow(grid.width, grid.height, 1, name, limits);
  const resampling = opts.resampling ?? 'nearest';
  if (resampling !== 'nearest' && resampling !== 'bilinear' && resampling !== 'mode') {
    throw new LoaderError(
      'BAD_OPTION',
      `resampling must be 'nearest', 'bilinear' or 'mode', got ${JSON.stringify(resampling)}`,
    );
  }
  const overviews = opts.overviews ?? 'auto';
  if (overviews !== 'auto' && overviews !== 'none') {
    throw new LoaderError('BAD_OPTION', `overviews must be 'auto' or 'none', got ${JSON.stringify(overviews)}`);
  }
  const temporal = opts.temporal ?? 'mosaic';
  if (temporal !== 'mosaic' && temporal !== 'stack') {
    throw new LoaderError('BAD_OPTION', `temporal must be 'mosaic' or 'stack', got ${JSON.stringify(temporal)}`);
  }
  const http = checkHttpOptions(opts.http, 'loadSlice http');
  // Standalone calls share the process-wide readers and block cache (a loader passes its own
  // `open`); calls with their own HTTP options open their files for this call only.
  const shared = opts.open || opts.http !== undefined ? null : acquireSharedReaders();
  const pool = loaderPool ?? shared?.scratch;
  const owned = new Map<string, Promise<RasterReader>>();
  const open: RasterOpener =
    opts.open ??
    shared?.open ??
    ((href, layout) => {
      const hit = owned.get(href);
      if (hit) return hit;
      const r = openRaster(href, { http, ...(layout ? { layout } : {}) });
      owned.set(href, r);
      return r;
    });
  try {
    const all = await toItems(sources, opts.bands, open, slice, catalogRows);
    const items = all.filter((it) => !it.dated || filterByInterval([it], slice.interval).length === 1);
    if (items.length === 0)
      throw noCoverage(
        slice,
        all.length,
        all.length > 0 ? 'none of them falls inside the slice interval' : 'no source was given',
      );
    const bands = items[0].files.reduce((n, f) => n + f.bands.length, 0);
    checkWindow(grid.width, grid.height, bands, name, limits);
    const dtype = opts.dtype ?? 'float32';
    if (!RASTER_DTYPES.includes(dtype))
      throw new LoaderError(
        'BAD_OPTION',
        `dtype must be one of ${RASTER_DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`,
      );
    // 32-bit integers and doubles do not fit a float32 mantissa: composite them in float64
    const float64 = dtype === 'float64' || dtype === 'int32' || dtype === 'uint32';
    const ctx: Ctx = {
      slice,
      grid,
      resampling,
      open,
      bands,
      float64,
      overviews,
      scaleOffset: opts.scaleOffset === true,
      pool,
    };
    let seed: { mosaic: Mosaic; used: string[] } | undefined;
    if (temporal === 'mosaic') {
      // a slice on the first source's own grid: its rows are copied straight into the chip
      const first = items[0];
      const fast = await nativeChip({ ...ctx, files: first.files, crs: first.crs, dtype, pool });
      if (fast && (fast.filled === grid.width * grid.height || items.length === 1)) {
        const chip: Chip = {
          slice,
          data: fast.data,
          shape: [bands, grid.height, grid.width],
          mask: fast.mask,
          sources: fast.filled > 0 ? [first.id] : [],
          validFraction: fast.filled / (grid.width * grid.height),
        };
        return dropFullMask(chip, pool);
      }
      // A float chip holds the first source's layer exactly as the composite would (invalid pixels
      // zeroed): the mosaic starts from it and goes on with the next sources. Others are read again.
      if (fast && ((dtype === 'float32' && !float64) || dtype === 'float64')) {
        const data = fast.data as Float32Array | Float64Array;
        const mosaic = { bands, height: grid.height, width: grid.width, data, mask: fast.mask, filled: fast.filled };
        seed = { mosaic, used: fast.filled > 0 ? [first.id] : [] };
      } else if (fast) {
        pool?.give(dtype, fast.data);
        pool?.give('uint8', fast.mask);
      }
    }
    let layers: { time?: Date; mosaic: Mosaic; used: string[] }[];
    if (temporal === 'mosaic') {
      const r = await composite(ctx, items, seed);
      if (!r.overlapped) throw noCoverage(slice, items.length, 'the slice is outside every one of their footprints');
      layers = [{ mosaic: r.mosaic, used: r.used }];
    } else {
      layers = [];
      for (const g of groupByDate(items, (it) => it.label)) {
        const r = await composite(ctx, g.items);
        if (r.overlapped) layers.push({ time: g.time, mosaic: r.mosaic, used: r.used });
      }
      if (layers.length === 0)
        throw noCoverage(slice, items.length, 'the slice is outside every one of their footprints');
    }
    // sources cover the slice but hold only nodata there: an all-invalid chip, like rasterio's
    // fully masked array (loaders drop such chips by `minValidFraction`)
    const chip = toChip(slice, layers, bands, grid, dtype, temporal);
    chip.validFraction =
      temporal === 'mosaic' ? layers[0].mosaic.filled / (grid.width * grid.height) : validFractionOf(chip.mask);
    // composites copied into the chip go back to the pool
    for (const l of layers) if (l.mosaic.data !== chip.data) giveFloats(ctx, l.mosaic.data);
    return dropFullMask(chip, pool);
  } catch (e) {
    throw asGeosliceError(e, describeSlice(slice));
  } finally {
    shared?.release();
    for (const r of owned.values())
      await r.then(
        (rd) => rd.close(),
        () => undefined,
      );
  }
}

/**
 * A chip whose every pixel is valid carries no mask (as GDAL's `GMF_ALL_VALID` flag stands for an
 * all-valid mask band): its mask goes back to `pool`, sparing a loader's consumers an array they
 * would only read as ones.
 */
function dropFullMask(chip: Chip, pool: ChipPool | undefined): Chip {
  if (chip.validFraction !== 1 || !chip.mask) return chip;
  const { mask, ...rest } = chip;
  pool?.give('uint8', mask);
  return rest;
}

function noCoverage(slice: GeoSlice, n: number, why: string): LoaderError {
  const d = describeSlice(slice);
  return new LoaderError(
    'NO_COVERAGE',
    `no pixels for ${d}: ${n} source(s) considered and ${why}; sample slices inside the catalog's footprints (and time range), or add rasters that cover it`,
    { subject: d },
  );
}

function isRow(s: SliceSource): s is CatalogRow {
  return typeof s === 'object' && !(s instanceof URL) && s !== null && 'assets' in s;
}

async function toItems(
  sources: readonly SliceSource[],
  bands: BandSelector[] | undefined,
  open: RasterOpener,
  slice: GeoSlice,
  catalogRows: boolean,
): Promise<Item[]> {
  const items: Item[] = [];
  for (const s of sources) {
    if (isRow(s)) {
      if (catalogRows && bands !== undefined) items.push(rowItemOf(s, bands, slice));
      else items.push(await allBands(rowItem(s, bands, slice), bands, open));
      continue;
    }
    const href = s instanceof URL ? (s.protocol === 'file:' ? decodeURIComponent(s.pathname) : s.href) : String(s);
    let idx: number[];
    if (bands === undefined) {
      const reader = await open(href);
      idx = Array.from({ length: reader.info.bands }, (_, i) => i);
    } else {
      idx = bands.map((b) => {
        if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) {
          throw new LoaderError(
            'BAD_BAND',
            `band ${JSON.stringify(b)} cannot select a band of the file ${href}: file sources take 1-based band numbers; asset keys need catalog rows`,
            { subject: href },
          );
        }
        return b - 1;
      });
    }
    items.push({
      id: href,
      label: `file ${href}`,
      tmin: null,
      tmax: null,
      crs: null,
      dated: false,
      files: [{ href, bands: idx, chipBands: idx.map((_, i) => i) }],
    });
  }
  const counts = new Set(items.map((it) => it.files.reduce((n, f) => n + f.bands.length, 0)));
  if (counts.size > 1) {
    throw new LoaderError(
      'BAND_MISMATCH',
      `the sources of ${describeSlice(slice)} have different band counts (${[...counts].join(', ')}); pass \`bands\` to pick the same bands from each`,
      { subject: describeSlice(slice) },
    );
  }
  return items;
}

/**
 * Without `bands`, an asset that names no `band` stands for every band of its file (the documented
 * default "all bands"): such files are opened to learn their band count.
 */
async function allBands(item: Item, bands: BandSelector[] | undefined, open: RasterOpener): Promise<Item> {
  if (bands !== undefined) return item;
  let next = 0;
  for (const f of item.files) {
    const chipBands: number[] = [];
    const fileBands: number[] = [];
    if (f.implicit) {
      const reader = await open(f.href, f.layout);
      for (let b = 0; b < reader.info.bands; b++) {
        fileBands.push(b);
        chipBands.push(next++);
      }
    } else {
      for (const b of f.bands) {
        fileBands.push(b);
        chipBands.push(next++);
      }
    }
    f.bands = fileBands;
    f.chipBands = chipBands;
  }
  return item;
}

/** Items of rows read with a given band list (never changed once made), by row object. */
const rowItems = new WeakMap<CatalogRow, { bands: BandSelector[]; item: Item }>();

/**
 * {@link rowItem} for an explicit band list, made once per row object and band list (for rows a
 * catalog owns: a loader passes its index's rows and its one `bands` array for every slice). The
 * slice only names errors, which are not cached.
 */
function rowItemOf(row: CatalogRow, bands: BandSelector[], slice: GeoSlice): Item {
  const hit = rowItems.get(row);
  if (hit && hit.bands === bands) return hit.item;
  const item = rowItem(row, bands, slice);
  rowItems.set(row, { bands, item });
  return item;
}

function rowItem(row: CatalogRow, bands: BandSelector[] | undefined, slice: GeoSlice): Item {
  const keys = Object.keys(row.assets);
  if ((bands ?? keys).length === 0) {
    throw new LoaderError(
      'BAD_BAND',
      `row ${row.id} has no assets to load for ${describeSlice(slice)}; give it an assets map (band key -> href)`,
      { subject: row.id },
    );
  }
  const picks: { href: string; band: number; key: string; implicit?: boolean }[] = (bands ?? keys).map((b) => {
    if (typeof b === 'number') {
      if (keys.length !== 1 || !Number.isInteger(b) || b < 1) {
        throw new LoaderError(
          'BAD_BAND',
          `band ${b} is ambiguous for row ${row.id} (assets: ${keys.join(', ')}): use asset keys with rows that have several assets, and 1-based numbers otherwise`,
          { subject: row.id },
        );
      }
      return { href: row.assets[keys[0]].href, band: b, key: keys[0] };
    }
    const a = row.assets[b];
    if (!a) {
      throw new LoaderError(
        'MISSING_ASSET',
        `row ${row.id} has no asset "${b}" (it has: ${keys.join(', ') || 'none'}) needed by ${describeSlice(slice)}; choose bands every row has, or filter the catalog`,
        { subject: row.id },
      );
    }
    return { href: a.href, band: a.band ?? 1, key: b, implicit: bands === undefined && a.band === undefined };
  });
  const files = new Map<string, FileRead>();
  picks.forEach((p, i) => {
    let f = files.get(p.href);
    if (!f) {
      f = { href: p.href, bands: [], chipBands: [] };
      files.set(p.href, f);
    }
    const cached = row.extras[`${p.key}_cog`];
    if (f.layout === undefined && cached !== undefined && cached !== null) {
      f.layout = cachedLayout(cached, p.href);
    }
    f.bands.push(p.band - 1);
    f.chipBands.push(i);
    if (p.implicit && f.bands.length === 1) f.implicit = true;
    else f.implicit = false;
  });
  return {
    id: row.id,
    label: `row ${row.id}`,
    tmin: row.tmin,
    tmax: row.tmax,
    crs: row.crs || null,
    dated: true,
    files: [...files.values()],
  };
}

/** Header caches already checked, by the catalog value they came from (rows of a loaded catalog are reused). */
const checkedLayouts = new WeakMap<object, { href: string; layout: CogLayout }>();

/** The {@link CogLayout} of a row's `<asset>_cog` value (an object, or JSON text), checked once per object. */
function cachedLayout(cached: unknown, href: string): CogLayout {
  if (typeof cached !== 'object' || cached === null) return assertCogLayout(JSON.parse(String(cached)), href);
  const hit = checkedLayouts.get(cached);
  if (hit && hit.href === href) return hit.layout;
  const layout = assertCogLayout(cached, href);
  checkedLayouts.set(cached, { href, layout });
  return layout;
}

interface Ctx {
  slice: GeoSlice;
  grid: PixelGrid;
  resampling: Resampling;
  open: RasterOpener;
  bands: number;
  float64: boolean;
  overviews: 'auto' | 'none';
  scaleOffset: boolean;
  /** Recycled arrays (a loader's): composites, layers and warp plans are taken from it and scratch ones given back. */
  pool?: ChipPool;
}

/** A float array of the composite's type: from the pool (stale contents) or new (zeros). */
function takeFloats(ctx: Ctx, length: number): Float32Array | Float64Array {
  return takeFrom(ctx.pool, ctx.float64 ? 'float64' : 'float32', length) as Float32Array | Float64Array;
}

/** Gives a float array of the composite's type (see {@link takeFloats}) back to the pool, if any. */
function giveFloats(ctx: Ctx, a: Float32Array | Float64Array): void {
  ctx.pool?.give(ctx.float64 ? 'float64' : 'float32', a);
}

/**
 * Mosaics `items` in order (first valid pixel wins). `seed` is the composite of `items[0]` already
 * made (by the native-grid read), so compositing goes on from `items[1]`.
 */
async function composite(
  ctx: Ctx,
  items: Item[],
  seed?: { mosaic: Mosaic; used: string[] },
): Promise<{ mosaic: Mosaic; overlapped: boolean; used: string[] }> {
  const { grid } = ctx;
  const n = grid.width * grid.height;
  // a recycled composite array holds stale values: every pixel is either written by a source or
  // zeroed (mergeLayer clears the invalid pixels of the first layer; an empty composite is cleared)
  const mosaic =
    seed?.mosaic ?? createMosaic(ctx.bands, grid.height, grid.width, ctx.float64, takeFloats(ctx, ctx.bands * n));
  let overlapped = seed !== undefined;
  const used: string[] = seed ? [...seed.used] : [];
  for (const item of seed ? items.slice(1) : items) {
    if (mosaicComplete(mosaic)) break;
    // the first covering item is written straight into the composite's buffers
    const direct = mosaic.filled === 0;
    const layer = direct ? mosaic.data : takeFloats(ctx, ctx.bands * n);
    const valid = direct ? mosaic.mask.fill(1) : new Uint8Array(n).fill(1);
    let covers = true;
    for (const file of item.files) {
      if (!(await readFile(ctx, item, file, layer, valid, direct ? undefined : mosaic.mask))) {
        covers = false;
        break;
      }
    }
    // A direct item that does not cover leaves `filled` at 0, so the next item is direct too and
    // rewrites every mask byte; if none follows, the composite must read as empty: clear it now.
    if (!covers) {
      if (direct) {
        mosaic.mask.fill(0);
        mosaic.data.fill(0);
      } else giveFloats(ctx, layer);
      continue;
    }
    overlapped = true;
    if (mergeLayer(mosaic, layer, valid) > 0) used.push(item.id);
    if (!direct) giveFloats(ctx, layer);
  }
  return { mosaic, overlapped, used };
}

/** Reads one file's bands into `layer`; false when the file does not overlap the slice. */
async function readFile(
  ctx: Ctx,
  item: Item,
  file: FileRead,
  layer: Float32Array | Float64Array,
  valid: Uint8Array,
  skip: Uint8Array | undefined,
): Promise<boolean> {
  const { slice, grid } = ctx;
  const reader = await ctx.open(file.href, file.layout);
  const info = reader.info;
  for (const b of file.bands) {
    if (b >= info.bands) {
      throw new LoaderError(
        'BAD_BAND',
        `${item.label} asks for band ${b + 1} of ${file.href}, which has ${info.bands} band(s)`,
        { subject: file.href },
      );
    }
  }
  const rasterCrs = info.crs ?? item.crs;
  if (!rasterCrs) {
    throw new LoaderError(
      'NO_CRS',
      `${file.href} has no CRS to place it under ${describeSlice(slice)}; load it from a catalog row that gives its crs`,
      { subject: file.href },
    );
  }
  const same = normalizeCrs(rasterCrs) === normalizeCrs(slice.crs);
  // one converter per file read (a cached proj4 pair): points outside the projection map to null
  const convert = same ? null : lenientConverter(slice.crs, rasterCrs);
  const toSrc: PointMapper | null =
    convert === null
      ? null
      : (x, y) => {
          const p = convert([x, y]);
          return Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
        };
  const inRaster = same ? slice.bounds : boundsIn(slice, rasterCrs);
  const rasterBounds = gridBounds(info.transform, info.width, info.height);
  // cheap rejection before mapping every pixel
  if (inRaster && !bboxIntersects(inRaster, rasterBounds)) return false;
  // the level gdalwarp -ovr AUTO would read (or full resolution with overviews: 'none')
  const levelIndex =
    ctx.overviews === 'none' ? 0 : pickLevelForRatio(info.levels, warpRatio(grid, info.transform, toSrc));
  const level = info.levels[levelIndex];
  const levelGrid: PixelGrid = { transform: level.transform, width: level.width, height: level.height };
  const n = grid.width * grid.height;
  const native = same ? nativeWindow(grid, levelGrid) : null;
  if (same && aligned(grid, levelGrid)) {
    // The slice is a window of this level: read exactly it (past the edges the reader masks) and copy.
    if (!native) return false;
    // the reader fills the layer's band planes in place when they hold the file's values exactly
    const planes = file.chipBands.map((cb) => layer.subarray(cb * n, (cb + 1) * n));
    const data = await readFileWindow(reader, levelIndex, native, file, slice, { data: planes });
    file.chipBands.forEach((cb, i) => {
      if (data.data[i] !== planes[i]) layer.set(data.data[i], cb * n);
    });
    if (ctx.scaleOffset) applyScaleOffset(layer, n, file, info.scaleOffset);
    clearInvalid(valid, data, info.nodata);
    return true;
  }
  const { pool } = ctx;
  const plan = planWarpWith(
    grid,
    levelGrid,
    toSrc,
    ctx.resampling,
    (len) => takeFrom(pool, 'float64', len) as Float64Array,
  );
  // the window's band arrays and masks come from the pool too, in sizes rounded up so that windows
  // of slightly different sizes share them (the reader fills the exact-length views it is offered)
  const wpx = plan.window ? plan.window.width * plan.window.height : 0;
  const scratch = pool && plan.window ? new WindowScratch(pool, wpx) : null;
  try {
    if (!plan.window) return false;
    const into = scratch?.window(info.dtype, file.bands.length);
    const data = await readFileWindow(reader, levelIndex, plan.window, file, slice, into);
    const ok = (scratch ? scratch.bytes() : new Uint8Array(wpx)).fill(1);
    clearInvalid(ok, data, info.nodata);
    // bands that land on consecutive chip bands are resampled straight into the layer (its invalid
    // pixels are never read: the composite zeroes or skips them); others go through a scratch layer
    const first = file.chipBands[0];
    const consecutive = file.chipBands.every((cb, i) => cb === first + i);
    const px = { window: plan.window, bands: data.data, valid: ok };
    if (consecutive) resample(plan, px, ctx.resampling, layer, first, valid, skip);
    else {
      const sub = takeFloats(ctx, file.bands.length * n).fill(0);
      resample(plan, px, ctx.resampling, sub, 0, valid, skip);
      file.chipBands.forEach((cb, i) => layer.set(sub.subarray(i * n, (i + 1) * n), cb * n));
      giveFloats(ctx, sub);
    }
  } finally {
    pool?.give('float64', plan.srcX);
    pool?.give('float64', plan.srcY);
    scratch?.release();
  }
  if (ctx.scaleOffset) applyScaleOffset(layer, n, file, info.scaleOffset);
  return true;
}

/**
 * Pooled arrays for one window of `px` pixels: views of exactly `px` elements on arrays whose
 * length is rounded up to a multiple of 16384, all given back to the pool by `release`.
 */
class WindowScratch {
  private readonly taken: { dtype: RasterDtype; a: TypedArray }[] = [];
  private readonly cap: number;

  constructor(
    private readonly pool: ChipPool,
    private readonly px: number,
  ) {
    this.cap = Math.ceil(px / 16384) * 16384;
  }

  private take(dtype: RasterDtype): TypedArray {
    const a = this.pool.take(dtype, this.cap);
    this.taken.push({ dtype, a });
    return a.subarray(0, this.px);
  }

  /** Band arrays and a mask to offer the reader (none for 64-bit integer files). */
  window(dtype: string, bands: number): WindowData | undefined {
    if (!RASTER_DTYPES.includes(dtype as RasterDtype)) return undefined;
    return { data: Array.from({ length: bands }, () => this.take(dtype as RasterDtype)), mask: this.bytes() };
  }

  /** A byte per pixel (stale contents). */
  bytes(): Uint8Array {
    return this.take('uint8') as Uint8Array;
  }

  release(): void {
    for (const { dtype, a } of this.taken) this.pool.give(dtype, a);
    this.taken.length = 0;
  }
}

/** Physical values of one file's bands in `layer`: raw * scale + offset (GDAL metadata; none = identity). */
function applyScaleOffset(
  layer: Float32Array | Float64Array,
  n: number,
  file: FileRead,
  so: { scale: number[]; offset: number[] } | null | undefined,
): void {
  if (!so) return;
  file.chipBands.forEach((cb, i) => {
    const s = so.scale[file.bands[i]] ?? 1;
    const o = so.offset[file.bands[i]] ?? 0;
    if (s === 1 && o === 0) return;
    for (let k = cb * n, end = k + n; k < end; k++) layer[k] = layer[k] * s + o;
  });
}

/** The slice's bounds in the raster's CRS (edges densified), or null when they cannot be transformed as one box. */
function boundsIn(slice: GeoSlice, rasterCrs: string): BBox | null {
  try {
    const b = transformBBox(slice.bounds, slice.crs, rasterCrs, 21);
    // a box across the antimeridian (xmin > xmax) is left to the per-pixel mapping
    return b[0] <= b[2] ? b : null;
  } catch (e) {
    if (e instanceof GeosliceError) return null;
    throw e;
  }
}

function toChip(
  slice: GeoSlice,
  layers: { time?: Date; mosaic: Mosaic; used: string[] }[],
  bands: number,
  grid: PixelGrid,
  dtype: RasterDtype,
  temporal: TemporalMode,
): Chip {
  const info = dtypeInfo(dtype);
  const n = grid.width * grid.height;
  const per = bands * n;
  const sources = [...new Set(layers.flatMap((l) => l.used))];
  const only = layers[0].mosaic;
  if (temporal === 'mosaic' && info.accepts(only.data)) {
    // one layer already in the requested type: hand over the composite's buffers
    return { slice, data: only.data, shape: [bands, grid.height, grid.width], mask: only.mask, sources };
  }
  const data = info.create(per * layers.length);
  const mask = new Uint8Array(n * layers.length);
  const { min: lo, max: hi } = info;
  layers.forEach((l, t) => {
    const src = l.mosaic.data;
    const o = t * per;
    if (info.float) data.set(src, o);
    else
      for (let k = 0; k < per; k++) {
        const v = Math.round(src[k]);
        data[o + k] = v < lo ? lo : Math.min(v, hi);
      }
    mask.set(l.mosaic.mask, t * n);
  });
  if (temporal === 'stack') {
    return {
      slice,
      data,
      shape: [layers.length, bands, grid.height, grid.width],
      mask,
      times: layers.map((l) => l.time as Date),
      sources,
    };
  }
  return { slice, data, shape: [bands, grid.height, grid.width], mask, sources };
}
