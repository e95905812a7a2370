import { StitchError } from '../errors.js';
import { TileStore } from './accumulator-store.js';
import { BLEND_RULES, blendWeight1d, type BlendMode, type BlendRule, type BlendWindow } from './blend.js';
import type { PredictionSamples } from './prediction-input.js';
import { predictiveEntropy, probabilityMargin, type ValueKind } from './uncertainty.js';

/**
 * Where a chip falls on the output grid, in output pixel coordinates (x to the east, y to the south,
 * `0..width` / `0..height` span the grid; fractions allowed).
 */
export interface ChipPlacement {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Options of a {@link TileAccumulator}.
 */
export interface AccumulatorOptions {
  width: number;
  height: number;
  bands: number;
  tileSize: number;
  blend: BlendMode;
  /** Spatial weight window (blend `'cosine'` always uses `'cosine'`). Default `'uniform'`. */
  window?: BlendWindow;
  kind: ValueKind;
  /** Keep the second moment per band (the variance band; for `'inverse-variance'`, the σ band). */
  trackVariance: boolean;
  /** Keep the number of predictions per pixel (the `count` band). Default false. */
  count?: boolean;
  resample: 'nearest' | 'bilinear';
  /** Tiles kept in memory before the least recently touched one is spilled to the scratch file. */
  maxInMemory: number;
  scratchDir?: string;
}

/** One `tileSize²` plane of final values (a band of an output tile). */
export type Plane = Float64Array | Float32Array;

/** Weights below this are raised to it, so a pixel inside a chip is never weighted exactly 0. */
const MIN_WEIGHT = 1e-12;
/** Positions within this many pixels of a whole pixel are snapped onto it (float noise of bounds / resolution). */
const SNAP = 1e-6;

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < SNAP ? r : v;
}

/**
 * Per-tile blending state of an output grid. Each tile of `tileSize²` pixels owns, in one Float64Array,
 * planes of `tileSize²` values: the sum of spatial weights; the weighted running mean per band (West's
 * weighted Welford update; for `'inverse-variance'` weighted by `b/σ²`); the weighted sum of squared
 * deviations per band (when `trackVariance`); the picked value per band (blends `'max'`, `'first'`,
 * `'last'`); for `'inverse-variance'` the sum of weights `Σ b/σ²` per band and (when `trackVariance`)
 * `Σ b²/σ²` per band instead of the squared deviations; and the prediction count (when `count`).
 * Tiles are allocated on first touch and spilled through a {@link TileStore}.
 */
export class TileAccumulator {
  readonly tilesX: number;
  readonly tilesY: number;
  readonly store: TileStore;
  /** Bands each prediction holds: `2 * bands` (means, then sigmas) for `'inverse-variance'`, else `bands`. */
  readonly inputBands: number;
  private readonly n: number;
  private readonly meanAt: number;
  private readonly m2At: number;
  private readonly pickAt: number;
  private readonly ivwAt: number;
  private readonly countAt: number;
  private readonly rule: BlendRule;

  constructor(readonly opts: AccumulatorOptions) {
    const { width, height, bands, tileSize } = opts;
    this.tilesX = Math.ceil(width / tileSize);
    this.tilesY = Math.ceil(height / tileSize);
    this.n = tileSize * tileSize;
    this.rule = BLEND_RULES[opts.blend];
    this.inputBands = this.rule.inverseVariance ? 2 * bands : bands;
    const planes = TileAccumulator.planes(opts);
    this.meanAt = this.n;
    this.m2At = this.meanAt + bands * this.n;
    this.pickAt = this.m2At + planes.m2 * this.n;
    this.ivwAt = this.pickAt + planes.pick * this.n;
    this.countAt = this.ivwAt + planes.ivw * this.n;
    const slot = this.countAt + planes.count * this.n;
    const pickStart = this.pickAt;
    const pickEnd = this.ivwAt;
    const pick = this.rule.pick;
    const init = pick && pick.init !== 0 ? (t: Float64Array) => t.fill(pick.init, pickStart, pickEnd) : () => undefined;
    this.store = new TileStore(slot, init, opts.maxInMemory, opts.scratchDir);
  }

