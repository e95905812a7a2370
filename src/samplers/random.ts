import { iterateAtBoundary, SamplerError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { CatalogRow, GeoCatalog } from '../catalog/index.js';
import { bboxIntersection, type Geometry, geometryBBox, type GeoSlice, type TimeInterval } from '../geo/index.js';
import { bboxEqualArea, equalAreaArea, toEqualArea, wkbEqualArea } from '../geo/equal-area.js';
import { intersectionArea } from '../geo/intersection-area.js';
import { badOption } from './bad-option.js';
import {
  checkSeed,
  checkShard,
  COMMON_SAMPLER_OPTION_KEYS,
  samplerInput,
  type CommonSamplerOptions,
} from './options.js';
import { footprintOverlapsRoi, type PreparedRoi } from './roi.js';
import { chipSpecOf, extentSlice, randomChip, rowFootprint, type ChipSpec, type RowPlan } from './row-chip.js';
import { rowPlanner } from './row-planner.js';
import { samplerSource } from './source.js';
import { planTemporal, timedSlice } from './temporal.js';
import { ArrivalReservoir } from './weighted-reservoir.js';
import { hashUniform, keyRng, rowHasher } from './keys/index.js';

/**
 * Options of {@link randomSampler}.
 */
export interface RandomSamplerOptions extends CommonSamplerOptions {
  /** Number of slices (before temporal expansion). Without replacement, at most the number of eligible rows. */
  length: number;
  /**
   * How likely a row is drawn: `'area'` (default) — ground area of footprint ∩ roi (m², computed from the
   * EPSG:4326 footprint on the authalic sphere, so CRSs and latitudes compare fairly; point footprints
   * weigh 0); `'uniform'`; or the name of a numeric extras column (e.g. `'uncertainty'`), which must be
   * finite and >= 0 on every row.
   */
  weight?: 'area' | 'uniform' | (string & {});
  /** Default true: `length` independent draws (a row can give several chips). False: each row at most once. */
  replacement?: boolean;
}

/** The keys of {@link RandomSamplerOptions}. */
export const RANDOM_SAMPLER_OPTION_KEYS = optionKeys<RandomSamplerOptions>()([
  ...COMMON_SAMPLER_OPTION_KEYS,
  'length',
  'weight',
  'replacement',
]);

/**
 * Random chips, streamed from one pass over the catalog with memory O(length), never O(catalog).
 *
 * Selection: every row gets a key from a 52-bit hash of (seed, epoch, id) ({@link rowHasher}) — so
 * the selection does not depend on the order the cursor delivers rows in, nor on the backend — and a
 * weight (see `weight`); a weighted reservoir ({@link ArrivalReservoir}) keeps `length` draws, holding
 * only each entered row's compact plan (see {@link rowPlanner}). A draw's further randomness (its
 * row's later events, its chip position) comes from {@link keyRng} streams of the same hash.
 * Placement: each draw's chip is placed uniformly inside footprint ∩ roi (see {@link randomChip}: in
 * a slice CRS other than EPSG:4326 the chip's corners are tested against the footprint as stored,
 * without transforming the footprint), snapped to the raster's native pixel grid when the slice CRS
 * is the row's CRS (see {@link placeChip} for footprints smaller than a chip: the chip is centred on
 * them and extends beyond). Slices are in the row's native CRS unless `crs` is given; `rowId` names
 * the row. `shard` yields slices `rank, rank + worldSize, ...` of this stream;
 * `epoch` re-seeds it. Options are validated on the first `next()`; bad rows throw
 * {@link SamplerError} naming the row.
 *
 * @example
 * ```ts
 * import { createLoader, openCatalog, randomSampler } from 'geoslice';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   const slices = randomSampler(catalog, { size: 256, resolution: 10, length: 1000, seed: 1, epoch });
 *   for await (const batch of loader.batches(slices, { batchSize: 32 })) console.log(epoch, batch.shape);
 * }
 * ```
 */
export function randomSampler(catalog: GeoCatalog, opts: RandomSamplerOptions): AsyncGenerator<GeoSlice> {
  return iterateAtBoundary(SamplerError, `randomSampler ${samplerInput(catalog)}`, sampleRandom(catalog, opts));
}

async function* sampleRandom(catalog: GeoCatalog, opts: RandomSamplerOptions): AsyncGenerator<GeoSlice> {
  const { seed, epoch } = checkSeed(opts);
  checkOptionKeys(opts, RANDOM_SAMPLER_OPTION_KEYS, 'randomSampler', SamplerError);
  const { length } = opts;
  if (!Number.isInteger(length) || length < 0)
    badOption('length', length, 'pass a non-negative integer number of slices');
  const weight = opts.weight ?? 'area';
  if (typeof weight !== 'string' || weight.length === 0)
    badOption('weight', weight, "pass 'area', 'uniform' or a numeric column name");
  const shard = checkShard(opts.shard);
  const spec: ChipSpec = chipSpecOf(opts);
  const plan = opts.temporal ? planTemporal(opts.temporal, opts.interval) : undefined;
  const hash = rowHasher(seed, epoch);
  const planOf = rowPlanner(spec);
  const reservoir = new ArrivalReservoir<RowPlan>(length, opts.replacement ?? true, (id) => keyRng(hash(id), 0));
  // The time extent of the rows is needed only by a temporal plan without its own extent.
  const seen = plan && !plan.extent ? { tmin: Infinity, tmax: -Infinity } : undefined;
  const roiBox = spec.roi ? geometryBBox(spec.roi.wgs84) : undefined;

  for await (const row of samplerSource(catalog, spec.roi, opts.interval, opts.includeUndated, opts.footprint).rows({
    batchSize: 4096,
  })) {
    if (typeof row.id !== 'string')
      throw new SamplerError(
        'BAD_ROW',
        `a row has a non-string id ${JSON.stringify(row.id)}; samplers key rows by id — give every row a string id`,
      );
    if (seen) trackTime(seen, row);
    const exp = -Math.log(hashUniform(hash(row.id)));
    const threshold = reservoir.threshold;
    let w: number;
    if (weight === 'area') {
      const box = roiBox ? bboxIntersection(row.bbox, roiBox) : row.bbox;
      if (!box || exp / bboxEqualArea(box) > threshold) continue; // cannot beat the reservoir, whatever its exact area
      w = spec.roi
        ? areaWeight(rowFootprint(row), spec.roi)
        : (wkbEqualArea(row.geometry) ?? areaWeight(rowFootprint(row), undefined));
    } else {
      w = weight === 'uniform' ? 1 : columnWeight(row, weight);
      if (!(w > 0) || exp / w > threshold) continue;
      if (spec.roi && !footprintOverlapsRoi(rowFootprint(row), spec.roi)) continue;
    }
    if (exp / w > threshold) continue;
    reservoir.offer(row.id, exp, w, planOf(row));
  }

  const extent: TimeInterval | undefined =
    plan?.extent ??
    (seen && seen.tmin <= seen.tmax ? { start: new Date(seen.tmin), end: new Date(seen.tmax) } : undefined);
  const windows = plan?.mode === 'sequential' ? plan.windows(extent as TimeInterval) : undefined;
  let n = 0;
  for (const draw of reservoir.drain()) {
    const rp = draw.item;
    const count = windows ? windows.length : 1;
    const mine: number[] = [];
    for (let k = 0; k < count; k++, n++) if (n % shard.worldSize === shard.rank) mine.push(k);
    if (mine.length === 0) continue;
    const rng = keyRng(hash(rp.id), draw.index + 1);
    const slice = opts.preChipped ? extentSlice(rp) : randomChip(rp, spec, rng);
    for (const k of mine) yield timedSlice(slice, plan, windows?.[k], rng, rp.time, extent, opts.interval);
  }
}

function trackTime(seen: { tmin: number; tmax: number }, row: CatalogRow): void {
  const a = row.tmin ?? row.tmax;
  const b = row.tmax ?? row.tmin;
  if (a) seen.tmin = Math.min(seen.tmin, a.getTime());
  if (b) seen.tmax = Math.max(seen.tmax, b.getTime());
}

function areaWeight(footprint: Geometry, roi: PreparedRoi | undefined): number {
  if (footprint.type === 'Point') return 0;
  return roi ? intersectionArea(toEqualArea(footprint), roi.equalArea) : equalAreaArea(footprint);
}

/**
 * Reads a numeric weight column from a row's extras (numbers, bigints and numeric strings).
 * Throws {@link SamplerError} `BAD_WEIGHT` naming the row for a missing, negative or non-numeric value.
 */
export function columnWeight(row: CatalogRow, column: string): number {
  const v = row.extras?.[column];
  const w =
    typeof v === 'number'
      ? v
      : typeof v === 'bigint'
        ? Number(v)
        : typeof v === 'string' && v.trim() !== ''
          ? Number(v)
          : NaN;
  if (!Number.isFinite(w) || w < 0) {
    throw new SamplerError(
      'BAD_WEIGHT',
      `row ${row.id}: weight column "${column}" is ${JSON.stringify(v === undefined ? null : typeof v === 'bigint' ? String(v) : v)}; weights must be finite numbers >= 0 — fix the column, filter the rows (catalog.query({ where: '${column} IS NOT NULL' })) or use weight: 'area'`,
      { subject: row.id },
    );
  }
  return w;
}
