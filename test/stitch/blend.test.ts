import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertBlendMode, blendProfile, blendWeight1d } from '../../src/stitch/blend.js';

test('cosine window: 1 at the centre, symmetric, positive at every pixel centre', () => {
  assert.equal(blendWeight1d('cosine', 0.5), 1);
  assert.ok(Math.abs(blendWeight1d('cosine', 0.25) - 0.5) < 1e-15);
  const p = blendProfile('cosine', 256);
  for (let i = 0; i < 256; i++) {
    assert.ok(p[i] > 0, `weight at ${i} must be positive`);
    assert.ok(Math.abs(p[i] - p[255 - i]) < 1e-15, `symmetric at ${i}`);
  }
  assert.ok(p[0] < 1e-4 && p[127] > 0.9999);
});

test('mean and max windows are uniform', () => {
  for (const m of ['mean', 'max'] as const) assert.deepEqual([...blendProfile(m, 5)], [1, 1, 1, 1, 1]);
});

test('overlapping cosine windows at half-chip stride sum to 1 (partition of unity)', () => {
  // sin² + cos² = 1: windows of n pixels at stride n/2 tile the line with constant total weight.
  const n = 64;
  const p = blendProfile('cosine', n);
  for (let i = 0; i < n / 2; i++) assert.ok(Math.abs(p[i + n / 2] + p[i] - 1) < 1e-12);
});

test('unknown blend mode is refused with StitchError', () => {
  assert.throws(() => assertBlendMode('median'), { name: 'StitchError', code: 'BAD_OPTION' });
});
