/** The middle value (the upper one of an even count), as every benchmark here reports. */
export function median(v: readonly number[]): number {
  return [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
}

/**
 * Runs every contestant once per round, in turn, for `rounds` rounds (A/B interleaved, so that load on
 * a shared machine hits all alike); returns each one's results in round order. Each round starts one
 * contestant further on, so that none always runs right after the same other one (in one process, a
 * run pays for the garbage its predecessor left behind).
 */
export async function interleaved<T>(
  rounds: number,
  contestants: readonly (readonly [string, () => Promise<T>])[],
): Promise<Map<string, T[]>> {
  const got = new Map<string, T[]>(contestants.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < contestants.length; k++) {
      const [name, f] = contestants[(r + k) % contestants.length];
      got.get(name)?.push(await f());
    }
  return got;
}

/**
 * Runs `readOne` over `items` (with each item's index) with `concurrency` in flight, started in
 * item order; returns items/s and the results in item order.
 */
export async function inFlight<T, R>(
  items: readonly T[],
  concurrency: number,
  readOne: (x: T, i: number) => Promise<R>,
): Promise<{ rate: number; out: R[] }> {
  const out = new Array<R>(items.length);
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await readOne(items[i], i);
      }
    }),
  );
  return { rate: items.length / ((performance.now() - t) / 1000), out };
}
