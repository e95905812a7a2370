import { SamplerError } from '../errors.js';
import { type BBox, type CrsInput, type Geometry, normalizeCrs, type TimeInterval } from '../geo/index.js';
import { badOption } from './bad-option.js';
import type { FootprintMode } from '../footprints/use-footprint.js';
import type { TemporalOptions } from './temporal.js';
import type { SamplerSeed } from './keys/index.js';
import { optionKeys } from '../option-keys.js';

/**
 * Which part of a sampler's stream one worker gets: slice number `i` of the unsharded stream goes to
 * rank `i % worldSize`, so the union over ranks is exactly the unsharded stream.
 */
export interface SamplerShard {
  rank: number;
  worldSize: number;
}

/**
 * Options every sampler understands.
 */
export interface CommonSamplerOptions {
  /** Chip size: one number (square) or `[height, width]`, in pixels (default) or CRS units (`units: 'crs'`). */
  size: number | [height: number, width: number];
  /** `'pixels'` (default): `size` counts pixels at `resolution`; `'crs'`: `size` is in CRS units and must be a whole number of pixels. */
  units?: 'pixels' | 'crs';
  /** CRS units per pixel (one number or `[x, y]`). Default: the raster's native resolution, read from the row's grid columns (see {@link nativeGrid}). */
  resolution?: number | [x: number, y: number];
  /**
   * CRS of the slices. Default: the rows' common native CRS (a sampler over rows in several CRSs
   * throws `MIXED_CRS`, since its slices would mix CRSs in one batch). `'native'`: each slice in its
   * own row's CRS, even when they differ (random, stratified).
   */
  crs?: CrsInput | 'native';
  /** Region of interest; chips stay inside footprint ∩ roi. In `roiCrs` (default EPSG:4326). */
  roi?: BBox | Geometry;
  roiCrs?: CrsInput;
  /** Only rows whose time range overlaps it (catalog semantics); slices carry it unless `temporal` sets their interval. */
  interval?: TimeInterval;
  /** Keep rows with unknown times when `interval` is set. Default false. */
  includeUndated?: boolean;
  /** For rows with several `<asset>_cog` grid columns: which asset's pixel grid to snap to. Default: the finest. */
  gridAsset?: string;
  /** Default 0. */
  seed?: SamplerSeed;
  /** Re-seeds the stream: epoch n is a different, equally reproducible stream. Default 0. */
  epoch?: number;
  /** Partition of the stream across workers. Default: the whole stream. */
  shard?: SamplerShard;
  /** Compose with a temporal sampler: every slice gets an `interval`. */
  temporal?: TemporalOptions;
  /**
   * `'valid'`: place chips inside each row's valid-data polygon (the `valid_footprint` column written by
   * `buildRasterCatalog({ footprint: 'valid' })`) so that they avoid nodata areas. Default `'bbox'`: the extent.
   */
  footprint?: FootprintMode;
  /** Yield each selected row's own extent instead of a chip (for catalogs of pre-cut chips). */
  preChipped?: boolean;
}

/** The keys of {@link CommonSamplerOptions} (the compiler checks the list is complete). */
export const COMMON_SAMPLER_OPTION_KEYS = optionKeys<CommonSamplerOptions>()([
  'size',
  'units',
  'resolution',
  'crs',
  'roi',
  'roiCrs',
  'interval',
  'includeUndated',
  'gridAsset',
  'seed',
  'epoch',
  'shard',
  'temporal',
  'footprint',
  'preChipped',
]);

/**
 * How messages name what a sampler reads: the catalog's source, or `a region` for a box or geometry.
 */
export function samplerInput(source: unknown): string {
  const name = (source as { source?: unknown } | null)?.source;
  return typeof name === 'string' ? name : 'a region';
}

/**
 * Validates a shard spec (default: rank 0 of 1).
 */
export function checkShard(shard: SamplerShard | undefined): SamplerShard {
  if (shard === undefined) return { rank: 0, worldSize: 1 };
  const { rank, worldSize } = shard;
  if (!Number.isInteger(worldSize) || worldSize < 1)
    badOption('shard.worldSize', worldSize, 'pass a positive integer (the number of workers)');
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    badOption('shard.rank', rank, `pass an integer in [0, ${worldSize - 1}]`);
  return { rank, worldSize };
}

/**
 * Validates seed and epoch (defaults 0 and 0).
 */
export function checkSeed(o: { seed?: SamplerSeed; epoch?: number }): { seed: SamplerSeed; epoch: number } {
  if (!o || typeof o !== 'object') badOption('options', o, 'pass an options object');
  const seed = o.seed ?? 0;
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string')
    badOption('seed', seed, 'pass a finite number or a string');
  const epoch = o.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0) badOption('epoch', epoch, 'pass a non-negative integer');
  return { seed, epoch };
}

/**
 * Resolution as `[x, y]`, validated, or undefined when not given.
 */
export function checkResolution(r: number | [number, number] | undefined): [number, number] | undefined {
  if (r === undefined) return undefined;
  const pair: [number, number] = typeof r === 'number' ? [r, r] : r;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isFinite(v) && v > 0)) {
    badOption('resolution', r, 'pass a positive number or [x, y] in CRS units per pixel');
  }
  return [pair[0], pair[1]];
}

/**
 * Validates `size` (and its units) without knowing the resolution yet.
 */
export function checkSize(
  size: number | [number, number],
  units: 'pixels' | 'crs' | undefined,
): [height: number, width: number] {
  if (units !== undefined && units !== 'pixels' && units !== 'crs') badOption('units', units, "pass 'pixels' or 'crs'");
  const pair: [number, number] = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isFinite(v) && v > 0)) {
    badOption('size', size, 'pass a positive number or [height, width]');
  }
  if ((units ?? 'pixels') === 'pixels' && !pair.every(Number.isInteger))
    badOption('size', size, "pass whole pixels, or set units: 'crs'");
  return [pair[0], pair[1]];
}

/**
 * The chip size in pixels `[height, width]` at a resolution.
 */
export function sizeInPixels(
  size: [number, number],
  units: 'pixels' | 'crs' | undefined,
  res: [number, number],
): [number, number] {
  if ((units ?? 'pixels') === 'pixels') return size;
  const h = size[0] / res[1];
  const w = size[1] / res[0];
  for (const [n, axis] of [
    [h, 'height'],
    [w, 'width'],
  ] as const) {
    if (Math.abs(n - Math.round(n)) > 1e-6 * Math.max(1, n) || Math.round(n) < 1) {
      badOption(
        'size',
        size,
        `in CRS units the ${axis} must be a whole number (>= 1) of ${axis === 'height' ? res[1] : res[0]}-unit pixels; adjust size or resolution`,
      );
    }
  }
  return [Math.round(h), Math.round(w)];
}

/**
 * The canonical name of an optional CRS option.
 */
export function checkCrs(crs: CrsInput | undefined, option: string): string | undefined {
  if (crs === undefined) return undefined;
  try {
    return normalizeCrs(crs);
  } catch (e) {
    throw new SamplerError('BAD_OPTION', `sampler option "${option}": ${(e as Error).message}`, {
      cause: e,
      subject: option,
    });
  }
}
