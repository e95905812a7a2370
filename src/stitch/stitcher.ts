import { resolve } from 'node:path';
import { StitchError } from '../errors.js';
import { normalizeCrs } from '../geo/crs.js';
import { describeSlice, sliceHeight, sliceWidth, validateSlice, type GeoSlice } from '../geo/slice.js';
import { TileAccumulator } from './accumulator.js';
import { assertBlendMode, type BlendMode, type BlendWindow } from './blend.js';
import { toPredictionSamples, type PredictionInput, type PredictionSamples } from './prediction-input.js';
import { dtypeInfo, type RasterArray, type RasterDType } from '../tiff/write/dtype.js';
import { assertPositiveSigmas, prepareSamples, type ValueKind } from './uncertainty.js';
import { StitchOutput, type StitchWriteOptions, type StitchWriteResult } from './stitch-writer.js';

/**
 * Options of {@link createStitcher}.
 *
 * @example
 * ```ts
 * const o: StitcherOptions = { grid, bands: 4, blend: 'cosine', values: 'probabilities', dtype: 'float32' };
 * ```
 */
export interface StitcherOptions {
  /** The output grid: bounds, CRS and resolution of the raster to produce (e.g. a region's bounding slice). */
  grid: GeoSlice;
  /**
   * Bands `C` of the output (classes, or regression outputs). Every prediction holds `C` bands — `2C`
   * (means, then sigmas) with blend `'inverse-variance'`.
   */
  bands: number;
  /**
   * How overlapping predictions combine into the prediction bands (see {@link BlendMode}). Default `'mean'`.
   * The uncertainty bands come from the weighted mean and spread of the predictions (cosine weights for
   * `'cosine'`, uniform otherwise), whatever the blend — except `'inverse-variance'`, whose uncertainty
   * bands are the merged σ of each band (`sigma`, or `sigma_1..C`).
   */
  blend?: BlendMode;
  /** Spatial window that multiplies the `'inverse-variance'` weights. Default `'uniform'`. */
  window?: BlendWindow;
  /** Add a `count` band (predictions per pixel) after the uncertainty bands. Default false. */
  count?: boolean;
  /** Value written where no prediction landed. Default NaN for float dtypes; required for integer dtypes. */
  nodata?: number;
  /** Output dtype of the prediction bands. Default `'float32'`. Uncertainty bands are always float32. */
  dtype?: RasterDType;
  /** Edge of the square accumulation (and output) tiles in pixels, a multiple of 16. Default 256. */
  tileSize?: number;
  /** What the bands hold. Default `'probabilities'`. */
  values?: ValueKind;
  /**
   * How a prediction at another resolution (or grid offset) is sampled into the grid: `'nearest'` for
   * class ids, `'bilinear'` (default) for probabilities and continuous values. Grid-aligned predictions
   * are copied exactly either way.
   */
  resample?: 'nearest' | 'bilinear';
  /** Track the second moment needed for the variance band. Default true. */
  uncertainty?: boolean;
  /** Bytes of accumulation state kept in memory before tiles spill to a scratch file. Default 512 MiB. */
  memoryBudget?: number;
  /** Directory of the scratch file (default `os.tmpdir()`). */
  scratchDir?: string;
  /** Names of the prediction bands (written as band descriptions). Default `band_1..band_C`. */
  bandNames?: string[];
  /**
   * `'rows'` promises that predictions arrive north to south: each slice's top edge is at or south of
   * the previous one's (as a grid sampler yields them). Then tile rows north of the latest slice are
   * finished, and {@link Stitcher.flush} writes them out and frees them. Default `'any'`.
   */
  order?: 'any' | 'rows';
}

/**
 * Options of {@link Stitcher.add}.
 *
 * @example
 * ```ts
 * stitcher.add(slice, lowRes, { shape: [64, 64] }); // a flat [C, 64, 64] array for a 256-px slice
 * ```
 */
