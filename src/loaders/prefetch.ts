/**
 * The outcome of one task run by {@link mapOrdered}: its input and either its value or its error.
 */
export type Settled<T, R> = { input: T; value: R } | { input: T; error: unknown };

/**
 * Options of {@link mapOrdered}: at most `concurrency` tasks run at once, and up to
 * `max(concurrency, prefetch)` results are computed ahead of the consumer, or, with `adapt`, a
 * number that adapts to the consumer (see {@link AdaptiveDepth}).
 */
export interface MapOrderedOptions<R = unknown> {
  concurrency: number;
  prefetch?: number;
  /** Adapt the read-ahead instead of keeping it at `prefetch` (which is then ignored). */
  adapt?: AdaptiveDepth<R>;
}

/**
 * An adaptive read-ahead: the number of tasks started and not yet consumed (the depth) starts at
 * `start` and moves between `min` and `max`. It grows by one each time the consumer asks for the
 * next result while the head task is still running, the read-ahead is full, fewer than
 * `concurrency` tasks run and `saturated()` says the work they wait on is not already using every
 * core; it shrinks by one each time the consumer takes a result while at least half of the depth is
 * finished results waiting for it. With
 * `budgetBytes`, the depth stays at most `budgetBytes / bytesOf(largest result seen)` (not below
 * `min`), so results waiting for a slow consumer never hold more than the budget.
 */
export interface AdaptiveDepth<R> {
  start: number;
  min: number;
  max: number;
  /** True while more tasks in flight would not help (e.g. the CPU is busy); growth pauses. */
  saturated?: () => boolean;
  budgetBytes?: number;
  bytesOf?: (value: R) => number;
  /** Called with the depth each time it changes. */
  onDepth?: (depth: number) => void;
}

interface Slot<T, R> {
  promise: Promise<Settled<T, R> | { sourceError: unknown }>;
  done: boolean;
  /** Still in the queue (not handed to the consumer yet). */
  queued: boolean;
}

/**
 * Runs `fn` over a (sync or async) iterable with bounded concurrency and read-ahead, yielding the
 * settled results in input order. Failed tasks are yielded as `{ input, error }` so one bad item never
 * stops the others; an error thrown by the input iterable itself is rethrown once every earlier
 * result has been yielded. Breaking out of the loop stops pulling input and closes the iterable.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  fn: (item: T) => Promise<R>,
  opts: MapOrderedOptions<R>,
): AsyncGenerator<Settled<T, R>> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const adapt = opts.adapt;
  const min = adapt ? Math.max(1, Math.floor(adapt.min)) : 0;
  const max = adapt ? Math.max(min, Math.floor(adapt.max)) : 0;
  let cap = max;
  let depth = adapt
    ? Math.min(max, Math.max(min, Math.floor(adapt.start)))
    : Math.max(concurrency, Math.floor(opts.prefetch ?? concurrency * 2));
  const setDepth = (d: number): void => {
    if (d === depth) return;
    depth = d;
    adapt?.onDepth?.(d);
  };
  adapt?.onDepth?.(depth);
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  const queue: Slot<T, R>[] = [];
  /** Finished slots in `queue`. */
  let ready = 0;
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (running < concurrency) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const run = async (input: T): Promise<Settled<T, R>> => {
    await acquire();
    try {
      const value = await fn(input);
      if (adapt?.budgetBytes !== undefined && adapt.bytesOf) {
        const fits = Math.floor(adapt.budgetBytes / Math.max(1, adapt.bytesOf(value)));
        cap = Math.max(min, Math.min(cap, fits));
        if (depth > cap) setDepth(cap);
      }
      return { input, value };
    } catch (error) {
      return { input, error };
    } finally {
      release();
    }
  };
  const push = (promise: Slot<T, R>['promise']): void => {
    const slot: Slot<T, R> = { promise, done: false, queued: true };
    queue.push(slot);
    promise.then(() => {
      slot.done = true;
      if (slot.queued) ready++;
    });
  };
  let exhausted = false;
  let finished = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < depth) {
        let step: IteratorResult<T>;
        try {
          step = await it.next();
        } catch (sourceError) {
          exhausted = true;
          push(Promise.resolve({ sourceError }));
          break;
        }
        if (step.done) {
          exhausted = true;
          finished = true;
          break;
        }
        push(run(step.value));
      }
      const head = queue.shift();
      if (!head) return;
      head.queued = false;
      if (head.done) ready--;
      if (adapt) {
        // the consumer is asking now: waiting on a full read-ahead means too few in flight,
        // many finished results waiting means more than needed
        // (a task started now must also find a free slot: with every slot busy it would only queue)
        if (
          !head.done &&
          !exhausted &&
          queue.length + 1 >= depth &&
          depth < cap &&
          running < concurrency &&
          !adapt.saturated?.()
        )
          setDepth(depth + 1);
        else if (head.done && ready + 1 >= Math.ceil(depth / 2) && depth > min) setDepth(depth - 1);
      }
      const r = await head.promise;
      if ('sourceError' in r) {
        finished = true;
        throw r.sourceError;
      }
      yield r;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
