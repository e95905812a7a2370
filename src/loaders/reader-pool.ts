import type { CogLayout } from './cog-layout.js';
import type { RasterReader } from './raster.js';

/**
 * Open raster readers shared by concurrent loads: one reader per href, reference-counted, with the
 * least recently used idle readers closed once more than `maxOpen` are open. A failed open is not
 * cached, so a later load retries it.
 *
 * @example
 * ```ts
 * const pool = new ReaderPool((href, layout) => openRaster(href, { layout }), 64);
 * const r = await pool.acquire('b04.tif');
 * try { await r.readWindow(0, 0, 0, 256, 256, [0]); } finally { pool.release('b04.tif'); }
 * await pool.close();
 * ```
 */
export class ReaderPool {
  private readonly entries = new Map<string, { reader: Promise<RasterReader>; refs: number }>();
  private closed = false;

  constructor(
    private readonly open: (href: string, layout?: CogLayout) => Promise<RasterReader>,
    private readonly maxOpen: number,
  ) {}

  /** The reader of `href` (opened now, with `layout` when given, or shared); pair with {@link release}. */
  acquire(href: string, layout?: CogLayout): Promise<RasterReader> {
    if (this.closed) return Promise.reject(new Error(`the loader is closed; cannot open ${href}`));
    let e = this.entries.get(href);
    if (e) {
      // most recently used goes last
      this.entries.delete(href);
      this.entries.set(href, e);
    } else {
      const reader = this.open(href, layout);
      e = { reader, refs: 0 };
      this.entries.set(href, e);
      const entry = e;
      reader.catch(() => {
        if (this.entries.get(href) === entry) this.entries.delete(href);
      });
    }
    e.refs++;
    return e.reader;
  }

  /** Returns a reader taken with {@link acquire}; idle readers beyond the budget are closed. */
  release(href: string): void {
    const e = this.entries.get(href);
    if (!e) return;
    e.refs--;
    if (this.entries.size <= this.maxOpen) return;
    for (const [h, x] of this.entries) {
      if (this.entries.size <= this.maxOpen) break;
      if (x.refs > 0) continue;
      this.entries.delete(h);
      x.reader.then((r) => r.close(), () => undefined);
    }
  }

  /** How many readers are open (or opening). */
  get size(): number {
    return this.entries.size;
  }

  /** Closes every reader; later acquires fail. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.reader.then((r) => r.close(), () => undefined)));
  }
}
