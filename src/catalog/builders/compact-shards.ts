/**
 * `compactShards`: merges the `part-<rank>.parquet` shards of a sharded build into one new version of
 * the catalog — Hilbert-sorted GeoParquet partitioned by year and a coarse spatial cell — and commits
 * it by writing `_manifest.json` last (a conditional PUT on S3; a rename under the directory lock
 * locally). A failed or killed compaction leaves the previous manifest, and so the previous version,
 * in force.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { atBoundary, BuildError, SourceError } from '../../errors.js';
import { checkOptionKeys, optionKeys } from '../../option-keys.js';
import { S3Client } from '../../sources/s3-client.js';
import type { S3Options } from '../../sources/s3-config.js';
import { listS3 } from '../../sources/s3-glob.js';
import { UDF } from '../duckdb/udf.js';
import {
  type CatalogManifest,
  type FileExtent,
  newManifest,
  newVersionId,
  readLocalManifest,
  readS3Manifest,
  writeLocalManifest,
  writeS3Manifest,
} from '../manifest.js';
import { openLocalCatalog } from '../open.js';
import { hiveValues } from '../remote/rows.js';
import type { GeoParquetWriteOptions } from '../types.js';
import { acquireLock, type LockOptions } from './lock.js';
import { downloadFile, uploadFile } from './s3-files.js';

/**
 * Options of {@link compactShards}.
 */
export interface CompactShardsOptions
  extends Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression' | 'geoparquetVersion'> {
  /** Expect exactly the parts of ranks 0..worldSize-1 (`MISSING_SHARDS` otherwise). Default: whatever parts exist. */
  worldSize?: number;
  /** Endpoint, region and credentials for `s3://` prefixes. */
  s3?: S3Options;
  /** Lock options for local prefixes. */
  lock?: LockOptions;
}

/** The keys of {@link CompactShardsOptions} (the compiler checks the list is complete). */
export const COMPACT_SHARDS_OPTION_KEYS = optionKeys<CompactShardsOptions>()([
  'rowGroupSize',
  'compression',
  'geoparquetVersion',
  'worldSize',
  's3',
  'lock',
]);

/**
 * The partition columns a compaction adds: `year` (UTC year of `tmin`; NULL for undated rows) and
 * `cell`, the level-2 Hilbert cell of the bbox centre (a 4 x 4 grid of 90° x 45° world cells, 0..15).
 */
export const COMPACT_PARTITIONS = ['year', 'cell'] as const;

const PART = /^part-(\d+)\.parquet$/;

/**
 * Compacts the shards under `prefix` (a local directory or `s3://bucket/prefix/`) into a new version
 * `<prefix>/v-…/year=…/cell=…/*.parquet` and commits it with `<prefix>/_manifest.json`. Returns the
 * committed manifest. `openCatalog(prefix)` then reads exactly the manifest's files; DuckDB, GeoPandas
 * and Spark/Sedona read the version directory as a hive-partitioned GeoParquet dataset.
 *
 * Throws {@link BuildError}: `NOT_FOUND` (no parts), `MISSING_SHARDS` (with `worldSize`), `CONFLICT`
 * (another compaction committed in between; its version stays, ours is removed), `LOCKED`.
 */
export async function compactShards(prefix: string, opts: CompactShardsOptions = {}): Promise<CatalogManifest> {
  return atBoundary(BuildError, `compactShards ${String(prefix)}`, () => compactShardsUnguarded(prefix, opts));
}

async function compactShardsUnguarded(prefix: string, opts: CompactShardsOptions = {}): Promise<CatalogManifest> {
  if (typeof prefix !== 'string' || prefix.length === 0)
    throw new BuildError('BAD_OPTION', `compactShards needs a directory or s3:// prefix, got ${String(prefix)}`);
  checkOptionKeys(opts, COMPACT_SHARDS_OPTION_KEYS, 'compactShards', BuildError);
  if (opts.worldSize !== undefined && !(Number.isInteger(opts.worldSize) && opts.worldSize >= 1))
    throw new BuildError('BAD_OPTION', `worldSize must be a positive integer, got ${String(opts.worldSize)}`);
  return /^s3:\/\//i.test(prefix) ? compactS3(prefix.replace(/\/+$/, ''), opts) : compactLocal(resolve(prefix), opts);
}

