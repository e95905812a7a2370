import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ArrowTableLike } from '../types.js';
import { BuildError } from '../../errors.js';
import { cleanCatalogDir, readManifest, writeManifest } from '../dir-manifest.js';
import { openLocalCatalog } from '../open.js';
import type { GeoParquetWriteOptions } from '../types.js';
import { buildCatalogFromTable, type BuildTableOptions } from './build-from-table.js';
import { buildRasterCatalog, type BuildRasterOptions, type BuildResult } from './build-raster-catalog.js';
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

/**
 * The shard files of a catalog directory, sorted: those its manifest lists, or (a directory written
 * before manifests, or by another tool) every top-level, visible `.parquet` file.
 */
export function listShards(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const listed = readManifest(dir);
  if (listed) return [...listed].sort();
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
  if (readManifest(dir) === null) writeManifest(dir, shards);
  return shards;
}

function shardName(): string {
  return `part-${Date.now().toString(36).padStart(9, '0')}-${process.pid}-${randomBytes(4).toString('hex')}.parquet`;
}

/**
 * Adds a new shard to a catalog directory (created if missing) without rewriting existing shards.
 * The shard is written (temp file, then rename) and then committed by replacing the directory's
 * manifest (`_geoslice_manifest.json`) in one rename, so readers (`openCatalog(dir)`) see the catalog
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
  if (!input || typeof input !== 'object' || (!('files' in input) && !('table' in input))) {
    throw new BuildError('BAD_OPTION', 'appendToCatalog needs { files } (rasters) or { table } (records)');
  }
  mkdirSync(dir, { recursive: true });
  const lock = await acquireLock(dir, opts.lock);
  const shard = join(resolve(dir), shardName());
  try {
    const shards = prepareDir(dir);
    const result =
      'files' in input
        ? await buildRasterCatalog(input.files, { ...opts, out: shard })
        : await buildCatalogFromTable(input.table, { ...opts, out: shard });
    await result.catalog.close();
    writeManifest(dir, [...shards, shard]);
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
  opts: Pick<GeoParquetWriteOptions, 'rowGroupSize' | 'compression'> & { lock?: LockOptions } = {},
): Promise<{ merged: number; shard: string | null }> {
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
    writeManifest(dir, [target]);
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
export async function optimizeCatalog(
  input: string,
  out: string,
  opts: { sort?: string[]; rowGroupSize?: number; compression?: GeoParquetWriteOptions['compression'] } = {},
): Promise<void> {
  const cat = await openLocalCatalog(input);
  try {
    await cat.toGeoParquet(out, { sortBy: opts.sort, rowGroupSize: opts.rowGroupSize, compression: opts.compression });
  } finally {
    await cat.close();
  }
}
