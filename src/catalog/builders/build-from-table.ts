import { checkHttpOptions, type HttpSourceOptions } from '../../sources/http-source.js';
import { openSource } from '../../sources/open-source.js';
import { atBoundary, BuildError, GeosliceError } from '../../errors.js';
import { checkOptionKeys, optionKeys, pickOptions } from '../../option-keys.js';
import { extractCogLayout } from '../../tiff/cog-layout.js';
import { openLocalCatalog } from '../open.js';
import type { CatalogRow, GeoParquetWriteOptions } from '../types.js';
import type { BuildResult } from './build-raster-catalog.js';
import { writeRows } from './build-raster-catalog.js';
import { cogColumn, cogColumnTypes } from './cog-header-column.js';
import { sampleMetaExtras, sampleMetaTypes } from './sample-meta-columns.js';
import { startProgress, type ProgressOption } from './progress.js';
import { COLUMN_MAP_KEYS, RECORD_ROW_OPTION_KEYS, rowOfRecord, type RecordRowOptions } from './record-row.js';
import { SkipReport, type OnError } from './skipped.js';
import { readRecords, type TableSource } from './table-source.js';
import { openRemoteCatalog } from '../remote/remote-catalog.js';
import type { S3Options } from '../../sources/s3-config.js';
import { type ShardOption, shardItems, writeShard } from './shard.js';

/**
 * Options of {@link buildCatalogFromTable}.
 */
export interface BuildTableOptions
  extends RecordRowOptions,
    Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression' | 'sortBy'> {
  /**
   * The GeoParquet file to write (replaced atomically; left untouched when the build fails). With
   * `shard`, the prefix (local directory or `s3://bucket/prefix/`) that gets `part-<rank>.parquet`.
   */
  out: string;
  /** Build only records `rank, rank + worldSize, …` (in source order) into `<out>/part-<rank>.parquet`; merge with `compactShards`. */
  shard?: ShardOption;
  /** Endpoint, region and credentials when `out` is `s3://`. Default: the AWS environment. */
  s3?: S3Options;
  /**
   * Read every asset's COG header (local or HTTP) and store it in the struct column `<asset>_cog`, its
   * per-band scale/offset and palette in `<asset>_scale`, `<asset>_offset`, `<asset>_palette` (and
   * the native CRS when the record has none). The columns are those of the asset keys seen in the
   * first `batchSize` records. Default false.
   */
  enrichCog?: boolean;
  /** Header reads in flight with `enrichCog`. Default 8. */
  concurrency?: number;
  /** Options for `http(s)://` assets read by `enrichCog` (timeouts, deadline, retries, headers). */
  http?: HttpSourceOptions;
  /** Default `'fail'`. */
  onError?: OnError;
  /** Default `'auto'`. */
  progress?: ProgressOption;
  /** Rows per writer batch. Default 10_000. */
  batchSize?: number;
  /** Memory limit of the writer's DuckDB instance, which spills to disk beyond it. Default '256MB'. */
  memoryLimit?: string;
}

/** The keys of {@link BuildTableOptions} (the compiler checks the list is complete). */
export const BUILD_TABLE_OPTION_KEYS = optionKeys<BuildTableOptions>()([
  'columnMap',
  'hrefColumn',
  'assetKey',
  'bandIndexMap',
  'rowGroupSize',
  'compression',
  'sortBy',
  'out',
  'shard',
  's3',
  'enrichCog',
  'concurrency',
  'http',
  'onError',
  'progress',
  'batchSize',
  'memoryLimit',
]);

/**
 * Builds a GeoParquet 1.1 catalog from records: STAC Items (ItemCollection / array / NDJSON),
 * stac-geoparquet or any Parquet table following the record contract (see {@link recordToRow}), an
 * Arrow table or JS rows. Records stream through to the writer in batches, so memory is bounded by
 * the batch size (plus the set of ids used to refuse duplicates). With `enrichCog`, each asset's COG
 * header is read and stored so that loads skip header I/O.
 *
 * Throws {@link BuildError} naming the record or file: `NO_ID`, `NO_GEOMETRY`, `INVALID_WKB`,
 * `INVALID_GEOMETRY`, `BAD_DATE`, `NO_ASSETS`, `UNKNOWN_CRS`, `DUPLICATE_ID`, `UNREADABLE` (enrichCog)
 * — with `onError: 'skip'` these records are reported in `skipped` instead — and `NOT_FOUND`,
 * `BAD_JSON`, `NO_ROWS`, `WRITE_FAILED`. On failure a previous `out` is left untouched.
 *
 * @example
 * ```ts
 * import { buildCatalogFromTable } from 'geoslice';
 *
 * const { catalog, skipped } = await buildCatalogFromTable('items.ndjson', { out: 'items.parquet', onError: 'skip' });
 * console.log(await catalog.aggregate('SELECT count(*) AS n FROM catalog'), skipped.length);
 * ```
 */
export async function buildCatalogFromTable(source: TableSource, opts: BuildTableOptions): Promise<BuildResult> {
  return atBoundary(BuildError, 'buildCatalogFromTable', () => buildCatalogFromTableUnguarded(source, opts));
}

