/**
 * Band statistics of a catalog (count, mean, std, min, max, approximate percentiles), streamed file by
 * file, and `normalizeChip`, which standardises chips with them.
 */
import { renameSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import type { GeoCatalog } from '../catalog/types.js';
import { atBoundary, LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { Chip } from '../loaders/chip.js';
import type { BandSelector } from '../loaders/load-slice.js';
import { ReaderCache, rowBands } from './row-bands.js';

/**
 * Options of {@link computeBandStats}.
 */
export interface BandStatsOptions {
  bands?: BandSelector[];
  /**
   * Read full resolution and compute exact percentiles (numpy's linear interpolation over every valid
   * value, from a count per distinct value). Default false: the smallest overview with at least
   * `overviewPixels` pixels on its longer side, and percentiles estimated from a sample.
   */
  exact?: boolean;
  /**
   * Memory guard of `exact`: the most distinct values kept per band (each costs about 50 bytes). Integer
   * bands of up to 16 bits always fit; a float band with more distinct values is refused with
   * {@link LabelError} `TOO_MANY_VALUES`. Default 2_000_000.
   */
  maxDistinctValues?: number;
  /** Default 512. */
  overviewPixels?: number;
  /** Percentiles to estimate (0–100). Default [1, 2, 50, 98, 99]. */
  percentiles?: number[];
  /** Values kept per band for the approximate percentiles (a seeded uniform reservoir). Default 131_072. */
  sampleSize?: number;
  /** Write the statistics next to the catalog as `<path>.stats.json` (atomically); read them back with {@link readBandStats}. */
  save?: string;
  /**
   * Write a new version of the catalog to this GeoParquet path (atomically, like `toGeoParquet`) with
   * the statistics in its footer key-value metadata under {@link BAND_STATS_KEY}; read them back with
   * {@link readCatalogBandStats}.
   */
  catalogOut?: string;
}

/** The keys of {@link BandStatsOptions} (the compiler checks the list is complete). */
export const BAND_STATS_OPTION_KEYS = optionKeys<BandStatsOptions>()([
  'bands',
  'exact',
  'maxDistinctValues',
  'overviewPixels',
  'percentiles',
  'sampleSize',
  'save',
  'catalogOut',
]);

/**
 * Statistics of one band over the valid pixels (nodata, NaN and masked pixels excluded) of every
 * catalog row. `std` is the population standard deviation; `percentiles` maps each requested
 * percentile to its value (exact with `exact: true`; else an estimate, exact when every value fits in the sample).
 */
export interface BandStats {
  band: string;
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  percentiles: Record<string, number>;
}

class Accumulator {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  seen = 0;
  readonly sample: number[] = [];
  /** Exact mode: count per distinct value. */
  readonly counts: Map<number, number> | null;
  constructor(
    private readonly size: number,
    private readonly rng: () => number,
    private readonly maxDistinct: number | null,
    private readonly name: string,
  ) {
    this.counts = maxDistinct === null ? null : new Map();
  }

  add(v: number): void {
    this.count++;
    const d = v - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (v - this.mean);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.counts) {
      const c = this.counts.get(v);
      if (c !== undefined) this.counts.set(v, c + 1);
      else if (this.counts.size >= this.maxDistinct!) {
        throw new LabelError(
          'TOO_MANY_VALUES',
          `computeBandStats: band ${this.name} has more than ${this.maxDistinct} distinct values, too many for exact percentiles; raise maxDistinctValues or use exact: false`,
          { subject: this.name },
        );
      } else this.counts.set(v, 1);
      return;
    }
    this.seen++;
    if (this.sample.length < this.size) this.sample.push(v);
    else {
      const j = Math.floor(this.rng() * this.seen);
      if (j < this.size) this.sample[j] = v;
    }
  }
}

/** The `q`-th percentile (0–100) of sorted values, linear between neighbours (numpy's default). */
function percentile(sorted: number[], q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Exact percentiles (numpy's linear interpolation) from a count per distinct value. */
function exactPercentiles(counts: Map<number, number>, total: number, qs: number[]): Record<string, number> {
  const values = [...counts.keys()].sort((a, b) => a - b);
  // The value at 0-based rank r in the sorted multiset.
  const cumulative: number[] = [];
  let sum = 0;
  for (const v of values) cumulative.push((sum += counts.get(v)!));
  const at = (r: number): number => {
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  };
  return Object.fromEntries(
    qs.map((q) => {
      const pos = (q / 100) * (total - 1);
      const lo = Math.floor(pos);
      const a = at(lo);
      const b = at(Math.ceil(pos));
      return [String(q), a + (b - a) * (pos - lo)];
    }),
  );
}

/**
 * Streams every row of the catalog (one file read at a time, in strips) and returns per-band
 * statistics, band names being the asset keys or `band<n>`. Memory: the sample reservoir per band, or
 * with `exact` the distinct-value counts (at most `maxDistinctValues` per band).
 * Throws {@link LabelError} `NO_DATA` when a band has no valid pixel, `TOO_MANY_VALUES` (exact mode
 * beyond its memory guard), `BAD_OPTION` for bad options.
 */
export async function computeBandStats(catalog: GeoCatalog, opts: BandStatsOptions = {}): Promise<BandStats[]> {
  return atBoundary(LabelError, 'computeBandStats', () => computeBandStatsUnguarded(catalog, opts));
}

async function computeBandStatsUnguarded(catalog: GeoCatalog, opts: BandStatsOptions = {}): Promise<BandStats[]> {
  if (!catalog || typeof catalog !== 'object' || typeof catalog.rows !== 'function')
    throw new LabelError('BAD_OPTION', `computeBandStats needs a catalog, got ${String(catalog)}`);
  checkOptionKeys(opts, BAND_STATS_OPTION_KEYS, 'computeBandStats', LabelError);
  const qs = opts.percentiles ?? [1, 2, 50, 98, 99];
  if (!qs.every((q) => q >= 0 && q <= 100))
    throw new LabelError('BAD_OPTION', `percentiles must be within 0..100, got ${qs}`);
  const size = opts.sampleSize ?? 131_072;
  const minSide = opts.overviewPixels ?? 512;
  const maxDistinct = opts.maxDistinctValues ?? 2_000_000;
  if (!(Number.isInteger(maxDistinct) && maxDistinct >= 1))
    throw new LabelError('BAD_OPTION', `maxDistinctValues must be a positive integer, got ${String(maxDistinct)}`);
  const rng = seedrandom('geoslice-band-stats');
  const readers = new ReaderCache();
  let acc: Accumulator[] | null = null;
  let names: string[] = [];
  try {
    for await (const row of catalog.rows()) {
      const bands = await rowBands(row, opts.bands, readers);
      if (!acc) {
        names = opts.bands?.map((b) => (typeof b === 'string' ? b : `band${b}`)) ?? bands.map((_, i) => `band${i + 1}`);
        acc = bands.map((_, b) => new Accumulator(size, rng, opts.exact ? maxDistinct : null, names[b]));
      }
      if (bands.length !== acc.length)
        throw new LabelError(
          'BAD_BAND',
          `catalog row ${row.id} has ${bands.length} bands, the first row ${acc.length}`,
        );
      for (let b = 0; b < bands.length; b++) {
        const reader = await readers.get(bands[b].href);
        let level = 0;
        if (!opts.exact) reader.info.levels.forEach((l, i) => Math.max(l.width, l.height) >= minSide && (level = i));
        const { width, height } = reader.info.levels[level];
        const strip = Math.max(1, Math.floor(1_048_576 / width));
        for (let y = 0; y < height; y += strip) {
          const h = Math.min(strip, height - y);
          const w = await reader.readWindow(level, 0, y, width, h, [bands[b].band]);
          const data = w.data[0];
          for (let i = 0; i < data.length; i++) {
            if (w.mask && !w.mask[i]) continue;
            const v = Number(data[i]);
            if (!Number.isNaN(v)) acc[b].add(v);
          }
        }
        await readers.close();
      }
    }
  } finally {
    await readers.close();
  }
  if (!acc) throw new LabelError('NO_DATA', `computeBandStats: catalog ${catalog.source} has no rows`);
  const stats = acc.map((a, b): BandStats => {
    if (a.count === 0) throw new LabelError('NO_DATA', `computeBandStats: band ${names[b]} has no valid pixel`);
    const sorted = a.counts ? [] : a.sample.slice().sort((x, y) => x - y);
    return {
      band: names[b],
      count: a.count,
      mean: a.mean,
      std: Math.sqrt(a.m2 / a.count),
      min: a.min,
      max: a.max,
      percentiles: a.counts
        ? exactPercentiles(a.counts, a.count, qs)
        : Object.fromEntries(qs.map((q) => [String(q), percentile(sorted, q)])),
    };
  });
  if (opts.catalogOut) {
    await catalog.toGeoParquet(opts.catalogOut, { metadata: { [BAND_STATS_KEY]: JSON.stringify({ bands: stats }) } });
  }
  if (opts.save) {
    const path = `${opts.save}.stats.json`;
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ bands: stats }, null, 2));
    renameSync(tmp, path);
  }
  return stats;
}

