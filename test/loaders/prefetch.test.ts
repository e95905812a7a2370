/**
 * The adaptive read-ahead of `mapOrdered` (the loader's default): it grows while the consumer
 * waits on running tasks, shrinks while finished results pile up, stays within its budget, and
 * keeps order and failures in place. Nothing here measures time: tasks and consumers are slowed
 * with timers and the tests count what is in flight.
 */
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AdaptiveDepth, mapOrdered } from '../../src/loaders/prefetch.js';
import { createLoader } from '../../src/loaders/loader.js';
import { LoaderError } from '../../src/errors.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { delayedRaster } from './loader-synthetic.js';

const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));
/** A task that gives back its input after `ms` milliseconds. */
const after =
  (ms: number) =>
  async (x: number): Promise<number> => {
    await sleep(ms);
    return x;
  };

/** Runs `n` items through mapOrdered; returns the values, the peak of tasks running and of items started but not consumed, and the depths seen. */
async function run(
  n: number,
  task: (x: number) => Promise<number>,
  adapt: Omit<AdaptiveDepth<number>, 'onDepth'>,
  consume: (x: number) => Promise<void> = async () => undefined,
  concurrency = 1000,
) {
  let running = 0;
  let peakRunning = 0;
  let started = 0;
  let consumed = 0;
  let peakAhead = 0;
  const depths: number[] = [];
  const out: (number | string)[] = [];
  const fn = async (x: number) => {
    started++;
    peakAhead = Math.max(peakAhead, started - consumed);
    running++;
    peakRunning = Math.max(peakRunning, running);
    try {
      return await task(x);
    } finally {
      running--;
    }
  };
  for await (const r of mapOrdered(
    Array.from({ length: n }, (_, i) => i),
    fn,
    { concurrency, adapt: { ...adapt, onDepth: (d) => depths.push(d) } },
  )) {
    consumed++;
    out.push('value' in r ? r.value : (r.error as Error).message);
    await consume(consumed);
  }
  return { out, peakRunning, peakAhead, depths };
}

test('a fast consumer of slow tasks grows the read-ahead up to its maximum; order is kept', async () => {
  const r = await run(
    120,
    async (x) => {
      await sleep(15);
      return x * 2;
    },
    { start: 2, min: 2, max: 12 },
  );
  assert.deepEqual(
    r.out,
    Array.from({ length: 120 }, (_, i) => i * 2),
  );
  assert.equal(Math.max(...r.depths), 12);
  assert.ok(r.peakRunning >= 10, `tasks ran ${r.peakRunning} at once (start 2)`);
  assert.ok(r.peakAhead <= 12);
});

test('growth pauses while saturated() says the cores are busy', async () => {
  const r = await run(60, after(5), { start: 3, min: 2, max: 12, saturated: () => true });
  assert.deepEqual(r.depths, [3]);
  assert.ok(r.peakAhead <= 3);
});

test('a slow consumer of fast tasks shrinks the read-ahead to its minimum; memory stays bounded', async () => {
  const r = await run(
    80,
    async (x) => x,
    { start: 10, min: 2, max: 16 },
    () => sleep(3),
  );
  assert.equal(r.depths.at(-1), 2);
  assert.ok(Math.max(...r.depths) <= 10, 'never grew');
  assert.ok(r.peakAhead <= 10);
  const late = await run(
    80,
    async (x) => x,
    { start: 16, min: 3, max: 16 },
    () => sleep(2),
  );
  assert.equal(late.depths.at(-1), 3);
});

test('the byte budget caps the read-ahead (never below the minimum)', async () => {
  const big = await run(100, after(10), {
    start: 2,
    min: 2,
    max: 40,
    budgetBytes: 1000,
    bytesOf: () => 200,
  });
  assert.equal(Math.max(...big.depths), 5, 'grew to budget / bytes = 5, not 40');
  assert.ok(big.peakAhead <= 5);
  const huge = await run(20, after(5), {
    start: 6,
    min: 3,
    max: 40,
    budgetBytes: 1000,
    bytesOf: () => 1e9,
  });
  assert.equal(huge.depths.at(-1), 3, 'results larger than the budget leave the minimum');
});

