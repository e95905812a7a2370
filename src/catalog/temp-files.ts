/**
 * Naming and removal of temp files. Every temp file or directory geoslice makes carries the pid of
 * its process — `.<name>.tmp-<pid>-<hex>[.suffix]` and `.<name>.partial-<pid>-<hex>` next to an
 * output, `geoslice-<kind>-<pid>-XXXXXX` scratch directories — so a later run (or `geoslice clean`)
 * removes what a killed process left, and never what a live one is writing.
 */
import { closeSync, fsyncSync, openSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

const TEMP = /^\..*\.(?:tmp|partial)-(\d+)-[0-9a-f]{8}(?:\..*)?$/;
const SCRATCH = /^geoslice-[a-z]+-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * The prefix of a scratch directory of this process for `fs.mkdtemp`: `geoslice-<kind>-<pid>-`.
 */
export function scratchPrefix(kind: string): string {
  return `geoslice-${kind}-${process.pid}-`;
}

/**
 * A hidden temp name next to `path` carrying this process's pid: `.<name>.tmp-<pid>-<hex>`.
 */
export function tempSibling(path: string, kind: 'tmp' | 'partial' = 'tmp'): string {
  return join(dirname(path), `.${basename(path)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Whether a process with this pid runs on this host.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `name` is a geoslice temp file or scratch directory of a process that is gone.
 */
export function isStaleTemp(name: string): boolean {
  const m = TEMP.exec(name) ?? SCRATCH.exec(name);
  return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
}

/**
 * Removes temp files and scratch directories in `dir` (not recursive) left by geoslice processes
 * that are gone. Safe without a lock: live processes' temps are kept.
 * Returns the removed paths.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!isStaleTemp(name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(join(resolve(dir), name));
  }
  return removed;
}

/**
 * Flushes a directory's entries (a rename into it) to disk, where the file system can: some cannot
 * fsync a directory, and the rename is atomic all the same.
 */
export function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not every file system can fsync a directory
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