export interface AddOptions {
  /** `[h, w]` of a flat prediction array when it is not the slice's own grid. Tensors carry their shape. */
  shape?: [height: number, width: number];
  /** `h * w` validity mask (0 = ignore this pixel), e.g. a chip's nodata mask. */
  mask?: Uint8Array;
}

/**
 * Counters of a stitcher.
 *
 * @example
 * ```ts
 * const { adds, pixels, peakTilesInMemory } = stitcher.stats();
 * ```
 */
export interface StitcherStats {
  /** Calls of `add`. */
  adds: number;
  /** Output pixels updated (summed over adds and samples). */
  pixels: number;
  /** Tiles touched at least once. */
  tilesTouched: number;
  /** Tiles that fit the memory budget at once. */
  maxTilesInMemory: number;
  /** Largest number of tiles held in memory at once. */
  peakTilesInMemory: number;
  /** Tile state writes to the scratch file. */
  spillWrites: number;
}

/**
 * Final values of a window of the grid, as returned by {@link Stitcher.readWindow}.
 *
 * @example
 * ```ts
 * const { prediction, uncertainty } = stitcher.readWindow(0, 0, 256, 256);
 * ```
 */
export interface StitchedWindow {
  /** `[C, h, w]` in the stitcher's dtype; nodata where no prediction landed. */
  prediction: RasterArray;
  /** `[U, h, w]` float32: entropy, variance, margin (regression: variance only); NaN where no prediction landed. */
  uncertainty?: Float32Array;
  /** Names of the uncertainty planes, in order. */
  uncertaintyBands: string[];
}

/**
 * Accumulates predictions for an output grid and writes them as rasters. Create with {@link createStitcher}.
 *
 * Memory model: accumulation state lives per output tile (`tileSize²` pixels; per pixel 8 bytes of
 * weight plus 8 bytes per band for the mean, another 8 per band for the variance moment, another 8 per band
 * for blend `'max'`), allocated when a prediction first touches the tile. At most
 * `floor(memoryBudget / tileBytes)` tiles stay in memory; the least recently touched tile beyond that is
 * spilled to a scratch file and read back when touched again. The stitcher cannot know when a tile is
 * finished (predictions may come in any order), so every touched tile is kept — in memory or in the
 * scratch file — until it is written. When the touched tiles outgrow the budget, every finished tile is
 * spilled once and read back by `write` (a 20000² one-band region with uncertainty puts ~9.6 GB in the
 * scratch file). With `order: 'rows'`, {@link Stitcher.open} and periodic {@link Stitcher.flush} calls,
 * finished tiles go straight to the COG writer instead (which keeps compressed tiles in its own spool
 * file) and memory stays at the tiles under the current rows of chips (about two tile rows).
 * `write` finalises `concurrency` tiles at a time.
 *
 * @example
 * ```ts
 * const st = createStitcher({ grid, bands: 3, blend: 'cosine' });
 * for await (const chip of chips) st.add(chip.slice, await model.predict(chip));
 * await st.write('pred.tif', { uncertainty: true });
 * st.close();
 * ```
 */
