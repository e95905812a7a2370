import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoaderError } from '../../src/errors.js';
import type { Batch } from '../../src/loaders/batches.js';
import type { Chip } from '../../src/loaders/chip.js';
import { toLayout } from '../../src/loaders/tensor.js';
import { loadTf, toTensor } from '../../src/tfjs/tfjs.js';

// 2 bands, 2 x 3 pixels: band b, row y, col x = 100 b + 10 y + x
const chw = Float32Array.from(
  { length: 12 },
  (_, k) => 100 * Math.floor(k / 6) + 10 * Math.floor((k % 6) / 3) + (k % 3),
);
const chip: Chip = {
  slice: { bounds: [0, 0, 3, 2], crs: 'EPSG:3857', resolution: [1, 1] },
  data: chw,
  shape: [2, 2, 3],
};

test('toLayout moves channels last for NHWC and leaves NCHW alone', () => {
  const hwc = toLayout(chw, [2, 2, 3], 'NHWC');
  assert.deepEqual(hwc.shape, [2, 3, 2]);
  // pixel (y 1, x 2): channels [12, 112]
  assert.deepEqual(Array.from(hwc.data.slice((1 * 3 + 2) * 2, (1 * 3 + 2) * 2 + 2)), [12, 112]);
  const same = toLayout(chw, [2, 2, 3], 'NCHW');
  assert.equal(same.data, chw);
  const batch = toLayout(Float32Array.from([...chw, ...chw.map((v) => v + 1000)]), [2, 2, 2, 3], 'NHWC');
  assert.deepEqual(batch.shape, [2, 2, 3, 2]);
  assert.deepEqual(Array.from(batch.data.slice(12, 14)), [1000, 1100]);
  assert.throws(
    () => toLayout(chw, [2, 2, 2], 'NHWC'),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_SHAPE',
  );
  assert.throws(
    () => toLayout(chw, [12], 'NHWC'),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_SHAPE',
  );
});

test('toTensor needs tfjs loaded, then builds NHWC and NCHW tensors of chips and batches', async () => {
  assert.throws(
    () => toTensor(chip),
    (e: unknown) => e instanceof LoaderError && e.code === 'TF_NOT_LOADED',
  );
  const tf = await loadTf();
  assert.equal(await loadTf(), tf, 'loaded once');
  const before = tf.memory().numTensors;
  const x = toTensor(chip, { layout: 'NHWC' });
  assert.deepEqual(x.shape, [2, 3, 2]);
  assert.deepEqual((x.arraySync() as number[][][])[1][2], [12, 112]);
  const batch: Batch = {
    slices: [chip.slice, chip.slice],
    data: Float32Array.from([...chw, ...chw]),
    mask: new Uint8Array(12).fill(1),
    shape: [2, 2, 2, 3],
  };
  const nchw = toTensor(batch, { layout: 'NCHW' });
  assert.deepEqual(nchw.shape, [2, 2, 2, 3]);
  assert.equal(nchw.dtype, 'float32');
  const nhwc = toTensor(batch);
  assert.deepEqual(nhwc.shape, [2, 2, 3, 2]);
  tf.dispose([x, nchw, nhwc]);
  assert.equal(tf.memory().numTensors, before);
});
