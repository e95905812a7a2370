/**
 * Catalog directories written by `appendToCatalog`/`compactCatalog`: shards
 * `part-<time>-<pid>-<hex>.parquet` committed by the directory's manifest (`manifest.ts`).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { ArrowTableLike } from '../types.js';
import { atBoundary, BuildError } from '../../errors.js';
import { checkOptionKeys, optionKeys, pickOptions, withoutKeys } from '../../option-keys.js';
import { newManifest, readLocalManifest, writeLocalManifest } from '../manifest.js';
import { isStaleTemp } from '../temp-files.js';
import { openLocalCatalog } from '../open.js';
import type { GeoParquetWriteOptions } from '../types.js';
import { BUILD_TABLE_OPTION_KEYS, buildCatalogFromTable, type BuildTableOptions } from './build-from-table.js';
import {
  BUILD_RASTER_OPTION_KEYS,
  buildRasterCatalog,
  type BuildRasterOptions,
  type BuildResult,
} from './build-raster-catalog.js';
import type { RasterFiles } from './file-source.js';
import { acquireLock, type LockOptions } from './lock.js';
import type { TableSource } from './table-source.js';

/**
 * What {@link appendToCatalog} adds: raster files (built like {@link buildRasterCatalog}) or a table
 * of records (built like {@link buildCatalogFromTable}).
 */
export type AppendInput = { files: RasterFiles } | { table: TableSource | ArrowTableLike };

/**
 * Options of {@link appendToCatalog}: the build options of the input kind (without `out`) and the lock's.
 */
export type AppendOptions = Omit<BuildRasterOptions, 'out'> & Omit<BuildTableOptions, 'out'> & { lock?: LockOptions };

/** The keys of {@link AppendOptions} (the compiler checks the list is complete). */
export const APPEND_OPTION_KEYS = optionKeys<AppendOptions>()([
  ...withoutKeys(BUILD_RASTER_OPTION_KEYS, 'out'),
  ...withoutKeys(BUILD_TABLE_OPTION_KEYS, 'out'),
  'lock',
]);

/** Options of {@link compactCatalog}. */
type CompactOptions = Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression'> & { lock?: LockOptions };
const COMPACT_OPTION_KEYS = optionKeys<CompactOptions>()(['rowGroupSize', 'compression', 'lock']);

/** Options of {@link optimizeCatalog}. */
type OptimizeOptions = { sort?: string[]; rowGroupSize?: number; compression?: GeoParquetWriteOptions['compression'] };
const OPTIMIZE_OPTION_KEYS = optionKeys<OptimizeOptions>()(['sort', 'rowGroupSize', 'compression']);

/**
 * The shard files of a catalog directory, sorted: those its manifest lists, or (a directory written
 * before manifests, or by another tool) every top-level, visible `.parquet` file.
 */
