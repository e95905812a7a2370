/**
 * Keeps the `k` smallest items seen under a total order, in O(k) memory (a bounded max-heap).
 */
export class SmallestK<T> {
  private readonly heap: T[] = [];

  constructor(
    readonly k: number,
    private readonly cmp: (a: T, b: T) => number,
  ) {}

  /** Number of items kept. */
  get size(): number {
    return this.heap.length;
  }

  /** The largest kept item (undefined when empty). */
  largest(): T | undefined {
    return this.heap[0];
  }

  /** Keeps `x` when fewer than `k` items are kept or it is smaller than the largest kept. */
  offer(x: T): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(x);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.cmp(h[p], h[i]) >= 0) break;
        const e = h[p];
        h[p] = h[i];
        h[i] = e;
        i = p;
      }
      return;
    }
    if (this.k === 0 || this.cmp(x, h[0]) >= 0) return;
    h[0] = x;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.cmp(h[l], h[m]) > 0) m = l;
      if (r < h.length && this.cmp(h[r], h[m]) > 0) m = r;
      if (m === i) return;
      const e = h[m];
      h[m] = h[i];
      h[i] = e;
      i = m;
    }
  }

  /** The kept items, smallest first. */
  sorted(): T[] {
    return [...this.heap].sort(this.cmp);
  }
}
