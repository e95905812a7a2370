import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../../examples/model.js';
import { loadTf } from '../../src/tfjs/tfjs.js';
import { outputDir, runExample, MIN_ACCURACY } from './run-example.js';

test('examples/train.ts: loss falls and accuracy rises over its epochs, validation accuracy >= 0.93, the saved model loads and predicts', async () => {
  const out = outputDir('train');
  const stdout = runExample('train', out);
  const epochs = [...stdout.matchAll(/epoch (\d+)\/6: loss ([\d.]+), accuracy ([\d.]+)/g)].map((m) => ({
    loss: Number(m[2]),
    accuracy: Number(m[3]),
  }));
  assert.equal(epochs.length, 6, stdout);
  assert.ok(epochs[5].loss < epochs[0].loss / 2, `loss ${epochs[0].loss} -> ${epochs[5].loss}`);
  assert.ok(
    epochs[5].accuracy > epochs[0].accuracy + 0.1,
    `training accuracy ${epochs[0].accuracy} -> ${epochs[5].accuracy}`,
  );
  const acc = Number(/validation pixel accuracy: ([\d.]+) \((\d+) labelled pixels\)/.exec(stdout)?.[1]);
  assert.ok(acc >= MIN_ACCURACY, `validation accuracy ${acc}`);

  const tf = await loadTf();
  const model = await loadModel(join(out, 'model'));
  const y = model.predict(tf.fill([2, 16, 24, 4], 1500)) as import('@tensorflow/tfjs').Tensor;
  assert.deepEqual(y.shape, [2, 16, 24, 3]);
  const sums = (await tf.sum(y, -1).data()) as Float32Array;
  assert.ok(
    sums.every((s) => Math.abs(s - 1) < 1e-4),
    'per-pixel class probabilities sum to 1',
  );
  tf.dispose(y);
});
