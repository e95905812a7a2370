import { describeSlice, type GeoSlice, validateSlice } from '../geo/index.js';
import type { RasterDtype } from '../tiff/dtype.js';
import { TileAccumulator } from './accumulator.js';
import { FlushingOutput } from './flushing-output.js';
import { ADD_OPTION_KEYS, placePrediction, type AddOptions } from './place-prediction.js';
import type { PredictionInput } from './prediction-input.js';
import { checkWindow, readStitchedWindow, type StitchedWindow } from './read-window.js';
import { STITCH_WRITE_OPTION_KEYS, type StitchWriteOptions, type StitchWriteResult } from './stitch-writer.js';
import { resolveStitcherOptions, type StitcherOptions } from './stitcher-options.js';
import { atBoundary, atBoundarySync, StitchError } from '../errors.js';
import { checkOptionKeys } from '../option-keys.js';
import type { ValueKind } from './uncertainty.js';

export type { AddOptions } from './place-prediction.js';
export type { StitchedWindow } from './read-window.js';
export type { StitcherOptions } from './stitcher-options.js';

/**
 * Counters of a stitcher.
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
 */
export interface Stitcher {
  readonly grid: GeoSlice;
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly tileSize: number;
  readonly dtype: RasterDtype;
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

/**
 * Creates a {@link Stitcher} for an output grid. Throws {@link StitchError} `BAD_OPTION` for invalid
 * options (e.g. an integer dtype without `nodata`).
 *
 * @example
 * ```ts
 * import { createStitcher, type GeoSlice } from 'geoslice';
 *
 * const grid: GeoSlice = { bounds: [500000, 4000000, 520000, 4020000], crs: 'EPSG:32633', resolution: [10, 10] };
 * const stitcher = createStitcher({ grid, bands: 5, blend: 'cosine', values: 'logits' });
 * const slice: GeoSlice = { bounds: [500000, 4017440, 502560, 4020000], crs: grid.crs, resolution: [10, 10] };
 * stitcher.add(slice, new Float32Array(5 * 256 * 256)); // the model's logits for this chip, [C, H, W]
 * const { prediction, uncertainty } = await stitcher.write('pred.tif', { uncertainty: true });
 * console.log(prediction, uncertainty);
 * ```
 */
export function createStitcher(opts: StitcherOptions): Stitcher {
  const spec = atBoundarySync(StitchError, 'createStitcher', () => resolveStitcherOptions(opts));
  const acc = new TileAccumulator({
    width: spec.width,
    height: spec.height,
    bands: spec.bands,
    tileSize: spec.tileSize,
    blend: spec.blend,
    window: spec.window,
    count: spec.count,
    kind: spec.values,
    trackVariance: spec.trackVariance,
    resample: spec.resample,
    maxInMemory: spec.maxInMemory,
    scratchDir: spec.scratchDir,
  });
  const output = new FlushingOutput(spec, acc);
  let adds = 0;
  let pixels = 0;
  /** Top grid row of the latest slice (the `order: 'rows'` check and `flush` use it). */
  let lastTop = 0;

  return {
    grid: spec.grid,
    width: spec.width,
    height: spec.height,
    bands: spec.bands,
    tileSize: spec.tileSize,
    dtype: spec.dtype,
    nodata: spec.nodata,
    values: spec.values,
    bandNames: spec.bandNames,
    uncertaintyBands: spec.uncertaintyBands,

    add(slice, prediction, addOpts = {}) {
      return atBoundarySync(StitchError, 'stitcher.add', () => {
        checkOptionKeys(addOpts, ADD_OPTION_KEYS, 'stitcher.add', StitchError);
        return addPrediction(slice, prediction, addOpts);
      });
    },

    readWindow(x0, y0, w, h, ro = {}) {
      return atBoundarySync(StitchError, 'stitcher.readWindow', () => {
        checkWindow(spec, x0, y0, w, h);
        output.assertNotFlushed(x0, y0, w, h);
        return readStitchedWindow(spec, acc, x0, y0, w, h, ro.uncertainty ?? spec.trackVariance);
      });
    },

    open: (path, wo = {}) =>
      atBoundary(StitchError, `stitcher.open ${String(path)}`, async () => {
        checkOptionKeys(wo, STITCH_WRITE_OPTION_KEYS, 'stitcher.open', StitchError);
        return output.open(outPath(path), wo);
      }),
    flush: () => atBoundary(StitchError, 'stitcher.flush', () => output.flush(lastTop)),
    write: (path, wo = {}) =>
      atBoundary(StitchError, `stitcher.write ${String(path)}`, async () => {
        checkOptionKeys(wo, STITCH_WRITE_OPTION_KEYS, 'stitcher.write', StitchError);
        return output.write(outPath(path), wo);
      }),

    stats() {
      return {
        adds,
        pixels,
        tilesTouched: acc.store.size,
        maxTilesInMemory: spec.maxInMemory,
        peakTilesInMemory: acc.store.peakInMemory,
        spillWrites: acc.store.spillWrites,
      };
    },

    close() {
      output.abort();
      acc.close();
    },
  };

  function addPrediction(slice: GeoSlice, prediction: PredictionInput, addOpts: AddOptions): number {
    validateSlice(slice);
    const { what, samples, place } = placePrediction(spec, acc.inputBands, slice, prediction, addOpts);
    const top = acc.topRow(place);
    if (top < 0) {
      throw new StitchError(
        'OUTSIDE_GRID',
        `${what} does not cover any pixel centre of the stitcher grid ${describeSlice(spec.grid)}; drop it or widen the grid`,
        { subject: what },
      );
    }
    if (spec.order === 'rows' && top < lastTop) {
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
  }
}

/** The output path of `open`/`write`, checked: a non-empty string without NUL bytes. */
function outPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0'))
    throw new StitchError('BAD_OPTION', `the output path must be a non-empty string, got ${String(path)}`);
  return path;
}
