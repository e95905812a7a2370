/**
 * The commit point of a catalog directory: `_geoslice_manifest.json` lists the shards that make up the
 * catalog. Writers (append, compact) write new shards first and then replace the manifest with one
 * atomic rename, so a reader sees either the old or the new list of shards, never both; shards not
 * listed are leftovers of a killed writer, removed by the next writer (or `geoslice clean`).
 * Temp files are named as in `temp-files.ts`, so the next run can tell a dead writer's leftovers.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CatalogError } from '../errors.js';
import { isStaleTemp, tempSibling } from './temp-files.js';

/** File name of the manifest inside a catalog directory. */
export const MANIFEST_NAME = '_geoslice_manifest.json';

const SHARD = /^part-[0-9a-z]+-\d+-[0-9a-f]{8}\.parquet$/;

/**
 * Whether `name` is a shard name written by geoslice (`part-<time>-<pid>-<hex>.parquet`).
 */
export function isShardName(name: string): boolean {
  return SHARD.test(name);
}

/**
 * The shards (absolute paths) a catalog directory's manifest lists, or null without a manifest.
 * Throws {@link CatalogError} `BAD_MANIFEST` for a manifest that is not geoslice's JSON.
 */
export function readManifest(dir: string): string[] | null {
  const path = join(resolve(dir), MANIFEST_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CatalogError('BAD_MANIFEST', `${path}: ${(e as Error).message}`, { subject: path, cause: e });
  }
  let shards: unknown;
  try {
    shards = (JSON.parse(text) as { shards?: unknown }).shards;
  } catch (e) {
    throw new CatalogError('BAD_MANIFEST', `${path} is not valid JSON; restore it or remove it to list every shard`, {
      subject: path,
      cause: e,
    });
  }
  if (!Array.isArray(shards) || !shards.every((s) => typeof s === 'string' && basename(s) === s && s.length > 0))
    throw new CatalogError('BAD_MANIFEST', `${path} has no list of shard file names`, { subject: path });
  return (shards as string[]).map((s) => join(resolve(dir), s));
}

/**
 * Commits the list of shards of a catalog directory: writes the manifest to a temp file, fsyncs it,
 * renames it over the manifest and fsyncs the directory.
 */
export function writeManifest(dir: string, shards: readonly string[]): void {
  const path = join(resolve(dir), MANIFEST_NAME);
  const tmp = tempSibling(path);
  const body = `${JSON.stringify({ format: 'geoslice-catalog-dir', version: 1, shards: shards.map((s) => basename(s)) }, null, 1)}\n`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dir);
}

function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== null) closeSync(fd);
  }
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
  const listed = readManifest(abs);
  const keep = new Set((listed ?? []).map((s) => basename(s)));
  for (const name of names) {
    if (isStaleTemp(name) || (listed !== null && isShardName(name) && !keep.has(name))) {
      rmSync(join(abs, name), { recursive: true, force: true });
      removed.push(join(abs, name));
    }
  }
  return removed;
}