export function listShards(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const listed = readLocalManifest(dir);
  if (listed) return listed.files.map((f) => join(resolve(dir), f)).sort();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.parquet') && !f.startsWith('.'))
    .map((f) => join(resolve(dir), f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/**
 * Under the writer lock: removes what killed writers left (see {@link cleanCatalogDir}) and makes sure
 * the directory has a manifest, so that every later change is one atomic manifest rename. Returns the
 * current shards.
 */
function prepareDir(dir: string): string[] {
  cleanCatalogDir(dir);
  const shards = listShards(dir);
  if (readLocalManifest(dir) === null) commitShards(dir, shards);
  return shards;
}

/** Commits `shards` (absolute paths inside `dir`) as the directory's manifest. */
function commitShards(dir: string, shards: readonly string[]): void {
  writeLocalManifest(dir, newManifest(shards.map((s) => basename(s))));
}

const SHARD = /^part-[0-9a-z]+-\d+-[0-9a-f]{8}\.parquet$/;

/**
 * Whether `name` is a shard name written by `appendToCatalog`/`compactCatalog`
 * (`part-<time>-<pid>-<hex>.parquet`).
 */
export function isShardName(name: string): boolean {
  return SHARD.test(name);
}

/**
 * Removes the leftovers of killed writers in `dir` (not recursive): temp files and directories of
 * processes that are gone, and — when the directory has a manifest — geoslice shards it does not list
 * (an append killed before its commit, or the old shards of a committed compaction). Call it only
 * while holding the directory's writer lock. Returns the removed paths.
 */
export function cleanCatalogDir(dir: string): string[] {
  const abs = resolve(dir);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch {
    return removed;
  }
  const listed = readLocalManifest(abs);
  const keep = new Set(listed?.files ?? []);
  for (const name of names) {
    if (isStaleTemp(name) || (listed !== null && isShardName(name) && !keep.has(name))) {
      rmSync(join(abs, name), { recursive: true, force: true });
      removed.push(join(abs, name));
    }
  }
  return removed;
}

function shardName(): string {
  return `part-${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${randomBytes(4).toString('hex')}.parquet`;
}

/**
 * Adds a new shard to a catalog directory (created if missing) without rewriting existing shards.
 * The shard is written (temp file, then rename) and then committed by replacing the directory's
 * manifest (`_manifest.json`) in one rename, so readers (`openCatalog(dir)`) see the catalog
 * before or after the append, never a half-written shard; a killed append leaves the catalog as it
 * was and its leftovers are removed by the next append/compact or `geoslice clean`.
 * Writers are kept apart by the directory lock ({@link acquireLock}); concurrent appends, from any
 * process, each land their own shard. Ids are checked for duplicates within the new shard only.
 * Throws {@link BuildError} like the builds, and `LOCKED`.
 *
 * @example
 * ```ts
 * import { openCatalog } from 'geoslice';
 * import { appendToCatalog } from 'geoslice/catalog';
 *
 * await appendToCatalog('catalog/', { files: 'incoming/*.tif' }, { cogHeaders: true });
 * const catalog = await openCatalog('catalog/'); // every shard
 * ```
 */
export async function appendToCatalog(
  dir: string,
  input: AppendInput,
  opts: AppendOptions = {},
): Promise<BuildResult & { shard: string }> {
  return atBoundary(BuildError, `appendToCatalog ${String(dir)}`, () => appendToCatalogUnguarded(dir, input, opts));
}

async function appendToCatalogUnguarded(
  dir: string,
  input: AppendInput,
  opts: AppendOptions = {},
): Promise<BuildResult & { shard: string }> {
  if (!input || typeof input !== 'object' || (!('files' in input) && !('table' in input))) {
    throw new BuildError('BAD_OPTION', 'appendToCatalog needs { files } (rasters) or { table } (records)');
  }
  checkOptionKeys(opts, APPEND_OPTION_KEYS, 'appendToCatalog', BuildError);
  mkdirSync(dir, { recursive: true });
  const lock = await acquireLock(dir, opts.lock);
  const shard = join(resolve(dir), shardName());
  try {
    const shards = prepareDir(dir);
    const result =
      'files' in input
        ? await buildRasterCatalog(input.files, { ...pickOptions(opts, BUILD_RASTER_OPTION_KEYS), out: shard })
        : await buildCatalogFromTable(input.table, { ...pickOptions(opts, BUILD_TABLE_OPTION_KEYS), out: shard });
    await result.catalog.close();
    commitShards(dir, [...shards, shard]);
    return { catalog: await openLocalCatalog(dir), rows: result.rows, skipped: result.skipped, shard };
  } finally {
    await lock.release();
  }
}

/**
 * Merges the shards of a catalog directory into one sorted shard (Hilbert key, tmin) under the
 * directory lock: the merged shard is written, then the manifest is replaced (one rename) to list only
 * it, and only then are the old shards deleted. Returns how many shards were merged (0 when there was
 * at most one). Readers see either the old shards or the merged one, never both; a kill before the
 * manifest rename leaves the old state (the half-made shard is removed by the next run), a kill after
 * it the new one (the old shards are removed by the next run).
 */
export async function compactCatalog(
  dir: string,
  opts: CompactOptions = {},
): Promise<{ merged: number; shard: string | null }> {
  return atBoundary(BuildError, `compactCatalog ${String(dir)}`, () => compactCatalogUnguarded(dir, opts));
}

async function compactCatalogUnguarded(
  dir: string,
  opts: CompactOptions = {},
): Promise<{ merged: number; shard: string | null }> {
  checkOptionKeys(opts, COMPACT_OPTION_KEYS, 'compactCatalog', BuildError);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BuildError('NOT_FOUND', `${dir} is not a catalog directory`, { subject: dir });
  const lock = await acquireLock(dir, opts.lock);
  try {
    const shards = prepareDir(dir);
    if (shards.length <= 1) return { merged: 0, shard: shards[0] ?? null };
    const target = join(resolve(dir), shardName());
    const cat = await openLocalCatalog(shards);
    try {
      await cat.toGeoParquet(target, { rowGroupSize: opts.rowGroupSize, compression: opts.compression });
    } finally {
      await cat.close();
    }
    commitShards(dir, [target]);
    for (const s of shards) rmSync(s, { force: true });
    return { merged: shards.length, shard: target };
  } finally {
    await lock.release();
  }
}

/**
 * Rewrites a catalog (file, directory, glob) as one GeoParquet 1.1 file sorted for pruning (default:
 * Hilbert key of the bbox centre, then tmin) with the bbox covering column and row groups of
 * `rowGroupSize`. `out` may equal `input` for a single file: the new file replaces it atomically.
 */
export async function optimizeCatalog(input: string, out: string, opts: OptimizeOptions = {}): Promise<void> {
  return atBoundary(BuildError, `optimizeCatalog ${String(input)}`, () => optimizeCatalogUnguarded(input, out, opts));
}

async function optimizeCatalogUnguarded(input: string, out: string, opts: OptimizeOptions = {}): Promise<void> {
  checkOptionKeys(opts, OPTIMIZE_OPTION_KEYS, 'optimizeCatalog', BuildError);
  const cat = await openLocalCatalog(input);
  try {
    await cat.toGeoParquet(out, {
      sortBy: opts.sort,
      rowGroupSize: opts.rowGroupSize,
      compression: opts.compression,
    });
  } finally {
    await cat.close();
  }
}