function checkParts(names: string[], where: string, worldSize: number | undefined): string[] {
  const parts = names.filter((n) => PART.test(n)).sort((a, b) => rankOf(a) - rankOf(b));
  if (parts.length === 0)
    throw new BuildError('NOT_FOUND', `${where} holds no part-<rank>.parquet shards; run the sharded builds first`, {
      subject: where,
    });
  if (worldSize !== undefined) {
    const have = new Set(parts.map(rankOf));
    const missing = Array.from({ length: worldSize }, (_, r) => r).filter((r) => !have.has(r));
    const extra = [...have].filter((r) => r >= worldSize);
    if (missing.length || extra.length)
      throw new BuildError(
        'MISSING_SHARDS',
        `${where}: expected parts of ranks 0..${worldSize - 1}; missing ${missing.join(', ') || 'none'}, unexpected ${extra.join(', ') || 'none'}`,
        { subject: where },
      );
  }
  return parts;
}

function rankOf(name: string): number {
  return Number(PART.exec(name)![1]);
}

/** A written version: its row count and the extent of each partition, keyed `<year>/<cell>` as in its path. */
interface Written {
  rows: number;
  partitions: Map<string, FileExtent>;
}

/** Writes the merged, sorted, partitioned version of `files` into `dir`. */
async function writeVersion(files: string[], dir: string, opts: CompactShardsOptions): Promise<Written> {
  const cat = await openLocalCatalog(files);
  try {
    const centre = `${UDF.hilbert}((bbox.xmin + bbox.xmax) / 2, (bbox.ymin + bbox.ymax) / 2)`;
    const withKeys = cat.sql(
      `SELECT *, CAST(year(timezone('UTC', tmin)) AS INTEGER) AS year, CAST(floor(${centre} / 268435456) AS INTEGER) AS cell FROM catalog`,
    );
    await withKeys.toGeoParquet(dir, {
      partitionBy: [...COMPACT_PARTITIONS],
      rowGroupSize: opts.rowGroupSize,
      compression: opts.compression,
      geoparquetVersion: opts.geoparquetVersion,
    });
    const stats = await withKeys.aggregate(
      `SELECT year, cell, min(bbox.xmin) AS xmin, min(bbox.ymin) AS ymin, max(bbox.xmax) AS xmax, max(bbox.ymax) AS ymax,
        CAST(epoch_ms(min(coalesce(tmin, tmax))) AS DOUBLE) AS lo, CAST(epoch_ms(max(coalesce(tmax, tmin))) AS DOUBLE) AS hi,
        bool_or(tmin IS NULL AND tmax IS NULL) AS undated, CAST(count(*) AS DOUBLE) AS n
      FROM catalog GROUP BY year, cell`,
    );
    const partitions = new Map<string, FileExtent>();
    let rows = 0;
    for (const r of stats) {
      const iso = (v: unknown) => (v === null ? null : new Date(Number(v)).toISOString());
      partitions.set(partitionKey(r.year, r.cell), {
        bbox: [Number(r.xmin), Number(r.ymin), Number(r.xmax), Number(r.ymax)],
        tmin: iso(r.lo),
        tmax: iso(r.hi),
        undated: r.undated === true,
      });
      rows += Number(r.n);
    }
    return { rows, partitions };
  } finally {
    await cat.close();
  }
}

/** `<year>/<cell>` as in the path DuckDB writes (NULL is `__HIVE_DEFAULT_PARTITION__`). */
function partitionKey(year: unknown, cell: unknown): string {
  const name = (v: unknown) => (v === null || v === undefined ? '__HIVE_DEFAULT_PARTITION__' : String(v));
  return `${name(year)}/${name(cell)}`;
}

