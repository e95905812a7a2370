import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BuildError } from '../../errors.js';
import { tempSibling } from '../temp-files.js';

/**
 * Options of {@link acquireLock}.
 */
export interface LockOptions {
  /** A lock whose file was not refreshed for this long is stale and taken over. Default 10 minutes. The holder refreshes it every third of this. */
  staleMs?: number;
  /** How long to wait for a held lock before failing with `LOCKED`. Default 10 minutes. */
  waitMs?: number;
}

/**
 * A held directory lock; `release()` removes it (idempotent).
 */
export interface CatalogLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  since: string;
}

const LOCK_NAME = '.geoslice.lock';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    return null; // vanished, or being written right now
  }
}

/**
 * Takes the writer lock of a catalog directory: the file `.geoslice.lock`, created atomically
 * (`O_CREAT|O_EXCL`), holding the owner's pid, host and a token. A lock is stale — and taken
 * over — when its owner on this host is dead or its file was not refreshed for `staleMs` (the holder
 * refreshes it while it lives). Waits up to `waitMs`, then throws {@link BuildError} `LOCKED` naming the
 * holder.
 */
export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<CatalogLock> {
  const staleMs = opts.staleMs ?? 600_000;
  const waitMs = opts.waitMs ?? 600_000;
  const path = join(dir, LOCK_NAME);
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    since: new Date().toISOString(),
  };
  const deadline = Date.now() + waitMs;
  let delay = 10;
  for (;;) {
    // The holder is written to a temp file first and linked into place (link fails if the lock exists),
    // so a writer killed at any point never leaves an empty lock file that names no holder.
    const tmp = tempSibling(path);
    try {
      const fd = openSync(tmp, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      linkSync(tmp, path);
      unlinkSync(tmp);
      return held(path, me, staleMs);
    } catch (e) {
      rmSync(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BuildError(
          'LOCK_FAILED',
          `cannot create the lock file ${path}: ${(e as Error).message}; check that the catalog directory exists and is writable`,
          { subject: path, cause: e },
        );
      }
    }
    const holder = readHolder(path);
    let age = 0;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    const dead = holder !== null && holder.host === me.host && !pidAlive(holder.pid);
    if (dead || age > staleMs) {
      // Move the stale lock aside atomically: of several waiters only one rename succeeds.
      const aside = `${path}.stale-${me.token}`;
      try {
        renameSync(path, aside);
        unlinkSync(aside);
      } catch {
        // another waiter took it over first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another writer';
      throw new BuildError(
        'LOCKED',
        `${dir} is locked by ${who} (${path}); wait for it to finish, or remove the lock file if that process is gone`,
        { subject: path },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(200, delay * 2);
  }
}

function held(path: string, me: Holder, staleMs: number): CatalogLock {
  const beat = setInterval(
    () => {
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // the lock was taken over as stale; release() will notice it is no longer ours
      }
    },
    Math.max(50, Math.floor(staleMs / 3)),
  );
  beat.unref();
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      if (readHolder(path)?.token === me.token) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}