  /** Planes of `tileSize²` values per tile, by purpose (besides the weight plane and the `bands` mean planes). */
  private static planes(o: Pick<AccumulatorOptions, 'bands' | 'blend' | 'trackVariance' | 'count'>): {
    m2: number;
    pick: number;
    ivw: number;
    count: number;
  } {
    const rule = BLEND_RULES[o.blend];
    const ivw = rule.inverseVariance === true;
    return {
      m2: o.trackVariance && !ivw ? o.bands : 0,
      pick: rule.pick ? o.bands : 0,
      ivw: ivw ? o.bands * (o.trackVariance ? 2 : 1) : 0,
      count: o.count ? 1 : 0,
    };
  }

  /** Bytes of state one tile holds. */
  static tileBytes(o: Pick<AccumulatorOptions, 'bands' | 'tileSize' | 'blend' | 'trackVariance' | 'count'>): number {
    const p = TileAccumulator.planes(o);
    const perPixel = 1 + o.bands + p.m2 + p.pick + p.ivw + p.count;
    return perPixel * o.tileSize * o.tileSize * 8;
  }

  /** First grid row whose pixel centre a placement covers, or -1 when it misses the grid. */
  topRow(p: ChipPlacement): number {
    return this.range(p)?.gya ?? -1;
  }

  private range(
    p: ChipPlacement,
  ):
    | { x0: number; x1: number; y0: number; y1: number; gxa: number; gxb: number; gya: number; gyb: number }
    | undefined {
    const { width, height } = this.opts;
    const x0 = snap(p.x0);
    const y0 = snap(p.y0);
    const x1 = snap(p.x1);
    const y1 = snap(p.y1);
    const gxa = Math.max(0, Math.ceil(x0 - 0.5));
    const gxb = Math.min(width, Math.ceil(x1 - 0.5));
    const gya = Math.max(0, Math.ceil(y0 - 0.5));
    const gyb = Math.min(height, Math.ceil(y1 - 0.5));
    return gxa < gxb && gya < gyb ? { x0, x1, y0, y1, gxa, gxb, gya, gyb } : undefined;
  }

  /**
   * Blends the chip's samples into every output pixel whose centre lies inside the placement; returns the
   * number of output pixels touched (0 when the chip misses the grid). NaN pixels are skipped.
   */
  add(p: ChipPlacement, pred: PredictionSamples): number {
    const { tileSize } = this.opts;
    const r = this.range(p);
    if (!r) return 0;
    const { x0, x1, y0, y1, gxa, gxb, gya, gyb } = r;
    const cols = this.axis(gxa, gxb, x0, x1, pred.width);
    const rows = this.axis(gya, gyb, y0, y1, pred.height);
    for (let ty = Math.floor(gya / tileSize); ty * tileSize < gyb; ty++) {
      for (let tx = Math.floor(gxa / tileSize); tx * tileSize < gxb; tx++) {
        const tile = this.store.touch(ty * this.tilesX + tx);
        const ra = Math.max(gya, ty * tileSize);
        const rb = Math.min(gyb, (ty + 1) * tileSize);
        const ca = Math.max(gxa, tx * tileSize);
        const cb = Math.min(gxb, (tx + 1) * tileSize);
        this.blendIntoTile(tile, tx * tileSize, ty * tileSize, ra, rb, ca, cb, gxa, gya, cols, rows, pred);
      }
    }
    return (gxb - gxa) * (gyb - gya);
  }

  /** Per output column (or row) from `a` to `b`: the source indices, interpolation fraction and window weight. */
  private axis(
    a: number,
    b: number,
    c0: number,
    c1: number,
    n: number,
  ): { i0: Int32Array; i1: Int32Array; t: Float64Array; w: Float64Array } {
    const len = b - a;
    const i0 = new Int32Array(len);
    const i1 = new Int32Array(len);
    const t = new Float64Array(len);
    const w = new Float64Array(len);
    const scale = n / (c1 - c0);
    const nearest = this.opts.resample === 'nearest';
    const window = this.rule.window === 'option' ? (this.opts.window ?? 'uniform') : this.rule.window;
    for (let k = 0; k < len; k++) {
      const u = (a + k + 0.5 - c0) / (c1 - c0);
      w[k] = blendWeight1d(window, u);
      const f = snap((a + k + 0.5 - c0) * scale - 0.5);
      if (nearest) {
        i0[k] = i1[k] = Math.min(n - 1, Math.max(0, Math.floor(f + 0.5)));
        continue;
      }
      const f0 = Math.floor(f);
      const frac = f - f0;
      i0[k] = Math.min(n - 1, Math.max(0, f0));
      i1[k] = frac === 0 ? i0[k] : Math.min(n - 1, Math.max(0, f0 + 1));
      t[k] = frac;
    }
    return { i0, i1, t, w };
  }

