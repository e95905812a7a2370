import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { zeroInvalid } from '../../src/loaders/file-window.js';

test('zeroInvalid counts valid pixels and zeroes the others in every band (brute force, any mask offset and length)', () => {
  const r = seedrandom('zero-invalid');
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(r() * 300);
    const offset = Math.floor(r() * 9);
    const bands = 1 + Math.floor(r() * 3);
    const runs = r() < 0.5;
    const mask = new Uint8Array(new ArrayBuffer(n + offset + 8), offset, n);
    for (let i = 0; i < n; i++) mask[i] = (runs ? r() < 0.97 : r() < 0.5) ? 1 : 0;
    const data = Float32Array.from({ length: n * bands }, () => 1 + r());
    const want = Float32Array.from(data, (v, k) => (mask[k % n] ? v : 0));
    const filled = zeroInvalid(data, bands, mask);
    assert.equal(
      filled,
      mask.reduce((s, v) => s + v, 0),
    );
    assert.deepEqual(data, want);
  }
});
