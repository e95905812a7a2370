/**
 * One arrival kept by an {@link ArrivalReservoir}: the `index`-th event of row `id`'s process.
 */
export interface Arrival<T> {
  time: number;
  id: string;
  index: number;
  item: T;
}

const order = (a: Arrival<unknown>, b: Arrival<unknown>): number =>
  a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : a.index - b.index);

/**
 * Streaming weighted sampling with memory O(capacity), independent of the order rows arrive in.
 *
 * Each row carries a Poisson process of rate `weight` whose event times come from the row's own
 * seeded randomness (its first event `firstExp / weight`, with `firstExp` an Exp(1) variate derived
 * from a hash of seed and id; later gaps from `streamOf(id, item)`, uniforms in [0, 1)). The result is
 * the `capacity` earliest events of all rows merged:
 * - with replacement, the rows of those events, in time order, are `capacity` independent draws with
 *   P(row) = weight / Σ weight (first arrivals of superposed Poisson processes);
 * - without replacement (first events only), it is weighted sampling without replacement
 *   (Efraimidis–Spirakis exponential keys), in weighted-random order.
 * While streaming only first events are kept (the `capacity` earliest): every row with an event among
 * the final `capacity` earliest has its first event there too, so `drain()` can then run the kept
 * rows' processes further to get exactly the same draws with far fewer heap operations.
 * Ties are broken by (id, index) so the result never depends on cursor order.
 *
 * Storage is a max-heap of slot numbers over flat per-slot arrays (time, id, index, weight, item):
 * an offered row costs no allocation beyond its item, which matters when hundreds of thousands of
 * rows enter and most are evicted again.
 */
export class ArrivalReservoir<T> {
  private size = 0;
  /** Heap position -> slot. */
  private readonly heap: Int32Array;
  /** Per slot. */
  private readonly times: Float64Array;
  private readonly weights: Float64Array;
  private readonly indexes: Int32Array;
  private readonly ids: string[];
  private readonly items: T[];

  /**
   * `streamOf(id, item)` (uniforms in [0, 1)) continues a row's process with replacement; it is called
   * in `drain()` only for rows that were kept, and never without replacement.
   */
  constructor(
    readonly capacity: number,
    readonly replacement: boolean,
    private readonly streamOf: (id: string, item: T) => () => number,
  ) {
    this.heap = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.weights = new Float64Array(capacity);
    this.indexes = new Int32Array(capacity);
    this.ids = new Array<string>(capacity);
    this.items = new Array<T>(capacity);
  }

  /** The time an event must beat to enter (Infinity while not full). */
  get threshold(): number {
    return this.size < this.capacity ? Infinity : this.times[this.heap[0]];
  }

  /** Offers a row's first event (time `firstExp / weight`); rows with weight <= 0 never enter. */
  offer(id: string, firstExp: number, weight: number, item: T): void {
    if (!(weight > 0) || this.capacity === 0) return;
    const time = firstExp / weight;
    if (this.accepts(time, id, 0)) this.push(time, id, 0, weight, item);
  }

  /** The kept events in time order. The reservoir is empty afterwards. */
  drain(): Arrival<T>[] {
    if (this.replacement) this.runProcesses();
    const out: Arrival<T>[] = new Array(this.size);
    for (let p = 0; p < this.size; p++) {
      const s = this.heap[p];
      out[p] = { time: this.times[s], id: this.ids[s], index: this.indexes[s], item: this.items[s] };
    }
    this.size = 0;
    this.ids.fill(undefined as unknown as string);
    this.items.fill(undefined as unknown as T);
    return out.sort(order);
  }

  /**
   * Runs the kept rows' processes further, each from its first event: an event too late to enter
   * ends its row's run, since the heap's latest time only decreases. When `capacity` first events
   * were kept, no event after the latest of them can be among the `capacity` earliest.
   */
  private runProcesses(): void {
    const n = this.size;
    const bound = n === this.capacity ? this.threshold : Infinity;
    const times = this.times.slice(0, n);
    const weights = this.weights.slice(0, n);
    const ids = this.ids.slice(0, n);
    const items = this.items.slice(0, n);
    for (let s = 0; s < n; s++) {
      const weight = weights[s];
      const rng = this.streamOf(ids[s], items[s]);
      let time = times[s];
      for (let index = 1; ; index++) {
        time += -Math.log(1 - rng()) / weight;
        if (time > bound || !this.accepts(time, ids[s], index)) break;
        this.push(time, ids[s], index, weight, items[s]);
      }
    }
  }

  private accepts(time: number, id: string, index: number): boolean {
    if (this.size < this.capacity) return true;
    const top = this.heap[0];
    const t = this.times[top];
    if (time !== t) return time < t;
    const tid = this.ids[top];
    return id !== tid ? id < tid : index < this.indexes[top];
  }

  /** Slot i's event comes after slot j's (heap order). */
  private later(i: number, j: number): boolean {
    const ti = this.times[i];
    const tj = this.times[j];
    if (ti !== tj) return ti > tj;
    const a = this.ids[i];
    const b = this.ids[j];
    return a !== b ? a > b : this.indexes[i] > this.indexes[j];
  }

  /** Max-heap on (time, id, index); evicts the latest event when full, reusing its slot. */
  private push(time: number, id: string, index: number, weight: number, item: T): void {
    const full = this.size === this.capacity;
    const slot = full ? this.heap[0] : this.size;
    this.times[slot] = time;
    this.weights[slot] = weight;
    this.indexes[slot] = index;
    this.ids[slot] = id;
    this.items[slot] = item;
    if (full) {
      this.siftDown(0);
      return;
    }
    const h = this.heap;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.later(slot, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = slot;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = this.size;
    const slot = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.later(h[r], h[l]) ? r : l;
      if (!this.later(h[c], slot)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = slot;
  }
}
