import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoaderError } from '../../src/errors.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { batchChips, stackChips } from '../../src/loaders/batches.js';
import type { Chip } from '../../src/loaders/chip.js';
import { mapOrdered } from '../../src/loaders/prefetch.js';

const slice = (i: number, size = 2): GeoSlice => ({
  bounds: [i, 0, i + size, size],
  crs: 'EPSG:3857',
  resolution: [1, 1],
});
const chip = (i: number, size = 2): Chip => ({
  slice: slice(i, size),
  data: Float32Array.from({ length: size * size }, (_, k) => i * 100 + k),
  shape: [1, size, size],
  mask: Uint8Array.from({ length: size * size }, (_, k) => (k === 0 ? 0 : 1)),
});

test('stackChips concatenates data and masks along a new leading axis', () => {
  const b = stackChips([chip(1), chip(2)]);
  assert.deepEqual(b.shape, [2, 1, 2, 2]);
  assert.deepEqual(Array.from(b.data), [100, 101, 102, 103, 200, 201, 202, 203]);
  assert.deepEqual(Array.from(b.mask), [0, 1, 1, 1, 0, 1, 1, 1]);
  const noMask = stackChips([{ ...chip(3), mask: undefined }]);
  assert.deepEqual(Array.from(noMask.mask), [1, 1, 1, 1]);
  const stacked = stackChips([
    { slice: slice(0), data: new Float32Array(2 * 3 * 4), shape: [2, 3, 2, 2], mask: new Uint8Array(8) },
  ]);
  assert.deepEqual([stacked.shape, stacked.mask.length], [[1, 2, 3, 2, 2], 8]);
});

test('batchChips groups, keeps or drops the short tail, and refuses mixed shapes naming the slices', async () => {
  const sizes = async (dropLast: boolean) => {
    const out: number[] = [];
    for await (const b of batchChips(
      [0, 1, 2, 3, 4].map((i) => chip(i)),
      { batchSize: 2, dropLast },
    ))
      out.push(b.shape[0]);
    return out;
  };
  assert.deepEqual(await sizes(false), [2, 2, 1]);
  assert.deepEqual(await sizes(true), [2, 2]);
  await assert.rejects(
    async () => {
      for await (const _ of batchChips([chip(0), chip(1, 3)], { batchSize: 2 })) void _;
    },
    (e: unknown) => e instanceof LoaderError && e.code === 'SHAPE_MISMATCH' && /\[1,0,4,3\]/.test(e.message),
  );
  await assert.rejects(
    async () => {
      for await (const _ of batchChips([chip(0)], { batchSize: 0 })) void _;
    },
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
});

test('mapOrdered keeps order, bounds concurrency, yields failures in place, and closes its source on break', async () => {
  let running = 0;
  let peak = 0;
  const fn = async (x: number) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, (10 - x) * 2));
    running--;
    if (x === 4) throw new Error('four');
    return x * 10;
  };
  const out: unknown[] = [];
  for await (const r of mapOrdered([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], fn, { concurrency: 3, prefetch: 5 }))
    out.push('value' in r ? r.value : (r.error as Error).message);
  assert.deepEqual(out, [0, 10, 20, 30, 'four', 50, 60, 70, 80, 90]);
  assert.equal(peak, 3);

  let closed = false;
  async function* source() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      closed = true;
    }
  }
  const first: number[] = [];
  for await (const r of mapOrdered(source(), async (x) => x, { concurrency: 2 })) {
    if ('value' in r) first.push(r.value);
    if (first.length === 3) break;
  }
  assert.deepEqual(first, [0, 1, 2]);
  assert.equal(closed, true);

  async function* broken() {
    yield 1;
    throw new Error('sampler failed');
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const r of mapOrdered(broken(), async (x) => x, { concurrency: 2 }))
      if ('value' in r) seen.push(r.value);
  }, /sampler failed/);
  assert.deepEqual(seen, [1]);
});
