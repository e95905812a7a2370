import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GeoError } from '../../src/errors.js';
import { hilbertKey } from '../../src/geo/hilbert.js';

test('order-1 and order-2 keys follow the Hilbert curve', () => {
  const e: [number, number, number, number] = [0, 0, 2, 2];
  // order 1: (0,0) -> 0, (0,1) -> 1, (1,1) -> 2, (1,0) -> 3
  assert.deepEqual(
    [
      [0.5, 0.5],
      [0.5, 1.5],
      [1.5, 1.5],
      [1.5, 0.5],
    ].map(([x, y]) => hilbertKey(x, y, e, 1)),
    [0, 1, 2, 3],
  );
  // order 2: the 16 cells visited in curve order are all 4-neighbours of each other
  const cells: [number, number][] = [];
  for (let x = 0; x < 4; x++) for (let y = 0; y < 4; y++) cells[hilbertKey(x + 0.5, y + 0.5, [0, 0, 4, 4], 2)] = [x, y];
  assert.equal(cells.filter(Boolean).length, 16);
  for (let d = 1; d < 16; d++)
    assert.equal(Math.abs(cells[d][0] - cells[d - 1][0]) + Math.abs(cells[d][1] - cells[d - 1][1]), 1, `step ${d}`);
});

test('order-16 keys are a bijection onto [0, 4^16) at a sampled scale and stay in range', () => {
  const n = 2 ** 16;
  const seen = new Set<number>();
  for (let i = 0; i < 256; i++) {
    for (let j = 0; j < 256; j++) {
      const x = -180 + (i * 256 + 17 + 0.5) * (360 / n);
      const y = -90 + (j * 256 + 101 + 0.5) * (180 / n);
      const k = hilbertKey(x, y);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 4 ** 16);
      seen.add(k);
    }
  }
  assert.equal(seen.size, 256 * 256);
  assert.equal(hilbertKey(-180, -90), 0);
  assert.equal(hilbertKey(180, -90), 4 ** 16 - 1, 'the curve ends at the bottom-right cell');
  assert.equal(hilbertKey(1e9, -1e9), hilbertKey(180, -90), 'clamped');
});

test('locality: consecutive keys are neighbouring cells along a walk of the curve', () => {
  const n = 2 ** 16;
  const order: [number, number][] = [];
  // walk an 8x8 block of cells and check that sorting by key gives a path of unit steps
  for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) order.push([i, j]);
  const key = ([i, j]: [number, number]) => hilbertKey(-180 + (i + 0.5) * (360 / n), -90 + (j + 0.5) * (180 / n));
  order.sort((a, b) => key(a) - key(b));
  for (let s = 1; s < order.length; s++) {
    assert.equal(Math.abs(order[s][0] - order[s - 1][0]) + Math.abs(order[s][1] - order[s - 1][1]), 1);
  }
  assert.equal(key(order[63]) - key(order[0]), 63, 'an aligned 8x8 block is one contiguous key range');
});

test('bad order, extent or point are typed errors', () => {
  assert.throws(
    () => hilbertKey(0, 0, undefined, 0),
    (e: unknown) => e instanceof GeoError && e.code === 'BAD_HILBERT_ORDER',
  );
  assert.throws(
    () => hilbertKey(0, 0, undefined, 27),
    (e: unknown) => e instanceof GeoError && e.code === 'BAD_HILBERT_ORDER',
  );
  assert.throws(
    () => hilbertKey(0, 0, [1, 0, 1, 1]),
    (e: unknown) => e instanceof GeoError && e.code === 'INVALID_BBOX',
  );
  assert.throws(
    () => hilbertKey(NaN, 0),
    (e: unknown) => e instanceof GeoError && e.code === 'INVALID_COORDINATE',
  );
});
