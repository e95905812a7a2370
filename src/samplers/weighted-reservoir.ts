/**
 * One arrival kept by an {@link ArrivalReservoir}: the `index`-th event of row `id`'s process.
 *
 * @example
 * ```ts
 * const a: Arrival<string> = { time: 0.013, id: 'row_7', index: 0, item: 'row_7' };
 * ```
 */
export interface Arrival<T> {
  time: number;
  id: string;
  index: number;
  item: T;
}

function before(a: Arrival<unknown>, b: Arrival<unknown>): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.id !== b.id) return a.id < b.id;
  return a.index < b.index;
}

const order = (a: Arrival<unknown>, b: Arrival<unknown>): number => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : a.index - b.index);

/** A kept event plus how to continue its row's process (rate and uniforms). */
interface Entry<T> extends Arrival<T> {
  weight: number;
  makeRng: () => () => number;
}

const arrival = <T>(e: Entry<T>): Arrival<T> => ({ time: e.time, id: e.id, index: e.index, item: e.item });

/**
 * Streaming weighted sampling with memory O(capacity), independent of the order rows arrive in.
 *
 * Each row carries a Poisson process of rate `weight` whose event times come from the row's own
 * seeded randomness (its first event `firstExp / weight`, with `firstExp` an Exp(1) variate derived
 * from a hash of seed and id). The result is the `capacity` earliest events of all rows merged:
 * - with replacement, the rows of those events, in time order, are `capacity` independent draws with
 *   P(row) = weight / Σ weight (first arrivals of superposed Poisson processes);
 * - without replacement (first events only), it is weighted sampling without replacement
 *   (Efraimidis–Spirakis exponential keys), in weighted-random order.
 * While streaming only first events are kept (the `capacity` earliest): every row with an event among
 * the final `capacity` earliest has its first event there too, so `drain()` can then run the kept
 * rows' processes further to get exactly the same draws with far fewer heap operations.
 * Ties are broken by (id, index) so the result never depends on cursor order.
 *
 * @example
 * ```ts
 * const r = new ArrivalReservoir<string>(3, true);
 * r.offer('a', 0.7, 2, 'a', () => Math.random);
 * const draws = r.drain(); // ordered by time
 * ```
 */
export class ArrivalReservoir<T> {
  /** Max-heap of events; `times` mirrors their times so that sifting reads a flat array. */
  private readonly heap: Entry<T>[] = [];
  private readonly times: Float64Array;

  constructor(
    readonly capacity: number,
    readonly replacement: boolean,
  ) {
    this.times = new Float64Array(capacity);
  }

  /** The time an event must beat to enter (Infinity while not full). */
  get threshold(): number {
    return this.heap.length < this.capacity ? Infinity : this.times[0];
  }

  /**
   * Offers a row. `makeRng` (uniforms in (0, 1)) continues the row's process with replacement; it is
   * called in `drain()` only for rows that were kept.
   */
  offer(id: string, firstExp: number, weight: number, item: T, makeRng: () => () => number): void {
    if (!(weight > 0) || this.capacity === 0) return;
    const time = firstExp / weight;
    if (!this.accepts(time, id, 0)) return;
    this.push({ time, id, index: 0, item, weight, makeRng });
  }

  /** The kept events in time order. The reservoir is empty afterwards. */
  drain(): Arrival<T>[] {
    if (!this.replacement) return this.heap.splice(0, this.heap.length).sort(order).map(arrival);
    // Run the kept rows' processes further, each from its first event (which stays in the heap):
    // an event too late to enter ends its row's run, since the heap's latest time only decreases.
    // When `capacity` first events were kept, no event after the latest of them can be among the
    // `capacity` earliest.
    const bound = this.heap.length === this.capacity ? this.times[0] : Infinity;
    for (const first of this.heap.slice()) {
      const { weight, makeRng } = first;
      const rng = makeRng();
      let time = first.time;
      for (let index = 1; ; index++) {
        time += -Math.log(1 - rng()) / weight;
        if (time > bound || !this.accepts(time, first.id, index)) break;
        this.push({ time, id: first.id, index, item: first.item, weight, makeRng });
      }
    }
    return this.heap.splice(0, this.heap.length).sort(order).map(arrival);
  }

  private accepts(time: number, id: string, index: number): boolean {
    if (this.heap.length < this.capacity) return true;
    const top = this.times[0];
    if (time !== top) return time < top;
    const h = this.heap[0];
    return id !== h.id ? id < h.id : index < h.index;
  }

  /** i's event comes after j's (heap order). */
  private later(i: number, j: number): boolean {
    const ti = this.times[i];
    const tj = this.times[j];
    if (ti !== tj) return ti > tj;
    return before(this.heap[j], this.heap[i]);
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const t = this.times;
    const e = h[i];
    h[i] = h[j];
    h[j] = e;
    const x = t[i];
    t[i] = t[j];
    t[j] = x;
  }

  /** Max-heap on (time, id, index); evicts the latest event when full. */
  private push(a: Entry<T>): void {
    const h = this.heap;
    if (h.length === this.capacity) {
      h[0] = a;
      this.times[0] = a.time;
      this.siftDown(0);
      return;
    }
    h.push(a);
    let i = h.length - 1;
    this.times[i] = a.time;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.later(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.later(l, m)) m = l;
      if (r < n && this.later(r, m)) m = r;
      if (m === i) return;
      this.swap(m, i);
      i = m;
    }
  }
}