export interface Stitcher {
  readonly grid: GeoSlice;
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly tileSize: number;
  readonly dtype: RasterDType;
  readonly nodata: number;
  readonly values: ValueKind;
  readonly bandNames: string[];
  /**
   * Names of the uncertainty bands this stitcher produces: `['entropy', 'variance', 'margin']`, or
   * `['variance']` for regression. Per pixel: `entropy` is the predictive entropy (nats) of the weighted
   * mean class probabilities; `variance` is the weighted population variance of every prediction covering
   * the pixel — overlapping chips and repeated samples of one slice alike — averaged over the bands;
   * `margin` is top1 - top2 of the weighted mean probabilities (binary: `|2p - 1|`).
   */
  readonly uncertaintyBands: string[];
  /**
   * Blends a prediction for `slice` into the grid. `prediction` is `[C, h, w]` (Float32Array, Float64Array,
   * or a tfjs tensor), or an array / `[S, C, h, w]` tensor of repeated predictions (MC-dropout, ensembles),
   * each blended as one more overlapping prediction. The part outside the grid is clipped; NaN pixels
   * are skipped. Returns the number of grid pixels the slice covers (after clipping). Throws {@link StitchError}
   * `SHAPE_MISMATCH`, `BAD_VALUES`, `CRS_MISMATCH`, or `OUTSIDE_GRID` (the slice misses the grid entirely).
   */
  add(slice: GeoSlice, prediction: PredictionInput, opts?: AddOptions): number;
  /** Final values of the pixel window `[x0, x0 + w) x [y0, y0 + h)` of the grid (row 0 = north). */
  readWindow(x0: number, y0: number, w: number, h: number, opts?: { uncertainty?: boolean }): StitchedWindow;
  /**
   * Starts writing to `path` (see {@link StitchWriteOptions}) so that {@link Stitcher.flush} can stream
   * finished tiles out while predictions still arrive. Nothing appears at `path` before `write`.
   */
  open(path: string, opts?: StitchWriteOptions): Promise<void>;
  /**
   * With `order: 'rows'` and an {@link Stitcher.open} output: writes every touched tile north of the
   * latest slice's top edge and frees its state. Returns the number of tiles written. Call it every few
   * slices (e.g. per batch) to keep memory at about two rows of tiles. The order check guarantees no
   * later slice reaches a flushed tile; reading a flushed tile with `readWindow` throws `TILE_FLUSHED`.
   */
  flush(): Promise<number>;
  /**
   * Writes the prediction raster (and the uncertainty raster) — finishing the output started by
   * {@link Stitcher.open} if there is one (then `path` must be the same and `opts` are ignored).
   */
  write(path: string, opts?: StitchWriteOptions): Promise<StitchWriteResult>;
  stats(): StitcherStats;
  /** Frees the tiles and deletes the scratch file. Idempotent. */
  close(): void;
}

const MIB = 1024 * 1024;

/**
 * Creates a {@link Stitcher} for an output grid. Throws {@link StitchError} `BAD_OPTION` for invalid
 * options (e.g. an integer dtype without `nodata`).
 *
 * @example
 * ```ts
 * const grid: GeoSlice = { bounds: [500000, 4000000, 520000, 4020000], crs: 'EPSG:32633', resolution: [10, 10] };
 * const st = createStitcher({ grid, bands: 5, blend: 'cosine', values: 'logits' });
 * ```
 */