  private blendIntoTile(
    tile: Float64Array,
    tileX: number,
    tileY: number,
    ra: number,
    rb: number,
    ca: number,
    cb: number,
    gxa: number,
    gya: number,
    cols: ReturnType<TileAccumulator['axis']>,
    rows: ReturnType<TileAccumulator['axis']>,
    pred: PredictionSamples,
  ): void {
    const { bands, tileSize, trackVariance } = this.opts;
    const inBands = this.inputBands;
    const n = this.n;
    const meanAt = this.meanAt;
    const m2At = this.m2At;
    const pickAt = this.pickAt;
    const ivwAt = this.ivwAt;
    const countAt = this.countAt;
    const counting = this.opts.count === true;
    const replaces = this.rule.pick?.replaces;
    const isIvw = this.rule.inverseVariance === true;
    const pix = pred.width * pred.height;
    const pw = pred.width;
    const ci0 = cols.i0;
    const ci1 = cols.i1;
    const ct = cols.t;
    const cw = cols.w;
    const vals = new Float64Array(inBands);
    for (const sample of pred.samples) {
      for (let gy = ra; gy < rb; gy++) {
        const r = gy - gya;
        const ry0 = rows.i0[r] * pw;
        const ry1 = rows.i1[r] * pw;
        const ty = rows.t[r];
        const wy = rows.w[r];
        const rowBase = (gy - tileY) * tileSize - tileX;
        for (let gx = ca; gx < cb; gx++) {
          const k = gx - gxa;
          const ix0 = ci0[k];
          const ix1 = ci1[k];
          let ok = true;
          if (ix0 === ix1 && ry0 === ry1) {
            for (let c = 0; c < inBands; c++) {
              const v = sample[c * pix + ry0 + ix0];
              if (v !== v) ok = false;
              vals[c] = v;
            }
          } else {
            const tx = ct[k];
            for (let c = 0; c < inBands; c++) {
              const o = c * pix;
              const top = (1 - tx) * sample[o + ry0 + ix0] + tx * sample[o + ry0 + ix1];
              const bot = (1 - tx) * sample[o + ry1 + ix0] + tx * sample[o + ry1 + ix1];
              const v = (1 - ty) * top + ty * bot;
              if (v !== v) ok = false;
              vals[c] = v;
            }
          }
          if (!ok) continue;
          const p = rowBase + gx;
          const w0 = wy * cw[k];
          const w = Math.max(w0, MIN_WEIGHT);
          const before = tile[p];
          const W = before + w;
          tile[p] = W;
          if (counting) tile[countAt + p] += 1;
          if (isIvw) {
            for (let c = 0; c < bands; c++) {
              const inv = 1 / (vals[bands + c] * vals[bands + c]);
              const wc = w * inv;
              const si = ivwAt + c * n + p;
              const Wc = tile[si] + wc;
              tile[si] = Wc;
              const mi = meanAt + c * n + p;
              tile[mi] += (vals[c] - tile[mi]) * (wc / Wc);
              if (trackVariance) tile[si + bands * n] += w * w * inv;
            }
            continue;
          }
          if (before === 0) {
            // The pixel's first prediction: the running mean becomes x (0 + x: -0 stored as 0, as the update
            // below would), the squared deviations stay 0. Same values, without the division.
            for (let c = 0; c < bands; c++) {
              const x = vals[c];
              tile[meanAt + c * n + p] = 0 + x;
              if (replaces) {
                const xi = pickAt + c * n + p;
                if (replaces(tile[xi], x, true)) tile[xi] = x;
              }
            }
            continue;
          }
          const ratio = w / W;
          for (let c = 0; c < bands; c++) {
            const x = vals[c];
            const mi = meanAt + c * n + p;
            const mean = tile[mi];
            const delta = x - mean;
            const next = mean + delta * ratio;
            tile[mi] = next;
            if (trackVariance) tile[m2At + c * n + p] += w * delta * (x - next);
            if (replaces) {
              const xi = pickAt + c * n + p;
              if (replaces(tile[xi], x, before === 0)) tile[xi] = x;
            }
          }
        }
      }
    }
  }

