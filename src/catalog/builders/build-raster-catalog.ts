import { checkHttpOptions, type HttpSourceOptions } from '../../sources/http-source.js';
import { availableParallelism } from 'node:os';
import { atBoundary, BuildError, type GeosliceError } from '../../errors.js';
import { checkOptionKeys, optionKeys } from '../../option-keys.js';
import type { DuckDBCatalog } from '../duckdb/catalog.js';
import { writeGeoParquet } from '../geoparquet/writer.js';
import { validateRow } from '../memory/validate-row.js';
import { openLocalCatalog } from '../open.js';
import { openRemoteCatalog, type RemoteCatalog } from '../remote/remote-catalog.js';
import type { S3Options } from '../../sources/s3-config.js';
import { type ShardOption, shardItems, writeShard } from './shard.js';
import type { CatalogRow, GeoParquetWriteOptions } from '../types.js';
import { cogColumnTypes } from './cog-header-column.js';
import { sampleMetaTypes } from './sample-meta-columns.js';
import { expandFiles, type RasterFiles } from './file-source.js';
import type { DateFormat } from './filename-time.js';
import { startProgress, type ProgressOption } from './progress.js';
import { normalizeHref } from './raster-row.js';
import rasterRowTask, { type RasterRowResult, type RasterRowTask } from './raster-row-worker.js';
import { ModulePool } from './worker-pool.js';
import { SkipReport, type OnError, type SkippedInput } from './skipped.js';

/**
 * Options of {@link buildRasterCatalog}.
 */
export interface BuildRasterOptions extends Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression' | 'sortBy'> {
  /**
   * The GeoParquet file to write (replaced atomically; left untouched when the build fails). With
   * `shard`, the prefix (local directory or `s3://bucket/prefix/`) that gets `part-<rank>.parquet`.
   */
  out: string;
  /** Options for `http(s)://` files (timeouts, deadline, retries, headers); `signRequest` needs `workers: 0`. */
  http?: HttpSourceOptions;
  /** Build only inputs `rank, rank + worldSize, …` of the sorted input list into `<out>/part-<rank>.parquet`; merge the parts with `compactShards`. */
  shard?: ShardOption;
  /** Endpoint, region and credentials when `out` is `s3://`. Default: the AWS environment. */
  s3?: S3Options;
  /** Regex over each file's base name with named groups `date`, or `start`/`end`. */
  filenameRegex?: RegExp;
  /** Layout of the matched dates. Default `'auto'`. */
  dateFormat?: DateFormat;
  /** Worker threads reading headers. Default: cores, at most 4; 0 reads on the main thread. */
  workers?: number;
  /** Store each file's COG header cache in the struct column `<assetKey>_cog` so loads skip header I/O. Default false. */
  cogHeaders?: boolean;
  /**
   * 'valid': also record each file's valid-data polygon (from its mask at a coarse overview, like
   * gdal_footprint) in the `valid_footprint` column, for samplers' `footprint: 'valid'`. Default 'bbox'.
   */
  footprint?: 'bbox' | 'valid';
  /** When a file name gives no time, use the TIFF DateTime tag (read as UTC; often the processing time). Default true. */
  tiffDateTime?: boolean;
  /** Asset key of each file. Default `"image"`. */
  assetKey?: string;
  /** Row id from the href. Default: the base name without extension. */
  id?: (href: string) => string;
  /** Extra columns per row, computed from the href and the row built so far (its extras hold width, height, transform...). */
  extraColumns?: (href: string, row: CatalogRow) => Record<string, unknown>;
  /** Default `'fail'`. */
  onError?: OnError;
  /** Default `'auto'`: a bar on a TTY, quiet in pipes and CI. */
  progress?: ProgressOption;
  /** Rows per writer batch (bounds memory). Default 10_000. */
  batchSize?: number;
  /** Memory limit of the writer's DuckDB instance, which spills to disk beyond it. Default '256MB'. */
  memoryLimit?: string;
}

/** The keys of {@link BuildRasterOptions} (the compiler checks the list is complete). */
export const BUILD_RASTER_OPTION_KEYS = optionKeys<BuildRasterOptions>()([
  'rowGroupSize',
  'compression',
  'sortBy',
  'out',
  'http',
  'shard',
  's3',
  'filenameRegex',
  'dateFormat',
  'workers',
  'cogHeaders',
  'footprint',
  'tiffDateTime',
  'assetKey',
  'id',
  'extraColumns',
  'onError',
  'progress',
  'batchSize',
  'memoryLimit',
]);

/**
 * The result of a build: the opened catalog, how many rows it has and the inputs left out.
 */
export interface BuildResult {
  /** The written catalog, opened (a remote catalog when a shard went to `s3://`). */
  catalog: DuckDBCatalog | RemoteCatalog;
  rows: number;
  skipped: SkippedInput[];
}

