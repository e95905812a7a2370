import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { catalogFromRows } from '../catalog/from-rows.js';
import type { CatalogRow, GeoCatalog, GeoParquetWriteOptions } from '../catalog/index.js';
import { atBoundary, StitchError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import {
  describeSlice,
  footprintWgs84,
  type GeoSlice,
  sliceHeight,
  sliceWidth,
  validateSlice,
  writeWkb,
} from '../geo/index.js';
import { catalogLineage, type CatalogLineage } from './lineage.js';
import { toPredictionSamples, type PredictionInput } from './prediction-input.js';
import {
  argmaxBand,
  prepareSamples,
  summarizePrediction,
  type PredictionSummary,
  type ValueKind,
} from './uncertainty.js';

/**
 * One model output to write back: the slice it was predicted for and its `[C, h, w]` prediction
 * (or repeated predictions, see {@link PredictionInput}).
 */
export interface PredictionResult {
  slice: GeoSlice;
  prediction: PredictionInput;
  /** `[h, w]` of a flat prediction that is not on the slice's own grid. */
  shape?: [height: number, width: number];
}

/**
 * Options of {@link writePredictions}.
 */
export interface WritePredictionsOptions {
  /** Path of the new GeoParquet file. Must not be the input catalog. */
  out: string;
  /** `'slice'` (default): one row per result. `'row'`: the input catalog's rows with the per-row aggregates joined on. */
  level?: 'slice' | 'row';
  /** Model identifier written into the `model_id` column. */
  modelId: string;
  /** Active-learning round written into the `round` column. Default 0. */
  round?: number;
  /** What the predictions hold. Default `'probabilities'`. */
  values?: ValueKind;
  /** Replace `out` when it exists (atomically). Default false: an existing `out` is an error. */
  overwrite?: boolean;
  /** Passed to the GeoParquet writer (sort order, compression, row group size). */
  geoparquet?: GeoParquetWriteOptions;
}

/** The keys of {@link WritePredictionsOptions} (the compiler checks the list is complete). */
const WRITE_PREDICTIONS_OPTION_KEYS = optionKeys<WritePredictionsOptions>()([
  'out',
  'level',
  'modelId',
  'round',
  'values',
  'overwrite',
  'geoparquet',
]);

/**
 * What {@link writePredictions} wrote.
 */
export interface WritePredictionsResult {
  path: string;
  rows: number;
  lineage: CatalogLineage;
}

/**
 * Columns {@link writePredictions} adds, in the order written. `pred_class`, `entropy` and `margin` are
 * left out for regression.
 */
export const PREDICTION_COLUMNS = [
  'pred_class',
  'pred_score',
  'entropy',
  'variance',
  'margin',
  'pixel_count',
  'model_id',
  'round',
  'parent_catalog',
  'parent_hash',
] as const;

/**
 * Writes model outputs back as a new GeoParquet catalog version, never touching the input catalog.
 *
 * `level: 'slice'`: one row per result, `id` = `<source row id>/<n>` (or `slice/<n>`), geometry and bbox
 * the slice footprint in EPSG:4326, `tmin`/`tmax` from the slice interval (else the source row's), `crs`
 * the slice's, the source row's assets and extras (so the row can be loaded and stratified like its
 * source), plus `source_row_id`, the exact slice grid (`slice_xmin`, `slice_ymin`, `slice_xmax`,
 * `slice_ymax`, `slice_res_x`, `slice_res_y`) and the {@link PREDICTION_COLUMNS}.
 * `level: 'row'`: every input row with, for rows that have results, the pixel-weighted means over their
 * slices (`pred_class` = argmax of the mean class probabilities, `pred_score` its mean probability,
 * `entropy`, `variance`, `margin`, `pixel_count`, `slice_count`); lineage columns on every row.
 *
 * Lineage: `parent_catalog`, `parent_hash` (see {@link catalogLineage}), `model_id`, `round`.
 * Atomic: the file is written under a hidden temporary directory next to `out` and renamed into place,
 * so a crash leaves no partial `out` (at most a hidden `.<name>.partial-*` directory).
 * Throws {@link StitchError} `WOULD_OVERWRITE_INPUT`, `EXISTS`, `NO_RESULTS`, `UNKNOWN_ROW`, `WRITE_FAILED`.
 *
 * @example
 * ```ts
 * import { createLoader, openCatalog, randomSampler, writePredictions, type PredictionResult } from 'geoslice';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog });
 * const results: PredictionResult[] = [];
 * for await (const chip of loader.chips(randomSampler(catalog, { size: 64, length: 100, seed: 1 }))) {
 *   results.push({ slice: chip.slice, prediction: new Float32Array(3 * 64 * 64).fill(1 / 3) }); // your model's class probabilities
 * }
 * await writePredictions(catalog, results, { out: 'preds-r1.parquet', level: 'slice', modelId: 'unet-v7', round: 1 });
 * ```
 */
export async function writePredictions(
  catalog: GeoCatalog,
  results: Iterable<PredictionResult> | AsyncIterable<PredictionResult>,
  opts: WritePredictionsOptions,
): Promise<WritePredictionsResult> {
  return atBoundary(StitchError, `writePredictions ${String(opts?.out)}`, () =>
    writePredictionsUnguarded(catalog, results, opts),
  );
}

async function writePredictionsUnguarded(
  catalog: GeoCatalog,
  results: Iterable<PredictionResult> | AsyncIterable<PredictionResult>,
  opts: WritePredictionsOptions,
): Promise<WritePredictionsResult> {
  if (!opts || typeof opts !== 'object')
    throw new StitchError('BAD_OPTION', 'writePredictions needs options { out, modelId, ... }');
  checkOptionKeys(opts, WRITE_PREDICTIONS_OPTION_KEYS, 'writePredictions', StitchError);
  if (typeof opts.out !== 'string' || opts.out.length === 0 || opts.out.includes('\0'))
    throw new StitchError('BAD_OPTION', `out must be a non-empty path, got ${String(opts.out)}`);
  if (!catalog || typeof catalog !== 'object' || typeof catalog.source !== 'string')
    throw new StitchError(
      'BAD_OPTION',
      'writePredictions needs the input catalog (a GeoCatalog) as its first argument',
    );
  if (!results || typeof results !== 'object' || !(Symbol.iterator in results || Symbol.asyncIterator in results))
    throw new StitchError('BAD_OPTION', 'results must be an iterable or async iterable of { slice, prediction }');
  const out = resolve(opts.out);
  const level = opts.level ?? 'slice';
  const values = opts.values ?? 'probabilities';
  const round = opts.round ?? 0;
  if (level !== 'slice' && level !== 'row')
    throw new StitchError('BAD_OPTION', `level must be 'slice' or 'row', got ${JSON.stringify(level)}`);
  if (typeof opts.modelId !== 'string' || opts.modelId === '')
    throw new StitchError('BAD_OPTION', 'modelId must be a non-empty string (it is written into the model_id column)');
  if (!Number.isInteger(round) || round < 0)
    throw new StitchError('BAD_OPTION', `round must be a non-negative integer, got ${round}`);
  if (existsSync(catalog.source) && resolve(catalog.source) === out) {
    throw new StitchError(
      'WOULD_OVERWRITE_INPUT',
      `${out} is the input catalog; write predictions to a new path (the input is never modified)`,
      { subject: out },
    );
  }
  if (existsSync(out) && !opts.overwrite)
    throw new StitchError('EXISTS', `${out} exists; pass overwrite: true or choose another path`, { subject: out });

  const summaries: { slice: GeoSlice; s: PredictionSummary }[] = [];
  for await (const r of results) {
    if (!r || typeof r !== 'object')
      throw new StitchError('BAD_OPTION', `results must hold { slice, prediction } objects, got ${String(r)}`);
    validateSlice(r.slice);
    const what = describeSlice(r.slice);
    const [h, w] = r.shape ?? [sliceHeight(r.slice), sliceWidth(r.slice)];
    const samples = prepareSamples(
      toPredictionSamples(r.prediction, bandsOf(r.prediction, h, w, what), h, w, what),
      values,
      what,
    );
    summaries.push({ slice: r.slice, s: summarizePrediction(samples, values, what) });
  }
  if (summaries.length === 0)
    throw new StitchError(
      'NO_RESULTS',
      `no prediction results to write to ${out}; pass at least one { slice, prediction }`,
      { subject: out },
    );

  const lineage = await catalogLineage(catalog);
  const lin = { model_id: opts.modelId, round, parent_catalog: lineage.parent, parent_hash: lineage.hash };
  const regression = values === 'regression';

  const tmpDir = join(dirname(out), `.${basename(out)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmpDir, { recursive: true });
  const tmp = join(tmpDir, basename(out));
  let rows: number;
  try {
    if (level === 'slice') {
      const sources = await rowsById(
        catalog,
        new Set(summaries.flatMap(({ slice }) => (slice.rowId === undefined ? [] : [slice.rowId]))),
      );
      const counters = new Map<string, number>();
      const outRows: CatalogRow[] = summaries.map(({ slice, s }) => {
        const src = slice.rowId === undefined ? undefined : sources.get(slice.rowId);
        const prefix = slice.rowId ?? 'slice';
        const n = counters.get(prefix) ?? 0;
        counters.set(prefix, n + 1);
        const fp = footprintWgs84(slice.bounds, slice.crs);
        return {
          id: `${prefix}/${n}`,
          assets: src?.assets ?? {},
          geometry: writeWkb(fp.geometry),
          bbox: fp.bbox,
          tmin: slice.interval ? slice.interval.start : (src?.tmin ?? null),
          tmax: slice.interval ? slice.interval.end : (src?.tmax ?? null),
          crs: slice.crs,
          backend: 'raster',
          extras: {
            ...(src?.extras ?? {}),
            source_row_id: slice.rowId ?? null,
            slice_xmin: slice.bounds[0],
            slice_ymin: slice.bounds[1],
            slice_xmax: slice.bounds[2],
            slice_ymax: slice.bounds[3],
            slice_res_x: slice.resolution[0],
            slice_res_y: slice.resolution[1],
            ...summaryColumns(s, regression),
            ...lin,
          },
        };
      });
      await catalogFromRows(outRows, { source: `predictions of ${catalog.source}` }).toGeoParquet(tmp, opts.geoparquet);
      rows = outRows.length;
    } else {
      const perRow = aggregateByRow(summaries, regression);
      const table: Record<string, unknown>[] = [];
      const seen = new Set<string>();
      for await (const row of catalog.rows({ batchSize: 4096 })) {
        seen.add(row.id);
        table.push({ id: row.id, ...(perRow.get(row.id) ?? emptyColumns(regression)), ...lin });
      }
      const unknown = [...perRow.keys()].find((id) => !seen.has(id));
      if (unknown !== undefined)
        throw new StitchError(
          'UNKNOWN_ROW',
          `a result's slice.rowId "${unknown}" is not a row of ${catalog.source}; use level: 'slice' or fix the row ids`,
          { subject: unknown },
        );
      await catalog.withColumns(table, { on: 'id' }).toGeoParquet(tmp, opts.geoparquet);
      rows = table.length;
    }
    renameSync(tmp, out);
  } catch (e) {
    if (e instanceof StitchError) throw e;
    throw new StitchError(
      'WRITE_FAILED',
      `writing predictions to ${out} failed (nothing was written there): ${(e as Error).message}`,
      { cause: e, subject: out },
    );
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return { path: out, rows, lineage };
}

