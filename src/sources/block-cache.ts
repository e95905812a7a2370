/**
 * A byte-budgeted LRU cache of decoded raster blocks (tiles or strips), shared by any number of
 * readers. Keys name the file, the IFD and the block; each value counts against `maxBytes` with
 * the size of the ArrayBuffer it keeps alive (a view of the first rows of a whole decoded block
 * keeps the whole block), so the budget bounds memory. A value larger than the whole budget is not
 * cached.
 */
export class BlockCache {
  private readonly map = new Map<string, ArrayBufferView>();
  private used = 0;
  /** Lookups that found a block. */
  hits = 0;
  /** Lookups that did not. */
  misses = 0;

  constructor(readonly maxBytes: number) {}

  /** The cached block, marked most recently used, or undefined. */
  get(key: string): ArrayBufferView | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
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
    if (old !== undefined) {
      this.map.delete(key);
      this.used -= held(old);
    }
    if (held(value) > this.maxBytes) return;
    this.map.set(key, value);
    this.used += held(value);
    for (const [k, v] of this.map) {
      if (this.used <= this.maxBytes) break;
      this.map.delete(k);
      this.used -= held(v);
    }
  }

  /** Bytes currently held (of the ArrayBuffers the cached values keep alive). */
  get bytes(): number {
    return this.used;
  }

  /** Number of blocks currently held. */
  get size(): number {
    return this.map.size;
  }

  /** Drops everything. */
  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}

/** The bytes a cached value keeps alive: its whole ArrayBuffer, not only the viewed part. */
function held(v: ArrayBufferView): number {
  return v.buffer.byteLength;
}
