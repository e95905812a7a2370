import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyRng } from '../../src/samplers/keys/key-rng.js';
import { hashUniform, rowHasher } from '../../src/samplers/keys/row-hash.js';

test('rowHasher: deterministic per (seed, epoch, id), uniform, no collisions over 10^5 ids; keyRng streams', () => {
  const h = rowHasher('unit', 0);
  assert.equal(h('scene-1'), rowHasher('unit', 0)('scene-1'));
  assert.notEqual(h('scene-1'), rowHasher('unit', 1)('scene-1'), 'epoch re-keys');
  assert.notEqual(h('scene-1'), rowHasher('unit2', 0)('scene-1'), 'seed re-keys');
  const n = 100_000;
  const keys = new Set<number>();
  const bins = new Array<number>(16).fill(0);
  for (let i = 0; i < n; i++) {
    const k = h(`scene-${i}`);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 2 ** 52);
    keys.add(k);
    bins[Math.floor(hashUniform(k) * 16)]++;
  }
  assert.equal(keys.size, n);
  const chi = bins.reduce((a, o) => a + (o - n / 16) ** 2 / (n / 16), 0);
  assert.ok(chi < 37.697, `chi-square ${chi} (df 15, p = 0.001)`);
  const a = keyRng(h('x'), 0);
  const b = keyRng(h('x'), 0);
  const c = keyRng(h('x'), 1);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 1000 }, () => b()),
    xs,
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(
    Array.from({ length: 1000 }, () => c()),
    xs,
    'streams differ',
  );
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});