  /**
   * Final values of tile `index`, one `tileSize²` plane per band: `pred` receives the `bands` planes
   * (mean, or the picked value of `'max'`/`'first'`/`'last'`) and `unc` (when given) the entropy,
   * variance, margin planes (probabilities/logits), just variance (regression), or one σ plane per band
   * (`'inverse-variance'`), followed by the count plane when counting. Pixels without any prediction
   * get `nodata` / `uncNodata` (count: 0); with `nanToNodata`, a final value that is NaN becomes
   * `nodata` too. Returns the number of pixels with a prediction; an untouched tile fills everything
   * with nodata and returns 0.
   */
  finalizeTile(
    index: number,
    pred: readonly Plane[],
    nodata: number,
    unc?: readonly Plane[],
    uncNodata = NaN,
    nanToNodata = false,
  ): number {
    const { bands, kind, trackVariance } = this.opts;
    const n = this.n;
    const tile = this.store.peek(index);
    const counting = this.opts.count === true;
    const countPlane = unc && counting ? unc[unc.length - 1] : undefined;
    if (!tile) {
      for (const plane of pred) plane.fill(nodata, 0, n);
      if (unc) for (const plane of unc) plane.fill(uncNodata, 0, n);
      countPlane?.fill(0, 0, n);
      return 0;
    }
    if (unc && !trackVariance)
      throw new StitchError('BAD_OPTION', 'uncertainty bands need the stitcher created with uncertainty: true');
    const src = this.rule.pick ? this.pickAt : this.meanAt;
    let covered = 0;
    for (let c = 0; c < bands; c++) {
      const out = pred[c];
      const at = src + c * n;
      for (let p = 0; p < n; p++) {
        const v = tile[p] === 0 ? nodata : tile[at + p];
        out[p] = nanToNodata && v !== v ? nodata : v;
      }
    }
    for (let p = 0; p < n; p++) if (tile[p] !== 0) covered++;
    if (!unc) return covered;
    if (countPlane) {
      const at = this.countAt;
      for (let p = 0; p < n; p++) countPlane[p] = tile[p] === 0 ? 0 : tile[at + p];
    }
    if (this.rule.inverseVariance) {
      for (let c = 0; c < bands; c++) {
        const out = unc[c];
        const si = this.ivwAt + c * n;
        const s2 = si + bands * n;
        for (let p = 0; p < n; p++) out[p] = tile[p] === 0 ? uncNodata : Math.sqrt(tile[s2 + p]) / tile[si + p];
      }
      return covered;
    }
    const m2At = this.m2At;
    const meanAt = this.meanAt;
    const probs = kind !== 'regression';
    const variancePlane = probs ? unc[1] : unc[0];
    for (let p = 0; p < n; p++) {
      const W = tile[p];
      if (W === 0) {
        variancePlane[p] = uncNodata;
        continue;
      }
      let variance = 0;
      for (let c = 0; c < bands; c++) variance += Math.max(0, tile[m2At + c * n + p] / W);
      variancePlane[p] = variance / bands;
    }
    if (!probs) return covered;
    const entropy = unc[0];
    const margin = unc[2];
    for (let p = 0; p < n; p++) {
      if (tile[p] === 0) {
        entropy[p] = uncNodata;
        margin[p] = uncNodata;
        continue;
      }
      entropy[p] = predictiveEntropy(tile, meanAt + p, n, bands);
      margin[p] = probabilityMargin(tile, meanAt + p, n, bands);
    }
    return covered;
  }

  /** Deletes the scratch file and frees the tiles. */
  close(): void {
    this.store.close();
  }
}