type RunTask = (t: RasterRowTask) => Promise<RasterRowResult>;

function workerCount(opt: number | undefined): number {
  const n = opt ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(n) || n < 0)
    throw new BuildError('BAD_OPTION', `workers must be a non-negative integer, got ${String(opt)}`);
  return n;
}

function startPool(workers: number): { run: RunTask; close: () => Promise<void> } {
  if (workers === 0) return { run: rasterRowTask, close: async () => undefined };
  const self = import.meta.url;
  const pool = new ModulePool<RasterRowTask, RasterRowResult>(
    new URL(`./raster-row-worker${self.endsWith('.ts') ? '.ts' : '.js'}`, self),
    workers,
  );
  return { run: (t) => pool.run(t), close: () => pool.close() };
}

/**
 * Rows of the files, read `concurrency` at a time (headers read on the worker pool), in input order.
 * Bad files go to `report`; duplicate ids are errors too.
 */
async function* rasterRows(
  hrefs: AsyncIterable<string>,
  run: RunTask,
  concurrency: number,
  task: Omit<RasterRowTask, 'href'>,
  opts: Pick<BuildRasterOptions, 'id' | 'extraColumns'>,
  report: SkipReport,
  tick: () => void,
): AsyncGenerator<CatalogRow> {
  const queue: { href: string; result: Promise<RasterRowResult> }[] = [];
  const ids = new Set<string>();
  const it = hrefs[Symbol.asyncIterator]();
  let exhausted = false;
  const fill = async () => {
    while (!exhausted && queue.length < concurrency) {
      const n = await it.next();
      if (n.done) {
        exhausted = true;
        break;
      }
      const href = normalizeHref(n.value);
      const result = run({ ...task, href });
      result.catch(() => undefined); // awaited below, in order
      queue.push({ href, result });
    }
  };
  try {
    await fill();
    while (queue.length > 0) {
      const { href, result } = queue.shift()!;
      await fill();
      const r = await result;
      tick();
      if ('error' in r) {
        report.add(r.error, href);
        continue;
      }
      const row = r.row;
      if (opts.id) row.id = opts.id(href);
      if (opts.extraColumns) Object.assign(row.extras, opts.extraColumns(href, row));
      if (ids.has(row.id)) {
        report.add(
          new BuildError(
            'DUPLICATE_ID',
            `${href}: row id "${row.id}" is already used by another file; pass an id function (e.g. from the relative path) or rename the file`,
            { subject: href },
          ),
          href,
        );
        continue;
      }
      // the writer validates rows too, but there a bad row would fail the whole build: check it
      // here, where onError can skip its file
      try {
        validateRow(row, ids.size);
      } catch (e) {
        report.add(
          new BuildError('INVALID_ROW', `${href}: ${(e as Error).message}`, { cause: e, subject: href }),
          href,
        );
        continue;
      }
      ids.add(row.id);
      yield row;
    }
  } finally {
    await it.return?.();
  }
}

/**
 * Builds a GeoParquet 1.1 catalog from raster files (see `RasterFiles`): one row per file with its
 * EPSG:4326 footprint (densified, antimeridian-safe, pole-aware), native CRS, times from the file name,
 * size, bands, dtype, nodata, geotransform, overview count, per-band scale/offset and palette
 * (`<assetKey>_scale`, `_offset`, `_palette`) and, with `cogHeaders`, the COG header
 * cache struct column `<assetKey>_cog` (the loader's `CogLayout`). Headers are read in parallel on
 * worker threads; rows stream to a single writer in batches (memory bounded by the batch size plus
 * the set of ids), which sorts the file (Hilbert key, tmin) and renames it into place, so a
 * failed or killed build leaves a previous `out` untouched. Returns the opened catalog.
 *
 * Throws {@link BuildError}: `UNREADABLE` (not a TIFF, truncated, missing), `NO_GEOREFERENCING`,
 * `DUPLICATE_ID`, `BAD_DATE` (each naming the file; with `onError: 'skip'` they are reported in
 * `skipped` instead), `NOT_FOUND` (nothing matched), `NO_ROWS` (every file was skipped), `BAD_OPTION`.
 *
 * @example
 * ```ts
 * import { buildRasterCatalog } from 'geoslice';
 *
 * const { catalog, skipped } = await buildRasterCatalog('s2/**\/*.tif', {
 *   out: 's2.parquet', filenameRegex: /_(?<date>\d{8})T/, cogHeaders: true, onError: 'skip',
 * });
 * console.log(await catalog.count(), skipped.map((s) => `${s.input}: ${s.message}`));
 * ```
 */
export async function buildRasterCatalog(files: RasterFiles, opts: BuildRasterOptions): Promise<BuildResult> {
  return atBoundary(BuildError, 'buildRasterCatalog', () => buildRasterCatalogUnguarded(files, opts));
}