test('an explicit concurrency still caps the tasks running while the read-ahead adapts', async () => {
  const r = await run(60, after(10), { start: 4, min: 4, max: 16 }, undefined, 4);
  assert.equal(r.peakRunning, 4);
  assert.deepEqual(r.depths, [4], 'with every slot busy, a deeper read-ahead would only queue: it does not grow');
  // with free slots, the consumer waiting grows it
  const free = await run(
    60,
    async (x) => {
      await sleep(x % 2 === 0 ? 12 : 1);
      return x;
    },
    { start: 2, min: 2, max: 16 },
    undefined,
    8,
  );
  assert.ok(Math.max(...free.depths) > 2);
  assert.ok(free.peakRunning <= 8);
});

test('failures are yielded in place and a failing source rethrows after the earlier results', async () => {
  const r = await run(
    40,
    async (x) => {
      await sleep((x * 7) % 5);
      if (x % 9 === 4) throw new Error(`bad ${x}`);
      return x;
    },
    { start: 2, min: 1, max: 8 },
  );
  assert.deepEqual(
    r.out,
    Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? `bad ${i}` : i)),
  );
  async function* broken() {
    for (let i = 0; i < 5; i++) yield i;
    throw new Error('sampler failed');
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const x of mapOrdered(
      broken(),
      async (v) => {
        await sleep(2);
        return v;
      },
      {
        concurrency: 100,
        adapt: { start: 1, min: 1, max: 8 },
      },
    ))
      if ('value' in x) seen.push(x.value);
  }, /sampler failed/);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('the loader adapts its read-ahead by default (slow reads: more in flight), keeps an explicit prefetch, and ends at a failing slice with a typed error', async () => {
  const delayed = delayedRaster(() => 15);
  const slow = delayed.reader;
  const slices: GeoSlice[] = Array.from({ length: 90 }, (_, i) => ({
    bounds: [i % 90, 0, (i % 90) + 4, 4],
    crs: 'EPSG:32633',
    resolution: [1, 1],
  }));
  const adaptive = createLoader({ sources: ['mem://s'], open: async () => slow });
  const start = Math.max(8, 2 * availableParallelism());
  assert.equal(adaptive.prefetchDepth, start);
  const got: number[] = [];
  for await (const c of adaptive.chips(slices)) got.push(c.data[0]);
  assert.deepEqual(
    got,
    slices.map((s) => s.bounds[0] + 96000),
  );
  assert.ok(delayed.peak > start, `slow reads: up to ${delayed.peak} in flight (starts at ${start})`);
  assert.ok(adaptive.prefetchDepth > start && adaptive.prefetchDepth <= Math.max(32, 8 * availableParallelism()));

  delayed.peak = 0;
  const fixed = createLoader({ sources: ['mem://s'], open: async () => slow, prefetch: 5, concurrency: 2 });
  assert.equal(fixed.prefetchDepth, 5);
  for await (const c of fixed.chips(slices.slice(0, 20))) void c;
  assert.equal(delayed.peak, 2);
  assert.equal(fixed.prefetchDepth, 5);
  assert.equal(createLoader({ sources: ['mem://s'], concurrency: 3 }).prefetchDepth, 6);
  assert.equal(createLoader({ sources: ['mem://s'], prefetch: 0, concurrency: 3 }).prefetchDepth, 3);

  // a slice outside the raster ends the iteration at its place with NO_COVERAGE
  const bad = [...slices.slice(0, 30)];
  bad[17] = { bounds: [500, 500, 504, 504], crs: 'EPSG:32633', resolution: [1, 1] };
  const before: number[] = [];
  await assert.rejects(
    async () => {
      for await (const c of createLoader({ sources: ['mem://s'], open: async () => slow }).chips(bad))
        before.push(c.data[0]);
    },
    (e: unknown) => e instanceof LoaderError && e.code === 'NO_COVERAGE',
  );
  assert.equal(before.length, 17);
});
