import { iterateAtBoundary, SamplerError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { GeoCatalog } from '../catalog/index.js';
import type { GeoSlice, TimeInterval } from '../geo/index.js';
import { badOption } from './bad-option.js';
import {
  checkSeed,
  checkShard,
  COMMON_SAMPLER_OPTION_KEYS,
  samplerInput,
  type CommonSamplerOptions,
} from './options.js';
import { footprintOverlapsRoi } from './roi.js';
import { chipSpecOf, extentSlice, planRow, randomChip, rowFootprint, type ChipSpec, type RowPlan } from './row-chip.js';
import { SmallestK } from './smallest-k.js';
import { samplerSource } from './source.js';
import { strataOf, type StrataSpec } from './strata.js';
import { planTemporal, timedSlice } from './temporal.js';
import { keyPrefix, rowKey, textRng } from './keys/index.js';

/**
 * Options of {@link stratifiedSampler}: a {@link StrataSpec} (`column` or `bins`), and `quotas`
 * (rows per named stratum; strata not named get none) or `perStratum` (the same number for every
 * stratum met).
 */
export type StratifiedSamplerOptions = CommonSamplerOptions &
  StrataSpec & {
    quotas?: Record<string, number>;
    perStratum?: number;
    /** `'error'` (default): throw {@link SamplerError} `QUOTA_UNMET` when a stratum has fewer rows than its quota; `'all'`: take them all. */
    onShortfall?: 'error' | 'all';
    /** On the DuckDB backend, narrow rows in SQL with window functions first (default true). Same result either way. */
    pushdown?: boolean;
  };

/** The keys of {@link StratifiedSamplerOptions}. */
export const STRATIFIED_SAMPLER_OPTION_KEYS = optionKeys<StratifiedSamplerOptions>()([
  ...COMMON_SAMPLER_OPTION_KEYS,
  'column',
  'bins',
  'quotas',
  'perStratum',
  'onShortfall',
  'pushdown',
]);

interface Pick {
  plan: RowPlan;
  hex: string;
}

const byKey = (a: Pick, b: Pick): number =>
  a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : a.plan.id < b.plan.id ? -1 : a.plan.id > b.plan.id ? 1 : 0;

/**
 * Per-stratum quotas, one streaming pass, memory O(Σ quotas).
 *
 * Each row's key is MD5(seed:epoch:id) (see {@link rowKey}); every stratum keeps the rows with the
 * smallest keys up to its quota — a uniform sample without replacement, independent of cursor order.
 * On the DuckDB backend the catalog is first narrowed in SQL
 * (`QUALIFY row_number() OVER (PARTITION BY <stratum> ORDER BY md5(prefix || id), id) <= max quota`),
 * which keeps every row the streaming pass would select, so both paths select exactly the same rows.
 * Output: one slice per selected row, ordered by key (strata interleaved), as a random chip inside
 * footprint ∩ roi (like {@link randomSampler}) or the row's extent (`preChipped`). `shard`, `epoch`,
 * `temporal` behave as in the other samplers.
 *
 * @example
 * ```ts
 * import { openCatalog, stratifiedSampler } from 'geoslice';
 *
 * const catalog = await openCatalog('preds-r1.parquet');
 * const slices = stratifiedSampler(catalog, {
 *   bins: { column: 'entropy', edges: [0, 0.5, 0.9, 1.1] },
 *   perStratum: 200,
 *   size: 256,
 *   seed: 1,
 * });
 * for await (const slice of slices) console.log(slice.rowId);
 * ```
 */
export function stratifiedSampler(catalog: GeoCatalog, opts: StratifiedSamplerOptions): AsyncGenerator<GeoSlice> {
  return iterateAtBoundary(SamplerError, `stratifiedSampler ${samplerInput(catalog)}`, sampleStrata(catalog, opts));
}

async function* sampleStrata(catalog: GeoCatalog, opts: StratifiedSamplerOptions): AsyncGenerator<GeoSlice> {
  const { seed, epoch } = checkSeed(opts);
  checkOptionKeys(opts, STRATIFIED_SAMPLER_OPTION_KEYS, 'stratifiedSampler', SamplerError);
  const strata = strataOf(opts);
  const shard = checkShard(opts.shard);
  const quotaOf = quotaFunction(opts);
  const spec: ChipSpec = chipSpecOf(opts);
  const plan = opts.temporal ? planTemporal(opts.temporal, opts.interval) : undefined;
  const prefix = keyPrefix(seed, epoch);

  const names = (await catalog.schema()).map((f) => f.name);
  if (!names.includes(strata.column)) {
    throw new SamplerError(
      'UNKNOWN_COLUMN',
      `stratified sampling: ${catalog.source} has no column "${strata.column}" (columns: ${names.join(', ')})`,
      { subject: strata.column },
    );
  }
  let source = samplerSource(catalog, spec.roi, opts.interval, opts.includeUndated, opts.footprint);
  const maxQuota = opts.quotas ? Math.max(0, ...Object.values(opts.quotas)) : (opts.perStratum as number);
  if (source.engine === 'duckdb' && (opts.pushdown ?? true)) {
    const col = `"${strata.column}"`;
    const params: Record<string, unknown> = { prefix, quota: maxQuota };
    let part = col;
    if (strata.edges) {
      strata.edges.forEach((e, i) => (params[`e${i}`] = e));
      part = `(${strata.edges.map((_, i) => `CAST(${col} >= $e${i} AS INTEGER)`).join(' + ')})`;
    }
    source = source.sql(
      `SELECT * FROM catalog WHERE ${col} IS NOT NULL QUALIFY row_number() OVER (PARTITION BY ${part} ORDER BY md5($prefix || id), id) <= $quota`,
      params,
    );
  }

  const keep = new Map<string, SmallestK<Pick>>();
  const seen = { tmin: Infinity, tmax: -Infinity };
  for await (const row of source.rows({ batchSize: 4096 })) {
    const stratum = strata.stratumOf(row);
    if (stratum === null) continue;
    const quota = quotaOf(stratum);
    if (quota === 0) continue;
    if (spec.roi && !footprintOverlapsRoi(rowFootprint(row), spec.roi)) continue;
    const a = row.tmin ?? row.tmax;
    const b = row.tmax ?? row.tmin;
    if (a) seen.tmin = Math.min(seen.tmin, a.getTime());
    if (b) seen.tmax = Math.max(seen.tmax, b.getTime());
    let k = keep.get(stratum);
    if (!k) keep.set(stratum, (k = new SmallestK<Pick>(quota, byKey)));
    const hex = rowKey(prefix, row.id).hex;
    // Plan (copy) the row only when it enters the stratum's reservoir.
    const worst = k.size < quota ? undefined : k.largest()!;
    if (!worst || hex < worst.hex || (hex === worst.hex && row.id < worst.plan.id))
      k.offer({ plan: planRow(row, spec), hex });
  }

  const wanted = opts.quotas ? Object.keys(opts.quotas).filter((s) => opts.quotas![s] > 0) : [...keep.keys()];
  if ((opts.onShortfall ?? 'error') === 'error') {
    for (const s of wanted) {
      const got = keep.get(s)?.size ?? 0;
      if (got < quotaOf(s)) {
        throw new SamplerError(
          'QUOTA_UNMET',
          `stratum "${s}" of column "${strata.column}" has ${got} eligible rows in ${catalog.source} but its quota is ${quotaOf(s)}; lower the quota or pass onShortfall: 'all'`,
          { subject: s },
        );
      }
    }
  }
  const picks = [...keep.values()].flatMap((k) => k.sorted()).sort(byKey);
  const extent: TimeInterval | undefined =
    plan?.extent ?? (seen.tmin <= seen.tmax ? { start: new Date(seen.tmin), end: new Date(seen.tmax) } : undefined);
  const windows = plan?.mode === 'sequential' ? plan.windows(extent as TimeInterval) : undefined;
  let n = 0;
  for (const { plan: rp, hex } of picks) {
    const count = windows ? windows.length : 1;
    const mine: number[] = [];
    for (let k = 0; k < count; k++, n++) if (n % shard.worldSize === shard.rank) mine.push(k);
    if (mine.length === 0) continue;
    const rng = textRng(`${hex}:0`);
    const slice = opts.preChipped ? extentSlice(rp) : randomChip(rp, spec, rng);
    for (const k of mine) yield timedSlice(slice, plan, windows?.[k], rng, rp.time, extent, opts.interval);
  }
}

function quotaFunction(opts: StratifiedSamplerOptions): (stratum: string) => number {
  if ((opts.quotas === undefined) === (opts.perStratum === undefined)) {
    badOption(
      'quotas/perStratum',
      { quotas: opts.quotas, perStratum: opts.perStratum },
      'pass exactly one: quotas ({ stratum: count }) or perStratum (a count)',
    );
  }
  if (opts.onShortfall !== undefined && opts.onShortfall !== 'error' && opts.onShortfall !== 'all')
    badOption('onShortfall', opts.onShortfall, "pass 'error' or 'all'");
  if (opts.quotas !== undefined) {
    const q = opts.quotas;
    if (typeof q !== 'object' || q === null) badOption('quotas', q, 'pass an object { stratum: count }');
    for (const [s, v] of Object.entries(q))
      if (!Number.isInteger(v) || v < 0) badOption(`quotas.${s}`, v, 'pass a non-negative integer');
    return (s) => (Object.hasOwn(q, s) ? q[s] : 0);
  }
  const p = opts.perStratum as number;
  if (!Number.isInteger(p) || p < 0) badOption('perStratum', p, 'pass a non-negative integer');
  return () => p;
}