/**
 * The extents of the version's files (`<version>/year=…/cell=…/…parquet`), from their partitions'
 * extents; a file outside every computed partition gets none (readers then never skip it).
 */
/** The manifest with the extent of each of its files, so remote readers skip files a query cannot match. */
function withExtents(manifest: CatalogManifest, written: Written): CatalogManifest {
  return { ...manifest, extents: fileExtents(manifest.files, written.partitions) };
}

function fileExtents(files: string[], partitions: Map<string, FileExtent>): Record<string, FileExtent> {
  const out: Record<string, FileExtent> = {};
  for (const f of files) {
    const h = hiveValues(f);
    const e = partitions.get(partitionKey(h.year, h.cell));
    if (e) out[f] = e;
  }
  return out;
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTree(p));
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out.sort();
}

async function compactLocal(dir: string, opts: CompactShardsOptions): Promise<CatalogManifest> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BuildError('NOT_FOUND', `${dir} is not a directory of shards`, { subject: dir });
  const parts = checkParts(readdirSync(dir), dir, opts.worldSize);
  const before = readLocalManifest(dir)?.version ?? null;
  const version = newVersionId();
  const staging = join(dir, `.${version}.tmp`);
  try {
    const written = await writeVersion(
      parts.map((p) => join(dir, p)),
      staging,
      opts,
    );
    renameSync(staging, join(dir, version));
    const files = listTree(join(dir, version)).map((f) => relative(dir, f).split('\\').join('/'));
    const manifest = withExtents(newManifest(files, { version, rows: written.rows, parts }), written);
    const lock = await acquireLock(dir, opts.lock);
    try {
      if ((readLocalManifest(dir)?.version ?? null) !== before)
        throw new BuildError(
          'CONFLICT',
          `${dir}: another compaction committed a new manifest while this one ran; its version stays in force`,
          { subject: dir },
        );
      writeLocalManifest(dir, manifest);
    } finally {
      await lock.release();
    }
    return manifest;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (readLocalManifest(dir)?.version !== version) rmSync(join(dir, version), { recursive: true, force: true });
    throw e;
  }
}

async function compactS3(prefix: string, opts: CompactShardsOptions): Promise<CatalogManifest> {
  const client = new S3Client(opts.s3);
  const before = await readS3Manifest(client, prefix);
  let listed: string[];
  try {
    listed = await listS3(client, `${prefix}/part-*.parquet`);
  } catch (e) {
    if (e instanceof SourceError && e.code === 'NOT_FOUND') listed = [];
    else throw e;
  }
  const parts = checkParts(
    listed.map((h) => h.slice(prefix.length + 1)),
    prefix,
    opts.worldSize,
  );
  const version = newVersionId();
  const work = join(tmpdir(), `geoslice-compact-${process.pid}-${randomBytes(4).toString('hex')}`);
  const uploaded: string[] = [];
  mkdirSync(work, { recursive: true });
  try {
    const local: string[] = [];
    for (const p of parts) {
      const path = join(work, p);
      await downloadFile(client, `${prefix}/${p}`, path);
      local.push(path);
    }
    const out = join(work, version);
    const written = await writeVersion(local, out, opts);
    const files = listTree(out).map((f) => `${version}/${relative(out, f).split('\\').join('/')}`);
    for (const f of files) {
      await uploadFile(client, join(work, f), `${prefix}/${f}`);
      uploaded.push(`${prefix}/${f}`);
    }
    const manifest = withExtents(newManifest(files, { version, rows: written.rows, parts }), written);
    await writeS3Manifest(client, prefix, manifest, before?.etag ?? null);
    uploaded.length = 0;
    return manifest;
  } finally {
    for (const h of uploaded) await client.delete(h).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