export function createStitcher(opts: StitcherOptions): Stitcher {
  const grid = validateSlice(opts.grid);
  const gridCrs = normalizeCrs(grid.crs);
  const bands = opts.bands;
  if (!Number.isInteger(bands) || bands < 1)
    throw new StitchError('BAD_OPTION', `bands must be a positive integer, got ${bands}`);
  const blend = opts.blend ?? 'mean';
  assertBlendMode(blend);
  const dtype = opts.dtype ?? 'float32';
  const info = dtypeInfo(dtype);
  const nodata = opts.nodata ?? (info.float ? NaN : undefined);
  if (nodata === undefined)
    throw new StitchError(
      'BAD_OPTION',
      `dtype ${dtype} needs a nodata value (e.g. nodata: ${info.max}) for pixels no prediction covers`,
    );
  if (!info.float && (!Number.isInteger(nodata) || nodata < info.min || nodata > info.max)) {
    throw new StitchError('BAD_OPTION', `nodata ${nodata} does not fit dtype ${dtype} (${info.min}..${info.max})`);
  }
  const tileSize = opts.tileSize ?? 256;
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0)
    throw new StitchError('BAD_OPTION', `tileSize must be a multiple of 16 (TIFF tiles), got ${tileSize}`);
  const ivw = blend === 'inverse-variance';
  const values = opts.values ?? (ivw ? 'regression' : 'probabilities');
  if (ivw && values !== 'regression')
    throw new StitchError(
      'BAD_OPTION',
      `blend 'inverse-variance' merges (mean, sigma) regression outputs; pass values: 'regression', got ${JSON.stringify(values)}`,
    );
  const window = opts.window ?? 'uniform';
  if (window !== 'uniform' && window !== 'cosine')
    throw new StitchError('BAD_OPTION', `window must be 'uniform' or 'cosine', got ${JSON.stringify(window)}`);
  const count = opts.count ?? false;
  if (!['probabilities', 'logits', 'regression'].includes(values))
    throw new StitchError(
      'BAD_OPTION',
      `values must be 'probabilities', 'logits' or 'regression', got ${JSON.stringify(values)}`,
    );
  const resample = opts.resample ?? 'bilinear';
  if (resample !== 'nearest' && resample !== 'bilinear')
    throw new StitchError('BAD_OPTION', `resample must be 'nearest' or 'bilinear', got ${JSON.stringify(resample)}`);
  const trackVariance = opts.uncertainty ?? true;
  const bandNames = opts.bandNames ?? Array.from({ length: bands }, (_, i) => `band_${i + 1}`);
  if (bandNames.length !== bands)
    throw new StitchError('BAD_OPTION', `bandNames has ${bandNames.length} names for ${bands} bands`);
  const width = sliceWidth(grid);
  const height = sliceHeight(grid);
  const tileBytes = TileAccumulator.tileBytes({ bands, tileSize, blend, trackVariance, count });
  const budget = opts.memoryBudget ?? 512 * MIB;
  const maxInMemory = Math.floor(budget / tileBytes);
  if (maxInMemory < 1)
    throw new StitchError(
      'BAD_OPTION',
      `memoryBudget ${budget} B is smaller than one tile's state (${tileBytes} B); raise it or lower tileSize`,
    );
  const acc = new TileAccumulator({
    width,
    height,
    bands,
    tileSize,
    blend,
    window,
    count,
    kind: values,
    trackVariance,
    resample,
    maxInMemory,
    scratchDir: opts.scratchDir,
  });
  const spread = ivw
    ? bands === 1
      ? ['sigma']
      : Array.from({ length: bands }, (_, i) => `sigma_${i + 1}`)
    : values === 'regression'
      ? ['variance']
      : ['entropy', 'variance', 'margin'];
  const uncertaintyBands = count ? [...spread, 'count'] : spread;
  const order = opts.order ?? 'any';
  if (order !== 'any' && order !== 'rows')
    throw new StitchError('BAD_OPTION', `order must be 'any' or 'rows', got ${JSON.stringify(order)}`);
  let adds = 0;
  let pixels = 0;
  let lastTop = 0;
  let output: StitchOutput | undefined;
  let opening: Promise<void> | undefined;
  const flushed = new Set<number>();

  const [gx0, , , gy1] = grid.bounds;
  const [rx, ry] = grid.resolution;

  const stitcher: Stitcher = {
    grid,
    width,
    height,
    bands,
    tileSize,
    dtype,
    nodata,
    values,
    bandNames,
    uncertaintyBands,

    add(slice, prediction, addOpts = {}) {
      const what = describeSlice(slice);
      validateSlice(slice);
      if (normalizeCrs(slice.crs) !== gridCrs) {
        throw new StitchError(
          'CRS_MISMATCH',
          `${what} is in ${slice.crs} but the stitcher grid is in ${grid.crs}; warp the prediction into the grid's CRS first`,
          { subject: what },
        );
      }
      const [h, w] = addOpts.shape ?? [sliceHeight(slice), sliceWidth(slice)];
      let samples = prepareSamples(toPredictionSamples(prediction, acc.inputBands, h, w, what), values, what);
      if (ivw) assertPositiveSigmas(samples, bands, what);
      if (addOpts.mask) samples = applyMask(samples, addOpts.mask, what);
      const b = slice.bounds;
      const place = { x0: (b[0] - gx0) / rx, x1: (b[2] - gx0) / rx, y0: (gy1 - b[3]) / ry, y1: (gy1 - b[1]) / ry };
      const top = acc.topRow(place);
      if (top < 0) {
        throw new StitchError(
          'OUTSIDE_GRID',
          `${what} does not cover any pixel centre of the stitcher grid ${describeSlice(grid)}; drop it or widen the grid`,
          { subject: what },
        );
      }
      if (order === 'rows' && top < lastTop) {
        throw new StitchError(
          'ORDER',
          `${what} starts at grid row ${top}, north of an earlier slice (row ${lastTop}); with order: 'rows' feed slices north to south, or use order: 'any'`,
          { subject: what },
        );
      }
      lastTop = top;
      const touched = acc.add(place, samples);
      adds++;
      pixels += touched * samples.samples.length;
      return touched;
    },

    readWindow(x0, y0, w, h, ro = {}) {
      if (
        ![x0, y0, w, h].every(Number.isInteger) ||
        x0 < 0 ||
        y0 < 0 ||
        w < 1 ||
        h < 1 ||
        x0 + w > width ||
        y0 + h > height
      ) {
        throw new StitchError('BAD_WINDOW', `window ${x0},${y0} ${w}x${h} is not inside the ${width}x${height} grid`);
      }
      if (flushed.size > 0) {
        for (let ty = Math.floor(y0 / tileSize); ty * tileSize < y0 + h; ty++)
          for (let tx = Math.floor(x0 / tileSize); tx * tileSize < x0 + w; tx++) {
            if (flushed.has(ty * acc.tilesX + tx))
              throw new StitchError(
                'TILE_FLUSHED',
                `window ${x0},${y0} ${w}x${h} reaches tile (${tx}, ${ty}), which flush() already wrote and freed; read it from the written file`,
              );
          }
      }
      const withUnc = ro.uncertainty ?? trackVariance;
      const prediction = info.create(bands * w * h);
      const uncertainty = withUnc ? new Float32Array(uncertaintyBands.length * w * h) : undefined;
      const n = tileSize * tileSize;
      const tp = new Float64Array(bands * n);
      const tu = withUnc ? new Float64Array(uncertaintyBands.length * n) : undefined;
      for (let ty = Math.floor(y0 / tileSize); ty * tileSize < y0 + h; ty++) {
        for (let tx = Math.floor(x0 / tileSize); tx * tileSize < x0 + w; tx++) {
          acc.finalizeTile(ty * acc.tilesX + tx, tp, nodata, tu);
          const ya = Math.max(y0, ty * tileSize);
          const yb = Math.min(y0 + h, (ty + 1) * tileSize);
          const xa = Math.max(x0, tx * tileSize);
          const xb = Math.min(x0 + w, (tx + 1) * tileSize);
          for (let y = ya; y < yb; y++) {
            for (let x = xa; x < xb; x++) {
              const src = (y - ty * tileSize) * tileSize + (x - tx * tileSize);
              const dst = (y - y0) * w + (x - x0);
              for (let c = 0; c < bands; c++)
                prediction[c * w * h + dst] = convertValue(
                  tp[c * n + src],
                  dtype,
                  info.float,
                  info.min,
                  info.max,
                  nodata,
                  x,
                  y,
                );
              if (tu && uncertainty)
                for (let u = 0; u < uncertaintyBands.length; u++) uncertainty[u * w * h + dst] = tu[u * n + src];
            }
          }
        }
      }
      return { prediction, uncertainty, uncertaintyBands };
    },

    open(path, wo = {}) {
      if (output || opening)
        throw new StitchError(
          'BAD_OPTION',
          `the stitcher output is already open; call write(${JSON.stringify(output?.path ?? path)}) to finish it`,
        );
      opening = StitchOutput.open(stitcher, acc, path, wo).then((o) => {
        output = o;
      });
      return opening;
    },

    async flush() {
      if (order !== 'rows')
        throw new StitchError(
          'BAD_OPTION',
          "flush() needs the stitcher created with order: 'rows' (otherwise no tile is known to be finished)",
        );
      if (opening) await opening;
      if (!output)
        throw new StitchError('BAD_OPTION', 'flush() needs an output: call await stitcher.open(path, options) first');
      const doneRows = Math.floor(lastTop / tileSize);
      const ready: number[] = [];
      for (let i = 0; i < doneRows * acc.tilesX; i++) if (acc.store.has(i) && !flushed.has(i)) ready.push(i);
      await output.writeTiles(ready);
      for (const i of ready) {
        flushed.add(i);
        acc.store.drop(i);
      }
      return ready.length;
    },

    async write(path, wo = {}) {
      if (opening) await opening;
      if (output && resolve(output.path) !== resolve(path)) {
        throw new StitchError(
          'BAD_OPTION',
          `the stitcher output was opened for ${output.path}; write(${JSON.stringify(output.path)}) finishes it`,
          { subject: path },
        );
      }
      if (!output && flushed.size > 0) {
        throw new StitchError(
          'TILE_FLUSHED',
          `${flushed.size} tiles were flushed to an earlier output and freed, so ${path} cannot be written from this stitcher`,
          { subject: path },
        );
      }
      const out = output ?? (await StitchOutput.open(stitcher, acc, path, wo));
      const rest: number[] = [];
      for (let i = 0; i < acc.tilesX * acc.tilesY; i++) if (acc.store.has(i) && !flushed.has(i)) rest.push(i);
      await out.writeTiles(rest);
      const res = await out.finish();
      output = undefined;
      opening = undefined;
      return res;
    },

    stats() {
      return {
        adds,
        pixels,
        tilesTouched: acc.store.size,
        maxTilesInMemory: maxInMemory,
        peakTilesInMemory: acc.store.peakInMemory,
        spillWrites: acc.store.spillWrites,
      };
    },

    close() {
      void output?.abort();
      output = undefined;
      acc.close();
    },
  };
  return stitcher;
}

