import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { createLoader } from '../../src/loaders/loader.js';
import { tfDataset } from '../../src/tfjs/tf-dataset.js';
import { loadTf } from '../../src/tfjs/tfjs.js';
import { openerOf, syntheticRaster } from '../loaders/loader-synthetic.js';

// 2-band raster: band 0 = x, band 1 = y; the label of a slice is whether its west edge is in the east half
const r = syntheticRaster({
  href: 'mem://t',
  crs: 'EPSG:3857',
  transform: [0, 1, 0, 64, 0, -1],
  width: 64,
  height: 64,
  value: (b, x, y) => (b === 0 ? x : y) / 64,
  bands: 2,
});
const slices = (n: number): GeoSlice[] =>
  Array.from({ length: n }, (_, i) => {
    const x = (i * 7) % 60,
      y = (i * 13) % 60;
    return { bounds: [x, 60 - y, x + 4, 64 - y], crs: 'EPSG:3857', resolution: [1, 1] };
  });

test('tfDataset feeds model.fitDataset and leaks no tensors over 1000 batches', async () => {
  const tf = await loadTf();
  const loader = createLoader({ sources: ['mem://t'], open: openerOf(r), concurrency: 4 });
  const ds = await tfDataset(() => slices(2000), loader, {
    batchSize: 2,
    layout: 'NHWC',
    labels: (b, t) =>
      t.tensor2d(
        b.slices.map((s) => [s.bounds[0] >= 32 ? 1 : 0]),
        [b.slices.length, 1],
      ),
  });
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [4, 4, 2] }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy' });
  // warm-up epoch creates the optimizer's variables
  await model.fitDataset(ds.take(5), { epochs: 1, verbose: 0 });
  const before = tf.memory().numTensors;
  const hist = await model.fitDataset(ds, { epochs: 1, verbose: 0 });
  assert.equal(tf.memory().numTensors, before, 'fitDataset over 1000 batches leaves no tensors behind');
  assert.equal(hist.history.loss.length, 1);

  // iterating by hand: every element is new and the consumer disposes it
  const plain = await tfDataset(slices(2000), loader, { batchSize: 2, layout: 'NCHW' });
  const it = await plain.iterator();
  let n = 0;
  const start = tf.memory().numTensors;
  for (;;) {
    const e = await it.next();
    if (e.done) break;
    const x = e.value as import('@tensorflow/tfjs').Tensor;
    if (n === 0) assert.deepEqual(x.shape, [2, 2, 4, 4]);
    x.dispose();
    n++;
  }
  assert.equal(n, 1000);
  assert.equal(tf.memory().numTensors, start);
  model.dispose();
  await loader.close();
});