/**
 * The statistics saved by `computeBandStats({ save })` for the catalog at `path`, or null when none.
 */
export function readBandStats(path: string): BandStats[] | null {
  const file = `${path}.stats.json`;
  if (!existsSync(file)) return null;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { bands: BandStats[] }).bands;
  } catch (e) {
    throw new LabelError('BAD_STATS', `${file} is not a band statistics file (${(e as Error).message}); recompute it`, {
      subject: file,
    });
  }
}

/** The Parquet footer key-value metadata key holding a catalog's band statistics (`{ bands: BandStats[] }` as JSON). */
export const BAND_STATS_KEY = 'geoslice:band_stats';

/**
 * The statistics stored in a GeoParquet catalog's footer by `computeBandStats({ catalogOut })` (the
 * file, or the first file of a directory of shards that has them), or null when it has none. Throws
 * {@link LabelError} `BAD_STATS` when the stored value is not band statistics.
 */
export async function readCatalogBandStats(path: string): Promise<BandStats[] | null> {
  const { sharedEngine } = await import('../catalog/duckdb/engine.js');
  const files = existsSync(path) && statSync(path).isDirectory() ? join(path, '**', '*.parquet') : path;
  const rows = await (await sharedEngine()).all(
    `SELECT decode(value) AS v FROM parquet_kv_metadata($files) WHERE decode(key) = $key ORDER BY file_name LIMIT 1`,
    { files, key: BAND_STATS_KEY },
    path,
  );
  if (rows.length === 0) return null;
  try {
    const bands = (JSON.parse(String(rows[0].v)) as { bands: BandStats[] }).bands;
    if (!Array.isArray(bands) || !bands.every((b) => typeof b.mean === 'number' && typeof b.std === 'number'))
      throw new Error('no bands with mean and std');
    return bands;
  } catch (e) {
    throw new LabelError(
      'BAD_STATS',
      `${path}: ${BAND_STATS_KEY} is not band statistics (${(e as Error).message}); recompute them`,
      {
        subject: path,
      },
    );
  }
}

