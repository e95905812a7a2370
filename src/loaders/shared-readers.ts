import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BlockCache } from '../sources/block-cache.js';
import { ChipPool } from './chip-pool.js';
import type { CogLayout } from '../tiff/cog-layout.js';
import { openRaster, type RasterReader } from './raster.js';
import { ReaderPool } from './reader-pool.js';

/** Readers kept open for standalone loads. */
const MAX_OPEN = 64;
/** Decoded blocks kept for standalone loads. */
const CACHE_BYTES = 64 * 2 ** 20;
/** Idle arrays that standalone loads give back, for later loads (see `acquireSharedReaders`). */
const SCRATCH_ARRAYS = 64;
const SCRATCH_BYTES = 8 * 2 ** 20;
/** Everything is closed and dropped this long after the last standalone load ends. */
const IDLE_MS = 5000;

interface Shared {
  pool: ReaderPool;
  cache: BlockCache;
  scratch: ChipPool;
  /** Local file -> identity (inode, size, mtime) when its reader was opened. */
  stamps: Map<string, string>;
  users: number;
  timer: NodeJS.Timeout | null;
}

let shared: Shared | null = null;

function localPath(href: string): string | null {
  if (/^(https?|s3):\/\//i.test(href)) return null;
  return /^file:\/\//i.test(href) ? fileURLToPath(href) : href;
}

/**
 * A lease on the process-wide readers that standalone {@link loadSlice} calls share (so repeated
 * calls skip opening files and parsing headers, and reuse decoded blocks, like a loader): `open` is
 * a {@link RasterOpener}; call `release` once when the load ends. `scratch` holds arrays a load no
 * longer needs (the mask of a chip whose pixels are all valid, composites copied into the chip) for
 * later loads. A local file whose inode, size or modification time changed since its reader was
 * opened is opened again (and the shared block cache dropped), so a rewritten file is never read
 * through a stale header; remote files are trusted for as long as loads keep coming. Five idle
 * seconds after the last lease is released, every shared reader is closed and the cache and scratch
 * arrays freed.
 */
export function acquireSharedReaders(): {
  open: (href: string, layout?: CogLayout) => Promise<RasterReader>;
  scratch: ChipPool;
  release: () => void;
} {
  if (!shared) {
    const cache = new BlockCache(CACHE_BYTES);
    shared = {
      cache,
      scratch: new ChipPool(SCRATCH_ARRAYS, SCRATCH_BYTES),
      pool: new ReaderPool((href, layout) => openRaster(href, { layout, blockCache: cache }), MAX_OPEN),
      stamps: new Map(),
      users: 0,
      timer: null,
    };
  }
  const s = shared;
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  s.users++;
  const releases: (() => void)[] = [];
  let released = false;
  return {
    scratch: s.scratch,
    open: async (href, layout) => {
      const path = localPath(href);
      if (path !== null) {
        const st = await stat(path).catch(() => null);
        // a missing file is left to openRaster, which names the error
        const stamp = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : null;
        const was = s.stamps.get(href);
        if (stamp !== null && was !== undefined && was !== stamp) {
          s.pool.forget(href);
          s.cache.clear();
        }
        if (stamp !== null) {
          s.stamps.delete(href);
          s.stamps.set(href, stamp);
          // bounded: a file whose stamp is dropped loses its reader too (it is reopened and checked)
          if (s.stamps.size > 2 * MAX_OPEN) {
            const [oldest] = s.stamps.keys();
            s.stamps.delete(oldest);
            s.pool.forget(oldest);
          }
        }
      }
      const lease = s.pool.acquire(href, layout);
      releases.push(lease.release);
      return lease.reader;
    },
    release: () => {
      if (released) return;
      released = true;
      for (const r of releases) r();
      s.users--;
      if (s.users > 0 || shared !== s) return;
      s.timer = setTimeout(() => {
        if (shared !== s || s.users > 0) return;
        shared = null;
        s.cache.clear();
        void s.pool.close();
      }, IDLE_MS);
      s.timer.unref();
    },
  };
}
