/**
 * Yields the items of `source` while already awaiting the next one: the producer (e.g. the loader
 * reading the next batch) works while the consumer (the model) handles the current item. An error of
 * the producer surfaces when its item is reached.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  // Each pending step gets a no-op handler at once: its error is handled when it is awaited, and a
  // consumer that stops early must not leave an unhandled rejection behind.
  const step = () => {
    const p = it.next();
    p.catch(() => undefined);
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