/**
 * A float32 copy of a chip's pixels standardised per band, `(x - mean) / std` (or, with
 * `range: [lo, hi]` percentiles, scaled so that those map to 0 and 1); invalid pixels become 0.
 * Throws {@link LabelError} `BAD_STATS` when the band counts differ.
 */
export function normalizeChip(chip: Chip, stats: BandStats[], opts: { range?: [number, number] } = {}): Float32Array {
  const shape = chip.shape;
  const c = shape.length === 4 ? shape[1] : shape[0];
  if (c !== stats.length)
    throw new LabelError('BAD_STATS', `the chip has ${c} bands but the statistics ${stats.length}`, {
      subject: 'normalizeChip',
    });
  const plane = shape[shape.length - 1] * shape[shape.length - 2];
  const layers = shape.length === 4 ? shape[0] : 1;
  const out = new Float32Array(chip.data.length);
  const scale = stats.map((s) => {
    if (!opts.range) return [s.mean, s.std > 0 ? 1 / s.std : 1];
    const lo = s.percentiles[String(opts.range[0])];
    const hi = s.percentiles[String(opts.range[1])];
    if (lo === undefined || hi === undefined)
      throw new LabelError('BAD_STATS', `percentiles ${opts.range} were not computed for band ${s.band}`);
    return [lo, hi > lo ? 1 / (hi - lo) : 1];
  });
  for (let t = 0; t < layers; t++) {
    for (let b = 0; b < c; b++) {
      const [off, k] = scale[b];
      const base = (t * c + b) * plane;
      for (let i = 0; i < plane; i++) {
        if (chip.mask && !chip.mask[t * plane + i]) continue;
        out[base + i] = (Number(chip.data[base + i]) - off) * k;
      }
    }
  }
  return out;
}