/**
 * Converts a blended value to the output dtype: floats are stored as they are; integer dtypes round to
 * the nearest integer and refuse values outside their range (StitchError `OUT_OF_RANGE`, naming the pixel).
 *
 * @example
 * ```ts
 * convertValue(2.6, 'uint8', false, 0, 255, 255, 0, 0); // 3
 * ```
 */
export function convertValue(
  v: number,
  dtype: RasterDType,
  float: boolean,
  min: number,
  max: number,
  nodata: number,
  x: number,
  y: number,
): number {
  if (float || v === nodata || v !== v) return v !== v ? nodata : v;
  const r = Math.round(v);
  if (r < min || r > max) {
    throw new StitchError(
      'OUT_OF_RANGE',
      `stitched value ${v} at grid pixel (${x}, ${y}) does not fit ${dtype} (${min}..${max}); use a wider dtype such as float32`,
      { subject: `pixel ${x},${y}` },
    );
  }
  return r;
}

function applyMask(p: PredictionSamples, mask: Uint8Array, what: string): PredictionSamples {
  const pixels = p.height * p.width;
  if (mask.length !== pixels)
    throw new StitchError(
      'SHAPE_MISMATCH',
      `${what}: mask has ${mask.length} values, expected ${p.height} x ${p.width} = ${pixels}`,
      { subject: what },
    );
  const samples = p.samples.map((s) => {
    const out = s instanceof Float64Array ? Float64Array.from(s) : Float32Array.from(s as ArrayLike<number>);
    for (let i = 0; i < pixels; i++) if (mask[i] === 0) for (let c = 0; c < p.bands; c++) out[c * pixels + i] = NaN;
    return out;
  });
  return { ...p, samples };
}
