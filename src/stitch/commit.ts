/**
 * Committing several output files together (a stitch's prediction and uncertainty COGs): each is
 * written complete under a temp name, then one intent file listing the renames is created with an
 * atomic rename — the commit point — and the renames are done. A process killed before the intent
 * exists leaves the old outputs (its temps are removed later as stale); killed after, the next stitch
 * or `geoslice clean` finishes the renames ({@link recoverCommits}), so the outputs end up all old or
 * all new.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { pidAlive, syncDir, tempSibling } from '../catalog/temp-files.js';
import { StitchError } from '../errors.js';

const INTENT = /^\..*\.commit-(\d+)-[0-9a-f]{8}$/;

function applyRenames(renames: [string, string][]): void {
  for (const [from, to] of renames) if (existsSync(from)) renameSync(from, to);
  for (const d of new Set(renames.map(([, to]) => dirname(to)))) syncDir(d);
}

/**
 * Renames complete temp files (`[temp, final]` pairs, fsynced by their writer) into place as one
 * commit: the intent file next to the first final path is the commit point. Throws
 * {@link StitchError} `WRITE_FAILED` naming the first final path.
 */
export function commitRenames(renames: [string, string][]): void {
  if (renames.length === 0) return;
  const abs = renames.map(([a, b]) => [resolve(a), resolve(b)] as [string, string]);
  const first = abs[0][1];
  const intent = join(dirname(first), `.${basename(first)}.commit-${process.pid}-${randomBytes(4).toString('hex')}`);
  const tmp = tempSibling(intent);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify({ renames: abs }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, intent);
    syncDir(dirname(intent));
    applyRenames(abs);
    rmSync(intent, { force: true });
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new StitchError('WRITE_FAILED', `committing ${first} failed: ${(e as Error).message}`, {
      cause: e,
      subject: first,
    });
  }
}

/**
 * Finishes the commits of processes that died between their commit point and their last rename, in
 * `dir` (not recursive). Returns the final paths it put in place.
 */
export function recoverCommits(dir: string): string[] {
  const done: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return done;
  }
  for (const name of names) {
    const m = INTENT.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const path = join(dir, name);
    try {
      const { renames } = JSON.parse(readFileSync(path, 'utf8')) as { renames: [string, string][] };
      applyRenames(renames);
      done.push(...renames.map(([, to]) => to));
    } catch {
      // an unreadable intent cannot be finished; its temps are removed as stale
    }
    rmSync(path, { force: true });
  }
  return done;
}
