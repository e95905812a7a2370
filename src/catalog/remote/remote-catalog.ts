/**
 * Remote GeoParquet catalogs (`https://…/cat.parquet`, `s3://bucket/cat.parquet`, `s3://bucket/prefix/`,
 * `s3://bucket/**\/*.parquet`) read with hyparquet over range requests, without DuckDB extensions:
 * footers first, then only the row groups whose statistics meet the query's boxes and interval.
 */
import { type FileMetaData, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { CatalogError, GeosliceError } from '../../errors.js';
import type { BBox } from '../../geo/bbox.js';
import { checkOptionKeys, optionKeys } from '../../option-keys.js';
import type { TimeInterval } from '../../geo/interval.js';
import type { GeoSlice } from '../../geo/slice.js';
import type { ByteSource } from '../../sources/byte-source.js';
import { type HttpSourceOptions, openHttpSource } from '../../sources/http-source.js';
import { S3Client } from '../../sources/s3-client.js';
import type { S3Options } from '../../sources/s3-config.js';
import { listS3 } from '../../sources/s3-glob.js';
import { openS3Source } from '../../sources/s3-source.js';
import { memoryCatalogFromRows, memorySql } from '../from-rows.js';
import { type FileExtent, readHttpManifest, readS3Manifest } from '../manifest.js';
import { interpretGeoMetadata } from '../geoparquet/geo-metadata.js';
import { MemoryCatalog } from '../memory/catalog.js';
import { normalizeQuery } from '../query-plan.js';
import type {
  ArrowTableLike,
  CatalogQuery,
  CatalogRow,
  GeoCatalog,
  GeoParquetWriteOptions,
  IntersectOptions,
  SqlParams,
} from '../types.js';
import { type CountingAsyncBuffer, countingAsyncBuffer } from './async-buffer.js';
import { fileMayMatch, type PruneColumns, type PruneFilter, prunedRowGroups } from './prune.js';
import { hiveValues, type RowLayout, toCatalogRow } from './rows.js';

/**
 * Options of {@link openRemoteCatalog} (and of `openCatalog` for URLs).
 */
export interface RemoteCatalogOptions {
  /** Endpoint, region and credentials for `s3://`; default: the AWS environment. */
  s3?: S3Options;
  /** Retries, timeouts and range coalescing of the range requests. */
  http?: HttpSourceOptions;
  /** Row groups read at once per catalog. Default 4. */
  concurrency?: number;
}

/** The keys of {@link RemoteCatalogOptions} (the compiler checks the list is complete). */
export const REMOTE_CATALOG_OPTION_KEYS = optionKeys<RemoteCatalogOptions>()(['s3', 'http', 'concurrency']);

/**
 * Bytes and requests a remote catalog has read, row groups read out of those of the files opened so
 * far, and files opened (footer read) out of all its files.
 */
export interface RemoteReadStats {
  bytesRead: number;
  requests: number;
  fileBytes: number;
  rowGroupsRead: number;
  rowGroupsTotal: number;
  filesOpened: number;
  filesTotal: number;
}

interface RemoteFile {
  href: string;
  source: ByteSource;
  buffer: CountingAsyncBuffer;
  meta: FileMetaData;
  layout: RowLayout;
  prune: PruneColumns;
}

/** One data file of the catalog; its footer is read on first need ({@link RemoteCatalog} `openEntry`). */
interface FileEntry {
  href: string;
  /** From the manifest, when it lists the file's extent. */
  extent?: FileExtent;
  /** Partition values of a manifest-listed (compacted) file, or null. */
  hive: Record<string, string | number | null> | null;
  opening?: Promise<RemoteFile>;
  file?: RemoteFile;
}

interface Shared {
  entries: FileEntry[];
  /** The geometry column of the first file opened; every other file must use it too. */
  geometry?: { column: string; href: string };
  s3: S3Client | null;
  opts: RemoteCatalogOptions;
  groupsRead: number;
  closed: boolean;
}

const REMOTE = /^(https?|s3):\/\//i;
const GLOB = /[*?[\]{}]/;

/**
 * Whether `source` is a URL that {@link openRemoteCatalog} opens.
 */
export function isRemoteCatalogUrl(source: unknown): source is string {
  return typeof source === 'string' && REMOTE.test(source);
}

/**
 * Opens a remote GeoParquet catalog: a single file's footer is read now; the files of a prefix (an
 * `s3://` or `https://` prefix with a `_manifest.json` written by `compactShards` opens exactly the
 * files it lists; an `s3://` prefix or glob without one, the listed `.parquet` files) are opened —
 * footer read — only when a query needs them, and a compacted file whose manifest extent (or `year=`
 * partition) cannot meet the query is never requested at all. Queries prune row groups
 * by the bbox covering statistics (or GeoParquet 2.0 geospatial statistics) and the tmin/tmax
 * statistics, then fetch only those row groups' column chunks and evaluate the query exactly on their
 * rows (the in-memory backend), so the rows equal the local query's. Throws {@link CatalogError}
 * `NOT_FOUND`, `NOT_PARQUET`, `NO_GEOMETRY`, `UNSUPPORTED_ENCODING`, `UNSUPPORTED_CRS`, or a
 * `SourceError` (`ACCESS_DENIED`, `NOT_FOUND`...) naming the URL.
 */
export async function openRemoteCatalog(source: string, opts: RemoteCatalogOptions = {}): Promise<RemoteCatalog> {
  checkOptionKeys(opts, REMOTE_CATALOG_OPTION_KEYS, `openRemoteCatalog ${source}`, CatalogError);
  const s3 = /^s3:\/\//i.test(source) ? new S3Client(opts.s3) : null;
  let entries: FileEntry[];
  const manifest = !source.endsWith('/')
    ? null
    : s3
      ? ((await readS3Manifest(s3, source))?.manifest ?? null)
      : await readHttpManifest(source, opts.http?.headers);
  if (manifest) {
    entries = manifest.files.map((f) => ({
      href: `${source}${f}`,
      extent: manifest.extents?.[f],
      hive: hiveValues(f),
    }));
  } else if (s3 && (source.endsWith('/') || GLOB.test(source))) {
    const all = await listS3(s3, source);
    const hrefs = GLOB.test(source) ? all : all.filter((h) => h.endsWith('.parquet'));
    if (hrefs.length === 0)
      throw new CatalogError('NOT_FOUND', `${source} holds no .parquet files`, { subject: source });
    entries = hrefs.map((href) => ({ href, hive: null }));
  } else if (!s3 && (GLOB.test(new URL(source).pathname) || source.endsWith('/'))) {
    throw new CatalogError(
      'BAD_SOURCE',
      `${source}: HTTP has no listing — pass the file URLs, or a prefix holding a _manifest.json (compactShards)`,
      { subject: source },
    );
  } else entries = [{ href: source, hive: null }];
  const shared: Shared = { entries, s3, opts, groupsRead: 0, closed: false };
  const catalog = new RemoteCatalog(source, shared, { boxSets: [], intervals: [] }, [], opts.concurrency ?? 4);
  // A single file is opened now, so a wrong URL fails here; the files of a prefix open when a query needs them.
  if (entries.length === 1) await catalog.openFirstFile();
  return catalog;
}

async function openFile(
  href: string,
  s3: S3Client | null,
  opts: RemoteCatalogOptions,
  label: string,
): Promise<RemoteFile> {
  const source = s3 ? openS3Source(href, { client: s3, http: opts.http }) : openHttpSource(href, opts.http);
  try {
    const buffer = await countingAsyncBuffer(source);
    if (buffer.byteLength < 12)
      throw new CatalogError('NOT_PARQUET', `${href} is not a Parquet file (${buffer.byteLength} bytes)`, {
        subject: href,
      });
    let meta: FileMetaData;
    try {
      // The 8-byte tail first, then exactly the footer: no data page is read with it.
      meta = await parquetMetadataAsync(buffer, { geoparquet: false, initialFetchSize: 8 });
    } catch (e) {
      if (e instanceof GeosliceError) throw e;
      throw new CatalogError(
        'NOT_PARQUET',
        `${href} is not a readable Parquet file (${(e as Error).message}); pass a GeoParquet file`,
        { cause: e, subject: href },
      );
    }
    const geoJson = meta.key_value_metadata?.find((k) => k.key === 'geo')?.value;
    let geometry: string;
    let covering: PruneColumns['covering'] = null;
    if (geoJson !== undefined) {
      const info = interpretGeoMetadata(geoJson, href);
      geometry = info.column;
      covering = info.covering as PruneColumns['covering'];
    } else {
      const native = meta.schema.find((s) => s.logical_type?.type === 'GEOMETRY');
      if (!native)
        throw new CatalogError(
          'NO_GEOMETRY',
          `${href} has no GeoParquet "geo" metadata and no GEOMETRY column (searched as part of ${label})`,
          { subject: href },
        );
      geometry = native.name;
    }
    const coveringColumn = covering && covering.xmin.length === 2 ? covering.xmin[0] : null;
    return {
      href,
      source,
      buffer,
      meta,
      layout: { file: href, geometry, coveringColumn, hive: hiveValues(href) },
      prune: { covering, geometry },
    };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/**
 * A remote GeoParquet catalog. `query` narrows the row groups to fetch and is applied exactly to the
 * fetched rows; every other operation runs on the in-memory backend over the rows the queries so far
 * select (fetched once per derived catalog, then cached). Memory holds the selected rows, so query
 * before iterating a large remote catalog.
 */
export class RemoteCatalog implements GeoCatalog {
  readonly engine = 'memory' as const;
  private resolvedCatalog: GeoCatalog | undefined;

  /** Internal: use {@link openRemoteCatalog} or `openCatalog(url)`. */
  constructor(
    readonly source: string,
    private readonly shared: Shared,
    private readonly filter: PruneFilter,
    private readonly deferred: readonly ((c: GeoCatalog) => GeoCatalog)[],
    private readonly concurrency: number,
  ) {}

  /**
   * Bytes and requests read from the remote files so far (footers included), and row groups read.
   */
  readStats(): RemoteReadStats {
    const f = this.shared.entries.flatMap((e) => (e.file ? [e.file] : []));
    return {
      bytesRead: f.reduce((s, x) => s + x.buffer.bytesRead, 0),
      requests: f.reduce((s, x) => s + x.buffer.reads, 0),
      fileBytes: f.reduce((s, x) => s + x.buffer.byteLength, 0),
      rowGroupsRead: this.shared.groupsRead,
      rowGroupsTotal: f.reduce((s, x) => s + x.meta.row_groups.length, 0),
      filesOpened: f.length,
      filesTotal: this.shared.entries.length,
    };
  }

  /** Internal: reads the footer of the first file now (used by {@link openRemoteCatalog} for single files). */
  async openFirstFile(): Promise<void> {
    await this.openEntry(this.shared.entries[0]);
  }

  /**
   * Reads the footer of `entry` once (concurrent callers share the read) and checks that its geometry
   * column is the catalog's. Throws as {@link openRemoteCatalog} does, naming the file.
   */
  private async openEntry(entry: FileEntry): Promise<RemoteFile> {
    const { s3, opts } = this.shared;
    entry.opening ??= openFile(entry.href, s3, opts, this.source).then(async (file) => {
      if (this.shared.closed) {
        await file.source.close();
        this.checkOpen();
      }
      const first = (this.shared.geometry ??= { column: file.layout.geometry, href: file.href });
      if (file.layout.geometry !== first.column) {
        await file.source.close();
        throw new CatalogError(
          'SCHEMA_MISMATCH',
          `${file.href}: its geometry column is "${file.layout.geometry}" but ${first.href} uses "${first.column}"`,
          { subject: file.href },
        );
      }
      entry.file = file;
      return file;
    });
    return entry.opening;
  }

  /** The files a query with this filter may need (by manifest extent / partition, no request), opened. */
  private async candidateFiles(): Promise<RemoteFile[]> {
    const wanted = this.shared.entries.filter((e) => fileMayMatch(e.extent, e.hive, this.filter));
    const out: RemoteFile[] = new Array(wanted.length);
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        const i = next++;
        out[i] = await this.openEntry(wanted[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.concurrency, wanted.length)) }, worker));
    return out;
  }

  query(q: CatalogQuery | GeoSlice): GeoCatalog {
    this.checkOpen();
    const n = normalizeQuery(q);
    const filter: PruneFilter = {
      boxSets: n.boxes ? [...this.filter.boxSets, n.boxes] : this.filter.boxSets,
      intervals: n.interval ? [...this.filter.intervals, n.interval] : this.filter.intervals,
    };
    return new RemoteCatalog(this.source, this.shared, filter, [...this.deferred, (c) => c.query(q)], this.concurrency);
  }

  intersect(other: GeoCatalog, opts?: IntersectOptions): GeoCatalog {
    return this.resolved().intersect(other, opts);
  }
  union(other: GeoCatalog): GeoCatalog {
    return this.resolved().union(other);
  }
  sql(selectOrWhere: string, params?: SqlParams): GeoCatalog {
    return this.resolved().sql(selectOrWhere, params);
  }
  withColumns(table: Record<string, unknown>[] | ArrowTableLike | string, opts?: { on?: string }): GeoCatalog {
    return this.resolved().withColumns(table, opts);
  }
  count(): Promise<number> {
    return this.resolved().count();
  }
  bounds(): Promise<BBox | null> {
    return this.resolved().bounds();
  }
  temporalExtent(): Promise<TimeInterval | null> {
    return this.resolved().temporalExtent();
  }
  aggregate(sql: string, params?: SqlParams): Promise<Record<string, unknown>[]> {
    return this.resolved().aggregate(sql, params);
  }
  async explain(): Promise<string> {
    const files = await this.candidateFiles();
    const total = files.reduce((s, f) => s + f.meta.row_groups.length, 0);
    const kept = files.reduce((s, f) => s + prunedRowGroups(f.meta, f.prune, this.filter).length, 0);
    return `remote GeoParquet ${this.source} (hyparquet range reads): ${files.length} of ${this.shared.entries.length} files may match (manifest extents / partitions); ${kept} of their ${total} row groups meet the query's bbox/time statistics\n${await this.resolved().explain()}`;
  }
  schema(): Promise<{ name: string; type: string }[]> {
    return this.resolved().schema();
  }
  rows(opts?: { batchSize?: number }): AsyncIterable<CatalogRow> {
    return this.resolved().rows(opts);
  }
  materialize(): Promise<GeoCatalog> {
    return this.resolved().materialize();
  }
  toGeoParquet(path: string, opts?: GeoParquetWriteOptions): Promise<void> {
    return this.resolved().toGeoParquet(path, opts);
  }
  toDuckDB(path: string, opts?: { table?: string }): Promise<void> {
    return this.resolved().toDuckDB(path, opts);
  }
  async close(): Promise<void> {
    if (this.shared.closed) return;
    this.shared.closed = true;
    await Promise.all(this.shared.entries.map((e) => e.opening?.then((f) => f.source.close()).catch(() => undefined)));
  }

  private checkOpen(): void {
    if (this.shared.closed)
      throw new CatalogError('CLOSED', `remote catalog ${this.source} was closed; open it again`, {
        subject: this.source,
      });
  }

  /** The in-memory catalog over the fetched rows with the deferred queries applied (built once). */
  private resolved(): GeoCatalog {
    this.checkOpen();
    if (!this.resolvedCatalog) {
      const label = this.source;
      const base = new MemoryCatalog(
        label,
        async () => memoryCatalogFromRows(await this.fetchRows(), { source: label }).relation(),
        [`remote ${label}: row groups pruned by bbox/time statistics, fetched with range requests`],
        memorySql,
      );
      this.resolvedCatalog = this.deferred.reduce<GeoCatalog>((c, op) => op(c), base);
    }
    return this.resolvedCatalog;
  }

  private async fetchRows(): Promise<CatalogRow[]> {
    const jobs: { file: RemoteFile; start: number; end: number }[] = [];
    for (const file of await this.candidateFiles()) {
      const starts: number[] = [];
      let at = 0;
      for (const rg of file.meta.row_groups) {
        starts.push(at);
        at += Number(rg.num_rows);
      }
      for (const g of prunedRowGroups(file.meta, file.prune, this.filter))
        jobs.push({ file, start: starts[g], end: starts[g] + Number(file.meta.row_groups[g].num_rows) });
    }
    const parts: CatalogRow[][] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        parts[i] = await this.readGroup(jobs[i].file, jobs[i].start, jobs[i].end);
        this.shared.groupsRead++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.concurrency, jobs.length)) }, worker));
    return parts.flat();
  }

  /**
   * The rows of one row group that may match: with a bbox or time filter, the covering (and tmin/tmax)
   * columns are read first and only the run of rows whose bbox and times can match is then read in
   * full; the exact test is the memory backend's, afterwards.
   */
  private async readGroup(file: RemoteFile, start: number, end: number): Promise<CatalogRow[]> {
    const cov = file.layout.coveringColumn;
    const top = topLevelColumns(file.meta);
    const times = this.filter.intervals.length > 0 && top.includes('tmin') && top.includes('tmax');
    if (!cov || (this.filter.boxSets.length === 0 && !times)) {
      const objs = await readObjects(file, start, end);
      return objs.map((o, k) => toCatalogRow(o, start + k, file.layout));
    }
    const keys = await readObjects(file, start, end, times ? [cov, 'tmin', 'tmax'] : [cov]);
    const hits: number[] = [];
    const f = file.prune.covering!;
    keys.forEach((o, k) => {
      const b = o[cov] as Record<string, number> | null;
      const box: BBox | null = b ? [b[f.xmin[1]], b[f.ymin[1]], b[f.xmax[1]], b[f.ymax[1]]] : null;
      if (this.mayMatch(box, o.tmin, o.tmax)) hits.push(k);
    });
    if (hits.length === 0) return [];
    const lo = hits[0];
    const rest = await readObjects(
      file,
      start + lo,
      start + hits[hits.length - 1] + 1,
      top.filter((c) => c !== cov),
    );
    return hits.map((k) => toCatalogRow({ ...rest[k - lo], [cov]: keys[k][cov] }, start + k, file.layout));
  }

  /** Whether a row with this bbox and times can match every query so far (a necessary condition only). */
  private mayMatch(b: BBox | null, tmin: unknown, tmax: unknown): boolean {
    if (b?.every(Number.isFinite)) {
      for (const set of this.filter.boxSets)
        if (!set.some((q) => b[0] <= q[2] && b[2] >= q[0] && b[1] <= q[3] && b[3] >= q[1])) return false;
    }
    if (tmin instanceof Date && tmax instanceof Date) {
      for (const iv of this.filter.intervals) {
        if (iv.end && tmin.getTime() > iv.end.getTime()) return false;
        if (iv.start && tmax.getTime() < iv.start.getTime()) return false;
      }
    }
    return true;
  }
}

function topLevelColumns(meta: FileMetaData): string[] {
  return parquetSchema(meta).children.map((c) => c.element.name);
}

function readObjects(
  file: RemoteFile,
  rowStart: number,
  rowEnd: number,
  columns?: string[],
): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({
    file: file.buffer,
    metadata: file.meta,
    rowStart,
    rowEnd,
    columns,
    compressors,
    geoparquet: false,
    utf8: false,
    parsers: { geometryFromBytes: (b: Uint8Array) => b },
  });
}
