/**
 * The outcome of one task run by {@link mapOrdered}: its input and either its value or its error.
 */
export type Settled<T, R> = { input: T; value: R } | { input: T; error: unknown };

/**
 * Options of {@link mapOrdered}: at most `concurrency` tasks run at once, and up to
 * `max(concurrency, prefetch)` results are computed ahead of the consumer.
 */
export interface MapOrderedOptions {
  concurrency: number;
  prefetch?: number;
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
  opts: MapOrderedOptions,
): AsyncGenerator<Settled<T, R>> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const ahead = Math.max(concurrency, Math.floor(opts.prefetch ?? concurrency * 2));
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  const queue: Promise<Settled<T, R> | { sourceError: unknown }>[] = [];
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
      return { input, value: await fn(input) };
    } catch (error) {
      return { input, error };
    } finally {
      release();
    }
  };
  let exhausted = false;
  let finished = false;
  try {
    for (;;) {
      while (!exhausted && queue.length < ahead) {
        let step: IteratorResult<T>;
        try {
          step = await it.next();
        } catch (sourceError) {
          exhausted = true;
          queue.push(Promise.resolve({ sourceError }));
          break;
        }
        if (step.done) {
          exhausted = true;
          finished = true;
          break;
        }
        queue.push(run(step.value));
      }
      const head = queue.shift();
      if (!head) return;
      const r = await head;
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