async function buildCatalogFromTableUnguarded(source: TableSource, opts: BuildTableOptions): Promise<BuildResult> {
  if (!opts || typeof opts.out !== 'string' || opts.out.length === 0)
    throw new BuildError('BAD_OPTION', 'buildCatalogFromTable needs { out: "catalog.parquet" }');
  checkOptionKeys(opts, BUILD_TABLE_OPTION_KEYS, 'buildCatalogFromTable', BuildError);
  checkOptionKeys(opts.columnMap, COLUMN_MAP_KEYS, 'buildCatalogFromTable columnMap', BuildError);
  if (opts.shard !== undefined) {
    const { shard, s3, ...rest } = opts;
    const run = await writeShard(opts.out, shard, s3, async (local) => {
      const r = await buildFromRecords(shardItems(readRecords(source), shard), { ...rest, out: local });
      await r.catalog.close();
      return r;
    });
    const catalog = run.local ? await openLocalCatalog(run.local) : await openRemoteCatalog(run.part, { s3 });
    return { ...run.result, catalog };
  }
  return buildFromRecords(readRecords(source), opts);
}

async function buildFromRecords(
  records: AsyncIterable<Record<string, unknown>>,
  opts: BuildTableOptions,
): Promise<BuildResult> {
  const concurrency = opts.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new BuildError('BAD_OPTION', `concurrency must be a positive integer, got ${String(opts.concurrency)}`);
  const report = new SkipReport(opts.onError);
  const progress = startProgress(opts.progress, 'records', null);
  let rows: number;
  try {
    let stream = tableRows(records, pickOptions(opts, RECORD_ROW_OPTION_KEYS), report, () => progress.tick());
    let extrasTypes: Record<string, string> | undefined;
    if (opts.enrichCog) {
      // The writer fixes its columns from the first batch: declare the header cache struct columns of
      // every asset key seen in that batch.
      const head = await take(
        withCogHeaders(stream, concurrency, report, checkHttpOptions(opts.http, 'buildCatalogFromTable http')),
        opts.batchSize ?? 10_000,
      );
      const keys = new Set(head.rows.flatMap((r) => Object.keys(r.assets)));
      extrasTypes = { ...sampleMetaTypes(keys), ...cogColumnTypes(keys) };
      stream = head.all;
    }
    rows = await writeRows(stream, opts.out, { ...opts, extrasTypes }, report);
  } finally {
    progress.stop();
  }
  return { catalog: await openLocalCatalog(opts.out), rows, skipped: report.skipped };
}

async function* tableRows(
  records: AsyncIterable<Record<string, unknown>>,
  opts: RecordRowOptions,
  report: SkipReport,
  tick: () => void,
): AsyncGenerator<CatalogRow> {
  const ids = new Set<string>();
  let i = 0;
  for await (const rec of records) {
    const index = i++;
    tick();
    let row: CatalogRow;
    try {
      row = rowOfRecord(rec, index, opts);
    } catch (e) {
      if (!(e instanceof GeosliceError)) throw e;
      report.add(e, e.subject ?? `#${index}`);
      continue;
    }
    if (ids.has(row.id)) {
      report.add(
        new BuildError('DUPLICATE_ID', `record #${index}: id "${row.id}" appears more than once; ids must be unique`, {
          subject: row.id,
        }),
        row.id,
      );
      continue;
    }
    ids.add(row.id);
    yield row;
  }
}

/** The first `n` rows, and a stream of all rows (those first, then the rest). */
async function take(
  rows: AsyncGenerator<CatalogRow>,
  n: number,
): Promise<{ rows: CatalogRow[]; all: AsyncGenerator<CatalogRow> }> {
  const first: CatalogRow[] = [];
  let ended = false;
  while (first.length < n) {
    const r = await rows.next();
    if (r.done) {
      ended = true;
      break;
    }
    first.push(r.value);
  }
  async function* all(): AsyncGenerator<CatalogRow> {
    yield* first;
    if (!ended) yield* rows;
  }
  return { rows: first, all: all() };
}

/** Adds `<asset>_cog` header caches, `concurrency` rows at a time, keeping the order. */
async function* withCogHeaders(
  rows: AsyncIterable<CatalogRow>,
  concurrency: number,
  report: SkipReport,
  http: HttpSourceOptions,
): AsyncGenerator<CatalogRow> {
  const enrich = async (row: CatalogRow): Promise<CatalogRow | GeosliceError> => {
    const layouts = new Map<string, Promise<Awaited<ReturnType<typeof extractCogLayout>>>>();
    try {
      for (const [key, a] of Object.entries(row.assets)) {
        let p = layouts.get(a.href);
        if (!p) {
          p = (async () => {
            const source = await openSource(a.href, { http });
            try {
              return await extractCogLayout(source);
            } finally {
              await source.close();
            }
          })();
          layouts.set(a.href, p);
        }
        const layout = await p;
        row.extras[cogColumn(key)] = layout;
        Object.assign(row.extras, sampleMetaExtras(key, layout));
        if (row.crs === 'EPSG:4326' && layout.crs && layout.crs !== 'EPSG:4326') row.crs = layout.crs;
      }
      return row;
    } catch (e) {
      return new BuildError(
        'UNREADABLE',
        `row ${row.id}: cannot read a COG header for enrichCog: ${(e as Error).message}`,
        { subject: row.id, cause: e },
      );
    }
  };
  const queue: Promise<CatalogRow | GeosliceError>[] = [];
  const it = rows[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      while (!done && queue.length < concurrency) {
        const n = await it.next();
        if (n.done) done = true;
        else queue.push(enrich(n.value));
      }
      const next = queue.shift();
      if (!next) break;
      const r = await next;
      if (r instanceof GeosliceError) report.add(r, r.subject ?? '');
      else yield r;
    }
  } finally {
    await it.return?.();
  }
}