function bandsOf(p: PredictionInput, h: number, w: number, what: string): number {
  const first = Array.isArray(p) ? p[0] : p;
  if (first && 'shape' in first && Array.isArray(first.shape)) {
    const s = first.shape;
    return s.length === 4 ? s[1] : s.length === 3 ? s[0] : 1;
  }
  const len = (first as ArrayLike<number> | undefined)?.length ?? 0;
  if (len === 0 || len % (h * w) !== 0)
    throw new StitchError(
      'SHAPE_MISMATCH',
      `${what}: prediction of ${len} values is not [C, ${h}, ${w}]; pass shape: [h, w] for predictions on another grid`,
      { subject: what },
    );
  return len / (h * w);
}

async function rowsById(catalog: GeoCatalog, ids: Set<string>): Promise<Map<string, CatalogRow>> {
  const found = new Map<string, CatalogRow>();
  if (ids.size === 0) return found;
  for await (const row of catalog.rows({ batchSize: 4096 })) if (ids.has(row.id)) found.set(row.id, row);
  const missing = [...ids].find((id) => !found.has(id));
  if (missing !== undefined)
    throw new StitchError(
      'UNKNOWN_ROW',
      `a result's slice.rowId "${missing}" is not a row of ${catalog.source}; drop rowId from slices that do not come from this catalog`,
      { subject: missing },
    );
  return found;
}

