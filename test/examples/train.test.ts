import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../examples/model.js';
import { loadTf } from '../../src/loaders/tfjs.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

// Measured: validation pixel accuracy 0.961 (training accuracy 0.75 after epoch 1, 0.96 after epoch 6).
// The same network without its box filters (per-pixel only) reaches 0.89, one epoch of training 0.86,
// a nearest-centroid classifier 0.83 and always answering "vegetation" 0.59 — so 0.93 fails when the
// model stops learning or stops using its spatial context, with room for other tfjs backends' numerics.
const MIN_ACCURACY = 0.93;

test('examples/train.ts: loss falls and accuracy rises over its epochs, validation accuracy >= 0.93, the saved model loads and predicts', async () => {
  const out = mkdtempSync(join(tmpdir(), 'gs-train-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'examples/train.ts'), out], { encoding: 'utf8', cwd: repo });
  assert.equal(r.status, 0, r.stderr);
  const epochs = [...r.stdout.matchAll(/epoch (\d+)\/6: loss ([\d.]+), accuracy ([\d.]+)/g)].map((m) => ({ loss: Number(m[2]), accuracy: Number(m[3]) }));
  assert.equal(epochs.length, 6, r.stdout);
  assert.ok(epochs[5].loss < epochs[0].loss / 2, `loss ${epochs[0].loss} -> ${epochs[5].loss}`);
  assert.ok(epochs[5].accuracy > epochs[0].accuracy + 0.1, `training accuracy ${epochs[0].accuracy} -> ${epochs[5].accuracy}`);
  const acc = Number(/validation pixel accuracy: ([\d.]+) \((\d+) labelled pixels\)/.exec(r.stdout)?.[1]);
  assert.ok(acc >= MIN_ACCURACY, `validation accuracy ${acc}`);

  const tf = await loadTf();
  const model = await loadModel(join(out, 'model'));
  const y = model.predict(tf.fill([2, 16, 24, 4], 1500)) as import('@tensorflow/tfjs').Tensor;
  assert.deepEqual(y.shape, [2, 16, 24, 3]);
  const sums = (await tf.sum(y, -1).data()) as Float32Array;
  assert.ok(sums.every((s) => Math.abs(s - 1) < 1e-4), 'per-pixel class probabilities sum to 1');
  tf.dispose(y);
});
