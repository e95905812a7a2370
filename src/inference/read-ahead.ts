/**
 * Yields the items of `source` while already awaiting the next one: the producer (e.g. the loader
 * reading the next batch) works while the consumer (the model) handles the current item. An error of
 * the producer surfaces when its item is reached. `timing.read` (when given) accumulates the
 * milliseconds an item was requested and not yet delivered by the producer.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, timing?: { read: number }): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  // Each pending step gets a no-op handler at once: its error is handled when it is awaited, and a
  // consumer that stops early must not leave an unhandled rejection behind.
  const step = () => {
    const t0 = performance.now();
    const p = it.next();
    p.then(
      () => {
        if (timing) timing.read += performance.now() - t0;
      },
      () => undefined,
    );
    return p;
  };
  let next = step();
  let finished = false;
  try {
    for (;;) {
      const r = await next;
      if (r.done) {
        finished = true;
        return;
      }
      next = step();
      yield r.value;
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
