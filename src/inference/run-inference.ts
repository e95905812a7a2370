import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { atBoundary, InferenceError, LoaderError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { BBox } from '../geo/bbox.js';
import type { Geometry } from '../geo/geometry.js';
import type { GeoSlice } from '../geo/slice.js';
import type { Batch } from '../loaders/batches.js';
import type { BandSelector } from '../loaders/load-slice.js';
import type { BlendMode, BlendWindow } from '../stitch/blend.js';
import type { StitchWriteOptions, StitchWriteResult } from '../stitch/stitch-writer.js';
import { createStitcher, type Stitcher } from '../stitch/stitcher.js';
import type { ValueKind } from '../stitch/uncertainty.js';
import {
  writePredictions,
  type PredictionResult,
  type WritePredictionsOptions,
  type WritePredictionsResult,
} from '../stitch/write-predictions.js';
import { InferenceJournal } from './journal.js';
import { loadModel, type LoadModelOptions, type ModelSource } from './load-model.js';
import {
  type ChannelsFirstModel,
  type ChannelsFirstOutput,
  channelsLast,
  type InferenceModel,
  PREDICT_CHANNELS_FIRST,
} from './model.js';
import { readAhead } from './read-ahead.js';
import { openRegion, type InferenceSource } from './region.js';

/**
 * Progress of {@link runInference}, reported after every batch.
 */
export interface InferenceProgress {
  /** Chips done, replayed ones included. */
  done: number;
  total: number;
  /** Chips replayed from the resume journal. */
  resumed: number;
  /** Chips predicted per second in this run (replays excluded). */
  chipsPerSecond: number;
  /** Seconds left at that rate (NaN before the first batch). */
  etaSeconds: number;
}

/**
 * Options of {@link runInference}.
 */
export interface RunInferenceOptions {
  /** A raster file, or a catalog (path or open catalog). */
  source: InferenceSource;
  /** `*.onnx`, a tfjs `model.json`, an {@link InferenceModel} or a function (see {@link loadModel}). */
  model: ModelSource;
  /** Backend options for a model given as a path or function (threads, layout, normalize, tfjs backend). */
  modelOptions?: LoadModelOptions;
  /** The prediction COG. The uncertainty COG goes next to it (`<out>_uncertainty.tif`). */
  out: string;
  /** Tile edge in pixels. Default 256. */
  tile?: number;
  /** Pixels neighbouring tiles share. Default 32. */
  overlap?: number;
  /** Input bands: 1-based band numbers of a raster (as in GDAL), or asset keys of a catalog. Default: all. */
  bands?: BandSelector[];
  /** How overlapping tiles merge. Default `'cosine'`. */
  blend?: BlendMode;
  /** Spatial window of `'inverse-variance'`. Default `'uniform'`. */
  window?: BlendWindow;
  /** What the model outputs. Default `'probabilities'` (`'regression'` for `'inverse-variance'`). */
  values?: ValueKind;
  /** Names of the output bands. Default `band_1..band_C`. */
  bandNames?: string[];
  /** Chips per model call. Default 16. */
  batchSize?: number;
  /** Continue an interrupted run from its journal (`<out>.resume`). Default false. */
  resume?: boolean;
  /** Catalogs: area to tile (`aoiCrs`, default EPSG:4326), output CRS and resolution. */
  aoi?: BBox | Geometry;
  aoiCrs?: string;
  crs?: string;
  resolution?: number | [number, number];
  /** Slices read at once. Default 4. */
  concurrency?: number;
  /** Output file options (compression, overviews...). Default DEFLATE level 1 (fast; see {@link runInference}). */
  write?: Omit<StitchWriteOptions, 'uncertainty'>;
  /** Catalog sources: also write per-slice predictions and uncertainty as a new catalog version. */
  predictions?: Omit<WritePredictionsOptions, 'values'>;
  /** Bytes of stitcher state kept in memory. Default 512 MiB. */
  memoryBudget?: number;
  onProgress?: (p: InferenceProgress) => void;
}

/**
 * What {@link runInference} did.
 */
export interface InferenceResult extends StitchWriteResult {
  /** Tiles in the region. */
  chips: number;
  /** Tiles taken from the resume journal instead of being predicted. */
  resumedChips: number;
  /** Tiles predicted per second of this run (replays excluded). */
  chipsPerSecond: number;
  /**
   * Where the wall-clock time went, split so that the parts add up to `total` (with setup: opening the
   * source and loading the model): `model` = a model call was running (whatever else ran meanwhile);
   * `read` = waiting for pixels while no model call ran; `stitch` = blending, journaling and streaming
   * finished tiles out while no model call ran (the stitching not hidden behind the model); `write` =
   * finishing the COGs.
   */
  seconds: { read: number; model: number; stitch: number; write: number; total: number };
  /**
   * Busy time of each stage, overlapping each other: `model` = seconds the backend computed; `stitch` =
   * seconds the main thread spent blending, journaling and streaming tiles out; `read` = seconds a
   * batch read was in flight (requested, not yet delivered).
   */
  busy: { read: number; model: number; stitch: number };
  /** The model backend, e.g. `onnxruntime-node (cpu, 2 threads)`. */
  backend: string;
  grid: GeoSlice;
  /** The catalog written with `predictions`. */
  catalog?: WritePredictionsResult;
}

/**
 * Predicts a whole region: grid sampler (tiles with overlap, north to south, west to east) → loader
 * (window reads, overlapped with the model: the next batch is read while the model runs) → model (a
 * model that runs off the main thread, like onnxruntime, predicts the next batch while the previous
 * one is stitched) →
 * stitcher (blended, finished tile rows streamed into the COG writer) → a prediction COG with overviews
 * and an uncertainty COG (uncertainty bands and a per-pixel `count` band). Memory is bounded by the
 * batch size and about two rows of output tiles, whatever the region's size.
 *
 * Resumable: every finished batch is appended to a journal `<out>.resume` before it counts as done. After a kill, `resume: true` replays the journal into the stitcher and predicts only
 * the remaining tiles; the output is byte-identical to an uninterrupted run. The journal is deleted
 * when the output is in place. Without `resume`, an existing journal is refused (`JOURNAL_EXISTS`).
 *
 * Masked (nodata) input pixels get no prediction. Throws {@link InferenceError} (`BAD_OPTION`,
 * `EMPTY_REGION`, `RESUME_MISMATCH`, model errors), `StitchError` for outputs the stitcher refuses.
 */
export async function runInference(opts: RunInferenceOptions): Promise<InferenceResult> {
  return atBoundary(InferenceError, `runInference ${String(opts?.out)}`, () => runInferenceUnguarded(opts));
}

/** The keys of {@link RunInferenceOptions} (the compiler checks the list is complete). */
export const RUN_INFERENCE_OPTION_KEYS = optionKeys<RunInferenceOptions>()([
  'source',
  'model',
  'modelOptions',
  'out',
  'tile',
  'overlap',
  'bands',
  'blend',
  'window',
  'values',
  'bandNames',
  'batchSize',
  'resume',
  'aoi',
  'aoiCrs',
  'crs',
  'resolution',
  'concurrency',
  'write',
  'predictions',
  'memoryBudget',
  'onProgress',
]);

async function runInferenceUnguarded(opts: RunInferenceOptions): Promise<InferenceResult> {
  if (!opts || typeof opts !== 'object')
    throw new InferenceError('BAD_OPTION', 'runInference needs options { source, model, out, ... }');
  checkOptionKeys(opts, RUN_INFERENCE_OPTION_KEYS, 'runInference', InferenceError);
  const started = performance.now();
  const batchSize = opts.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InferenceError('BAD_OPTION', `batchSize must be a positive integer, got ${batchSize}`);
  const out = resolve(opts.out);
  const blend = opts.blend ?? 'cosine';
  const tile = opts.tile ?? 256;
  const overlap = opts.overlap ?? 32;
  const region = await openRegion(opts.source, {
    tile,
    overlap,
    bands: opts.bands,
    aoi: opts.aoi,
    aoiCrs: opts.aoiCrs,
    crs: opts.crs,
    resolution: opts.resolution,
    concurrency: opts.concurrency,
    prefetch: 2 * batchSize,
    // A tile with no data under it (inside a footprint's bounding box, outside its pixels) gets no prediction.
    onError: (e) => {
      if (!(e instanceof LoaderError && e.code === 'NO_COVERAGE')) throw e;
    },
  });
  let model: InferenceModel | undefined;
  let stitcher: Stitcher | undefined;
  let journal: InferenceJournal | undefined;
  try {
    if (opts.predictions && !region.catalog)
      throw new InferenceError(
        'BAD_OPTION',
        'predictions (catalog write-back) needs a catalog source, not a raster file',
      );
    model = await loadModel(opts.model, opts.modelOptions);
    const fingerprint = {
      region: region.fingerprint,
      tiles: region.tiles,
      model: modelFingerprint(opts.model, model),
      normalize: opts.modelOptions?.normalize ?? null,
      tile,
      overlap,
      bands: opts.bands ?? null,
      blend,
      window: opts.window ?? null,
      values: opts.values ?? null,
      batchSize,
    };
    journal = InferenceJournal.open(`${out}.resume`, fingerprint, { resume: opts.resume ?? false });
    const j = journal;
    const m = model;
    const t = { read: 0, model: 0, stitch: 0, write: 0 };
    const busy = { read: 0, model: 0, stitch: 0 };
    let predicted = 0;
    let predictStart = 0;
    let resumed = 0;

    const ensureStitcher = async (outBands: number): Promise<Stitcher> => {
      if (stitcher) return stitcher;
      const ivw = blend === 'inverse-variance';
      if (ivw && outBands % 2 !== 0)
        throw new InferenceError(
          'BAD_OUTPUT',
          `${m.id} outputs ${outBands} bands; blend 'inverse-variance' needs means then sigmas (2 bands per output band)`,
        );
      stitcher = createStitcher({
        grid: region.grid,
        bands: ivw ? outBands / 2 : outBands,
        blend,
        window: opts.window,
        values: opts.values,
        bandNames: opts.bandNames,
        order: 'rows',
        count: true,
        memoryBudget: opts.memoryBudget,
      });
      // DEFLATE level 1 unless asked otherwise: measured on the inference benchmark, the files are ~1.5%
      // larger than at zlib's default level 6 and the whole run takes ~14% less CPU.
      await stitcher.open(out, { level: 1, ...opts.write, uncertainty: true });
      return stitcher;
    };

    const report = () => {
      const done = j.chips;
      const rate = predicted > 0 ? predicted / ((performance.now() - predictStart) / 1000) : 0;
      opts.onProgress?.({
        done,
        total: region.tiles,
        resumed,
        chipsPerSecond: rate,
        etaSeconds: rate > 0 ? (region.tiles - done) / rate : NaN,
      });
    };

    /** Adds one batch of `[N, C, h, w]` chip predictions to the stitcher and yields them for the catalog. */
    const stitchBatch = async function* (
      slices: GeoSlice[],
      data: Float32Array,
      bands: number,
      h: number,
      w: number,
    ): AsyncGenerator<PredictionResult> {
      if (slices.length === 0) return;
      const st = await ensureStitcher(bands);
      const per = bands * h * w;
      for (let k = 0; k < slices.length; k++) {
        const prediction = data.subarray(k * per, (k + 1) * per);
        st.add(slices[k], prediction, { shape: [h, w] });
        // A chip without any predicted pixel (all nodata) has nothing to summarise in the catalog.
        if (opts.predictions && prediction.some((v) => v === v)) yield { slice: slices[k], prediction, shape: [h, w] };
      }
      await st.flush();
    };

    async function* pipeline(): AsyncGenerator<PredictionResult> {
      const it = region.slices()[Symbol.asyncIterator]();
      for (let rec = j.next(); rec; rec = j.next()) {
        const t0 = performance.now();
        const slices: GeoSlice[] = [];
        for (let k = 0; k < rec.count; k++) {
          const s = await it.next();
          if (s.done) throw new InferenceError('JOURNAL_CORRUPT', `${j.path} holds more tiles than the region has`);
          if (rec.present[k]) slices.push(s.value);
        }
        yield* stitchBatch(slices, rec.data, rec.bands, rec.height, rec.width);
        resumed += rec.present.reduce((a, b) => a + b, 0);
        t.stitch += performance.now() - t0;
        busy.stitch += performance.now() - t0;
        report();
      }
      // Tiles are numbered in sampler order, so that a batch's journal record can say which tiles of its
      // range had no data under them (the loader skips those: NO_COVERAGE).
      const indexOf = new Map<GeoSlice, number>();
      const rest = (async function* () {
        for (let i = j.chips, s = await it.next(); !s.done; s = await it.next(), i++) {
          indexOf.set(s.value, i);
          yield s.value;
        }
      })();
      predictStart = performance.now();
      const batches = readAhead(region.loader.batches(rest, { batchSize }), busy)[Symbol.asyncIterator]();
      const channelsFirst = (m as Partial<ChannelsFirstModel>)[PREDICT_CHANNELS_FIRST]?.bind(m);
      /** The model runs on its own thread (onnxruntime): batch k + 1 is predicted while batch k is stitched. */
      const startPredict = (batch: Batch) => {
        if (batch.shape.length !== 4)
          throw new InferenceError('BAD_OPTION', `batches of shape [${batch.shape.join(', ')}] are not [N, C, H, W]`);
        const [n, c, h, w] = batch.shape;
        const input = { data: batch.data, shape: [n, c, h, w] as [number, number, number, number] };
        const started = performance.now();
        const job: { batch: Batch; y: Promise<ChannelsFirstOutput>; started: number; done?: number } = {
          batch,
          started,
          y: (channelsFirst
            ? channelsFirst(input)
            : m.predict(input).then((o) => ({
                data: channelsLast(o.data, o.shape, true),
                shape: [o.shape[0], o.shape[3], o.shape[1], o.shape[2]] as ChannelsFirstOutput['shape'],
                seconds: (performance.now() - started) / 1000,
              }))
          ).then((o) => {
            job.done = performance.now();
            return o;
          }),
        };
        job.y.catch(() => undefined); // awaited below; a failure must not become an unhandled rejection meanwhile
        return job;
      };
      /** Milliseconds of `[a, b]` during which no model call of `job` (started before `a`) was running. */
      const unhidden = (a: number, b: number, job: ReturnType<typeof startPredict> | undefined) =>
        job === undefined ? b - a : job.done === undefined ? 0 : Math.max(0, b - Math.max(a, job.done));
      const stitchJob = async function* (
        job: ReturnType<typeof startPredict>,
        y: ChannelsFirstOutput,
      ): AsyncGenerator<PredictionResult> {
        const [n, , h, w] = job.batch.shape;
        const [, oc, oh, ow] = y.shape;
        const chw = y.data;
        if (oh === h && ow === w) maskNoData(chw, job.batch.mask, n, oc, h * w);
        const first = j.chips;
        const last = indexOf.get(job.batch.slices[n - 1]) as number;
        const present = new Uint8Array(last + 1 - first);
        for (const sl of job.batch.slices) {
          present[(indexOf.get(sl) as number) - first] = 1;
          indexOf.delete(sl);
        }
        for (const [sl, i] of indexOf) if (i <= last) indexOf.delete(sl);
        j.append({ count: present.length, present, bands: oc, height: oh, width: ow, data: chw });
        yield* stitchBatch(job.batch.slices, chw, oc, oh, ow);
        predicted += n;
        report();
      };
      // One model call at a time: batch k + 1 is read while batch k is predicted, and predicted while
      // batch k is stitched (when the model runs off the main thread, as onnxruntime does).
      let inflight: ReturnType<typeof startPredict> | undefined;
      try {
        for (;;) {
          const t0 = performance.now();
          const next = await batches.next();
          const t1 = performance.now();
          t.read += unhidden(t0, t1, inflight);
          const y = inflight ? await inflight.y : undefined;
          const t2 = performance.now();
          if (inflight) {
            busy.model += (y as ChannelsFirstOutput).seconds * 1000;
            t.model += (inflight.done ?? t2) - inflight.started;
          }
          const job = next.done ? undefined : startPredict(next.value);
          if (inflight && y) {
            yield* stitchJob(inflight, y);
            const t3 = performance.now();
            busy.stitch += t3 - t2;
            t.stitch += unhidden(t2, t3, job);
          }
          inflight = job;
          if (!job) break;
        }
        // Tiles after the last batch had no data under them.
        if (j.chips < region.tiles) {
          const count = region.tiles - j.chips;
          j.append({ count, present: new Uint8Array(count), bands: 0, height: 0, width: 0, data: new Float32Array(0) });
          report();
        }
      } finally {
        if (inflight) await inflight.y.catch(() => undefined);
        await batches.return?.(undefined);
      }
    }

    let catalog: WritePredictionsResult | undefined;
    if (opts.predictions && region.catalog)
      catalog = await writePredictions(region.catalog, pipeline(), {
        ...opts.predictions,
        values: opts.values ?? (blend === 'inverse-variance' ? 'regression' : 'probabilities'),
      });
    else for await (const _ of pipeline());
    if (!stitcher) throw new InferenceError('EMPTY_REGION', `no tile of the region could be predicted`);
    await j.settle();
    const tw = performance.now();
    const written = await (stitcher as Stitcher).write(out);
    t.write = performance.now() - tw;
    await j.close(true);
    journal = undefined;
    const s = (ms: number) => ms / 1000;
    const runSeconds = s(performance.now() - predictStart);
    return {
      ...written,
      chips: region.tiles,
      resumedChips: resumed,
      chipsPerSecond: predicted > 0 ? predicted / runSeconds : 0,
      seconds: {
        read: s(t.read),
        model: s(t.model),
        stitch: s(t.stitch),
        write: s(t.write),
        total: s(performance.now() - started),
      },
      busy: { read: s(busy.read), model: s(busy.model), stitch: s(busy.stitch) },
      backend: m.backend,
      grid: region.grid,
      catalog,
    };
  } finally {
    await journal?.close();
    (stitcher as Stitcher | undefined)?.close();
    if (model && model !== opts.model) await model.close();
    await region.close();
  }
}

/** Sets the prediction of masked (nodata) input pixels to NaN: no prediction there. */
function maskNoData(chw: Float32Array, mask: Uint8Array, n: number, bands: number, plane: number): void {
  for (let k = 0; k < n; k++)
    for (let p = 0; p < plane; p++)
      if (mask[k * plane + p] === 0) for (let c = 0; c < bands; c++) chw[(k * bands + c) * plane + p] = NaN;
}

/** What identifies the model in the resume journal: the SHA-256 of its file(s), else its id. */
function modelFingerprint(source: ModelSource, model: InferenceModel): string {
  if (typeof source !== 'string') return model.id;
  const file = resolve(source);
  const h = createHash('sha256').update(readFileSync(file));
  if (file.toLowerCase().endsWith('.json')) {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
    for (const g of manifest.weightsManifest ?? [])
      for (const p of g.paths) h.update(readFileSync(join(dirname(file), p)));
  }
  return `sha256:${h.digest('hex')}`;
}
