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

function before(a: { time: number; id: string; index: number }, b: { time: number; id: string; index: number }): boolean {
  if (a.time !== b.time) return a.time < b.time;
  if (a.id !== b.id) return a.id < b.id;
  return a.index < b.index;
}

/**
 * Streaming weighted sampling with memory O(capacity), independent of the order rows arrive in.
 *
 * Each row carries a Poisson process of rate `weight` whose event times come from the row's own
 * seeded randomness (its first event `firstExp / weight`, with `firstExp` an Exp(1) variate derived
 * from a hash of seed and id). The reservoir keeps the `capacity` earliest events of all rows merged:
 * - with replacement, the rows of those events, in time order, are `capacity` independent draws with
 *   P(row) = weight / Σ weight (first arrivals of superposed Poisson processes);
 * - without replacement (first events only), it is weighted sampling without replacement
 *   (Efraimidis–Spirakis exponential keys), in weighted-random order.
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
  private readonly heap: Arrival<T>[] = [];

  constructor(
    readonly capacity: number,
    readonly replacement: boolean,
  ) {}

  /** The time an event must beat to enter (Infinity while not full). */
  get threshold(): number {
    return this.heap.length < this.capacity ? Infinity : this.heap[0].time;
  }

  /**
   * Offers a row. `makeRng` is called only when the row enters and further events are needed.
   */
  offer(id: string, firstExp: number, weight: number, item: T, makeRng: () => () => number): void {
    if (!(weight > 0) || this.capacity === 0) return;
    let time = firstExp / weight;
    if (!this.accepts(time, id, 0)) return;
    this.push({ time, id, index: 0, item });
    if (!this.replacement) return;
    const rng = makeRng();
    for (let index = 1; ; index++) {
      time += -Math.log(1 - rng()) / weight;
      if (!this.accepts(time, id, index)) return;
      this.push({ time, id, index, item });
    }
  }

  /** The kept events in time order. The reservoir is empty afterwards. */
  drain(): Arrival<T>[] {
    const out = this.heap.splice(0, this.heap.length);
    out.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    return out;
  }

  private accepts(time: number, id: string, index: number): boolean {
    return this.heap.length < this.capacity || before({ time, id, index }, this.heap[0]);
  }

  /** Max-heap on (time, id, index); evicts the latest event when full. */
  private push(a: Arrival<T>): void {
    const h = this.heap;
    if (h.length === this.capacity) {
      h[0] = a;
      this.siftDown(0);
      return;
    }
    h.push(a);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[m], h[l])) m = l;
      if (r < h.length && before(h[m], h[r])) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