function summaryColumns(s: PredictionSummary, regression: boolean): Record<string, unknown> {
  return regression
    ? { pred_score: s.predScore, variance: s.variance, pixel_count: s.pixels }
    : {
        pred_class: s.predClass,
        pred_score: s.predScore,
        entropy: s.entropy,
        variance: s.variance,
        margin: s.margin,
        pixel_count: s.pixels,
      };
}

function emptyColumns(regression: boolean): Record<string, unknown> {
  const base = { pred_score: null, variance: null, pixel_count: null, slice_count: null };
  return regression ? base : { pred_class: null, ...base, entropy: null, margin: null };
}

function aggregateByRow(
  summaries: { slice: GeoSlice; s: PredictionSummary }[],
  regression: boolean,
): Map<string, Record<string, unknown>> {
  const acc = new Map<
    string,
    { n: number; px: number; means: number[]; entropy: number; variance: number; margin: number }
  >();
  for (const { slice, s } of summaries) {
    if (slice.rowId === undefined) {
      throw new StitchError(
        'UNKNOWN_ROW',
        `${describeSlice(slice)} has no rowId, so it cannot be joined onto a catalog row; use level: 'slice'`,
        { subject: describeSlice(slice) },
      );
    }
    let a = acc.get(slice.rowId);
    if (!a)
      acc.set(slice.rowId, (a = { n: 0, px: 0, means: s.bandMeans.map(() => 0), entropy: 0, variance: 0, margin: 0 }));
    a.n++;
    a.px += s.pixels;
    s.bandMeans.forEach((m, c) => (a.means[c] += m * s.pixels));
    a.entropy += (s.entropy ?? 0) * s.pixels;
    a.variance += s.variance * s.pixels;
    a.margin += (s.margin ?? 0) * s.pixels;
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [id, a] of acc) {
    const means = a.means.map((m) => m / a.px);
    const cls = regression ? null : argmaxBand(means);
    const score = regression ? means[0] : means.length === 1 ? (cls === 1 ? means[0] : 1 - means[0]) : means[cls!];
    out.set(
      id,
      regression
        ? { pred_score: score, variance: a.variance / a.px, pixel_count: a.px, slice_count: a.n }
        : {
            pred_class: cls,
            pred_score: score,
            variance: a.variance / a.px,
            pixel_count: a.px,
            slice_count: a.n,
            entropy: a.entropy / a.px,
            margin: a.margin / a.px,
          },
    );
  }
  return out;
}
