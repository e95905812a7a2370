import { LoaderError } from '../errors.js';
import type { CogLayout } from '../tiff/cog-layout.js';
import type { RasterReader } from './raster.js';

/**
 * Open raster readers shared by concurrent loads: one reader per href, reference-counted, with the
 * least recently used idle readers closed once more than `maxOpen` are open. A failed open is not
 * cached, so a later load retries it.
 */
export class ReaderPool {
  private readonly entries = new Map<string, { reader: Promise<RasterReader>; refs: number }>();
  /** Forgotten readers still leased: closed when their last lease is released. */
  private readonly retired = new Set<{ reader: Promise<RasterReader>; refs: number }>();
  private closed = false;

  constructor(
    private readonly open: (href: string, layout?: CogLayout) => Promise<RasterReader>,
    private readonly maxOpen: number,
  ) {}

  /**
   * The reader of `href` (opened now, with `layout` when given, or shared) and the function that
   * returns it; call `release` exactly once, when done with the reader.
   */
  acquire(href: string, layout?: CogLayout): { reader: Promise<RasterReader>; release: () => void } {
    if (this.closed)
      throw new LoaderError('CLOSED', `the loader is closed; cannot open ${href}; create a new loader`, {
        subject: href,
      });
    let e = this.entries.get(href);
    if (e) {
      // most recently used goes last
      this.entries.delete(href);
      this.entries.set(href, e);
    } else {
      const reader = this.open(href, layout);
      const created = { reader, refs: 0 };
      e = created;
      this.entries.set(href, created);
      reader.catch(() => {
        if (this.entries.get(href) === created) this.entries.delete(href);
      });
    }
    e.refs++;
    const entry = e;
    let released = false;
    return {
      reader: entry.reader,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (this.retired.has(entry)) this.closeRetired();
        else this.trim();
      },
    };
  }

  /**
   * Drops the reader of `href` from the pool (the next acquire opens the file again); it is closed
   * now when idle, else when its last lease is released.
   */
  forget(href: string): void {
    const e = this.entries.get(href);
    if (!e) return;
    this.entries.delete(href);
    this.retired.add(e);
    this.closeRetired();
  }

  /** Closes forgotten readers that no load uses any more. */
  private closeRetired(): void {
    for (const e of this.retired) {
      if (e.refs > 0) continue;
      this.retired.delete(e);
      e.reader.then(
        (r) => r.close(),
        () => undefined,
      );
    }
  }

  /** Closes idle readers, least recently used first, until at most `maxOpen` remain. */
  private trim(): void {
    if (this.entries.size <= this.maxOpen) return;
    for (const [h, x] of this.entries) {
      if (this.entries.size <= this.maxOpen) break;
      if (x.refs > 0) continue;
      this.entries.delete(h);
      x.reader.then(
        (r) => r.close(),
        () => undefined,
      );
    }
  }

  /** How many readers are open (or opening). */
  get size(): number {
    return this.entries.size;
  }

  /** Closes every reader; later acquires fail. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values(), ...this.retired];
    this.entries.clear();
    this.retired.clear();
    await Promise.all(
      all.map((e) =>
        e.reader.then(
          (r) => r.close(),
          () => undefined,
        ),
      ),
    );
  }
}
