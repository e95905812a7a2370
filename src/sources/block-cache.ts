import { holdBlock, releaseBlock } from './block-buffers.js';

/**
 * Options of {@link BlockCache}.
 */
export interface BlockCacheOptions {
  /**
   * Start with this budget and grow toward `maxBytes` only when blocks are read again soon after
   * being evicted (see {@link BlockCache}). Default: the budget is `maxBytes` from the start.
   */
  startBytes?: number;
}

/** The cache judges whether a larger budget would pay after every this many misses... */
const GROWTH_CHECK = 64;
/** ...over the misses since it last grew, the older half forgotten whenever they pass this many. */
const GROWTH_MEMORY = 1024;
/** The budget doubles when at least this share of a window's misses asked for a recently evicted block. */
const GROWTH_SHARE = 1 / 8;
/** Evicted keys are remembered for this many budgets' worth of bytes: a hit there means a cache four times as large would have answered. */
const GHOST_BUDGETS = 3;

/**
 * A byte-budgeted LRU cache of decoded raster blocks (tiles or strips), shared by any number of
 * readers. Keys name the file, the IFD and the block; each value counts against the budget with
 * the size of the ArrayBuffer it keeps alive (a view of the first rows of a whole decoded block
 * keeps the whole block), so the budget bounds memory. A value larger than the whole budget is not
 * cached. The cache holds what it keeps (see `block-buffers.ts`): an evicted block's buffer may go
 * back to the decode threads once no reader holds it either.
 *
 * With `startBytes`, the budget adapts: the cache remembers the keys (not the data) of the blocks
 * it evicted, three budgets' worth of bytes. When at least one miss in eight asks for such a block
 * again (a cache four times as large would have answered it), the budget doubles, up to `maxBytes`.
 * Misses, not lookups, are what count: a miss costs a decode, ten times what a hit costs, so even a
 * cache that answers most lookups grows while a larger one would save a good share of its misses.
 * This is judged every 64 misses over the misses since the budget last grew (the last 1024 to
 * 2048), so a strong signal acts within 64 misses while a weak one (a few re-reads in a hundred, as
 * on cold random windows over a large catalog) does not grow the cache by chance over a long run. A
 * pass that never reads a block twice so keeps only `startBytes` of blocks it will not use, while
 * windows that keep coming back to the same tiles (a grid with overlap, many chips per scene,
 * several epochs over a small area) grow it to what they reuse. The budget never shrinks.
 */
export class BlockCache {
  private readonly map = new Map<string, ArrayBufferView>();
  /** Keys of evicted blocks, oldest first, with the bytes each held. */
  private readonly ghosts = new Map<string, number>();
  private ghostBytes = 0;
  private used = 0;
  private budgetBytes: number;
  private windowMisses = 0;
  private windowGhostHits = 0;
  /** Lookups that found a block. */
  hits = 0;
  /** Lookups that did not. */
  misses = 0;

  /**
   * @param maxBytes - The largest budget (the budget itself unless `options.startBytes` is set).
   */
  constructor(
    readonly maxBytes: number,
    options: BlockCacheOptions = {},
  ) {
    this.budgetBytes = Math.min(maxBytes, options.startBytes ?? maxBytes);
  }

  /** The budget now: `maxBytes`, or while it adapts, somewhere from `startBytes` up to `maxBytes`. */
  get budget(): number {
    return this.budgetBytes;
  }

  /** The cached block, marked most recently used, or undefined. */
  get(key: string): ArrayBufferView | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      if (this.budgetBytes < this.maxBytes) this.judgeGrowth(this.ghosts.has(key));
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** The cached block without counting a lookup or refreshing its recency, or undefined. */
  peek(key: string): ArrayBufferView | undefined {
    return this.map.get(key);
  }

  /** Stores a block, evicting least recently used blocks until the budget holds. */
  set(key: string, value: ArrayBufferView): void {
    const old = this.map.get(key);
    const keep = held(value) <= this.budgetBytes;
    // the new block is held before the old one is released (they may share a buffer)
    if (keep) holdBlock(value);
    if (old !== undefined) {
      this.map.delete(key);
      this.used -= held(old);
      releaseBlock(old);
    }
    this.forgetGhost(key);
    if (!keep) return;
    this.map.set(key, value);
    this.used += held(value);
    this.evictOverBudget();
  }

  /** Bytes currently held (of the ArrayBuffers the cached values keep alive). */
  get bytes(): number {
    return this.used;
  }

  /** Number of blocks currently held. */
  get size(): number {
    return this.map.size;
  }

  /** Drops everything (the budget stays as it is). */
  clear(): void {
    for (const v of this.map.values()) releaseBlock(v);
    this.map.clear();
    this.ghosts.clear();
    this.used = 0;
    this.ghostBytes = 0;
  }

  /** Counts one miss, doubling the budget when enough of the misses since it last grew were recent evictions. */
  private judgeGrowth(ghostHit: boolean): void {
    this.windowMisses++;
    if (ghostHit) this.windowGhostHits++;
    if (this.windowMisses % GROWTH_CHECK !== 0) return;
    if (this.windowGhostHits >= GROWTH_SHARE * this.windowMisses) {
      this.budgetBytes = Math.min(this.maxBytes, 2 * this.budgetBytes);
      this.windowMisses = 0;
      this.windowGhostHits = 0;
    } else if (this.windowMisses >= 2 * GROWTH_MEMORY) {
      this.windowMisses /= 2;
      this.windowGhostHits /= 2;
    }
  }

  private evictOverBudget(): void {
    for (const [k, v] of this.map) {
      if (this.used <= this.budgetBytes) break;
      this.map.delete(k);
      this.used -= held(v);
      releaseBlock(v);
      if (this.budgetBytes < this.maxBytes) this.addGhost(k, held(v));
    }
  }

  /** Remembers an evicted key, forgetting the oldest ones beyond GHOST_BUDGETS budgets' worth of bytes. */
  private addGhost(key: string, bytes: number): void {
    this.ghosts.set(key, bytes);
    this.ghostBytes += bytes;
    for (const [k, b] of this.ghosts) {
      if (this.ghostBytes <= GHOST_BUDGETS * this.budgetBytes) break;
      this.ghosts.delete(k);
      this.ghostBytes -= b;
    }
  }

  private forgetGhost(key: string): void {
    const b = this.ghosts.get(key);
    if (b === undefined) return;
    this.ghosts.delete(key);
    this.ghostBytes -= b;
  }
}

/** The bytes a cached value keeps alive: its whole ArrayBuffer, not only the viewed part. */
function held(v: ArrayBufferView): number {
  return v.buffer.byteLength;
}