async function buildRasterCatalogUnguarded(files: RasterFiles, opts: BuildRasterOptions): Promise<BuildResult> {
  if (!opts || typeof opts.out !== 'string' || opts.out.length === 0)
    throw new BuildError('BAD_OPTION', 'buildRasterCatalog needs { out: "catalog.parquet" }');
  checkOptionKeys(opts, BUILD_RASTER_OPTION_KEYS, 'buildRasterCatalog', BuildError);
  if (opts.shard !== undefined) {
    const { shard, s3, ...rest } = opts;
    const sorted = Array.isArray(files) ? [...files].sort() : files;
    const run = await writeShard(opts.out, shard, s3, async (local) => {
      const { hrefs } = await expandFiles(sorted);
      const r = await buildRasterCatalog(shardItems(hrefs, shard), { ...rest, out: local });
      await r.catalog.close();
      return r;
    });
    const catalog = run.local ? await openLocalCatalog(run.local) : await openRemoteCatalog(run.part, { s3 });
    return { ...run.result, catalog };
  }
  if (opts.filenameRegex !== undefined && !(opts.filenameRegex instanceof RegExp))
    throw new BuildError('BAD_OPTION', 'filenameRegex must be a RegExp');
  const workers = workerCount(opts.workers);
  checkHttpOptions(opts.http, 'buildRasterCatalog http');
  if (opts.http?.signRequest && workers > 0)
    throw new BuildError(
      'BAD_OPTION',
      'http.signRequest is a function and cannot reach worker threads; pass workers: 0',
    );
  const report = new SkipReport(opts.onError);
  const { hrefs, total } = await expandFiles(files);
  const progress = startProgress(opts.progress, 'raster headers', total);
  const pool = startPool(workers);
  const task: Omit<RasterRowTask, 'href'> = {
    assetKey: opts.assetKey,
    regex: opts.filenameRegex
      ? { source: opts.filenameRegex.source, flags: opts.filenameRegex.flags.replace(/[gy]/g, '') }
      : undefined,
    dateFormat: opts.dateFormat,
    cogHeaders: opts.cogHeaders,
    tiffDateTime: opts.tiffDateTime,
    http: opts.http,
    footprint: opts.footprint,
  };
  let rows: number;
  try {
    const stream = rasterRows(hrefs, pool.run, Math.max(8, workers * 8), task, opts, report, () => progress.tick());
    const key = opts.assetKey ?? 'image';
    const extrasTypes: Record<string, string> = {
      ...sampleMetaTypes([key]),
      ...(opts.cogHeaders ? cogColumnTypes([key]) : {}),
    };
    rows = await writeRows(stream, opts.out, { ...opts, extrasTypes }, report);
  } finally {
    progress.stop();
    await pool.close();
  }
  return { catalog: await openLocalCatalog(opts.out), rows, skipped: report.skipped };
}

/**
 * Writes rows with the catalog writer, refusing to replace `out` with an empty catalog.
 */
export async function writeRows(
  rows: AsyncIterable<CatalogRow>,
  out: string,
  opts: Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression' | 'sortBy'> & {
    batchSize?: number;
    memoryLimit?: string;
    extrasTypes?: Record<string, string>;
  },
  report: SkipReport,
): Promise<number> {
  let seen = 0;
  let index = 0;
  async function* counted(): AsyncGenerator<CatalogRow> {
    for await (const r of rows) {
      let valid: CatalogRow;
      try {
        valid = validateRow(r, index++).row;
      } catch (e) {
        // NaN/inverted bboxes, invalid WKB, NULL core fields, CRSs that do not parse: never written.
        report.add(e as GeosliceError, typeof r?.id === 'string' && r.id !== '' ? r.id : `row ${index - 1}`);
        continue;
      }
      seen++;
      yield valid;
    }
    if (seen === 0) {
      const why = report.skipped.length
        ? `all ${report.skipped.length} inputs were skipped (first: ${report.skipped[0].input}: ${report.skipped[0].message})`
        : 'the input is empty';
      throw new BuildError(
        'NO_ROWS',
        `no rows to write to ${out}: ${why}; the previous catalog (if any) is untouched`,
        { subject: out },
      );
    }
  }
  try {
    return await writeGeoParquet(counted(), out, {
      rowGroupSize: opts.rowGroupSize,
      compression: opts.compression,
      sortBy: opts.sortBy,
      batchSize: opts.batchSize,
      memoryLimit: opts.memoryLimit ?? '256MB',
      extrasTypes: opts.extrasTypes,
      validate: false,
    });
  } catch (e) {
    if (e instanceof BuildError) throw e;
    const err = e as Error & { code?: string };
    throw new BuildError(
      err.code === 'INVALID_ROW' ? 'INVALID_ROW' : 'WRITE_FAILED',
      `writing ${out}: ${err.message}`,
      { cause: e, subject: out },
    );
  }
}
