import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import seedrandom from 'seedrandom';
import { createModel, saveModel } from '../../examples/model.js';
import type { InferenceError } from '../../src/errors.js';
import { loadTfjsModel, type ModelInput } from '../../src/inference/index.js';
import { loadTf } from '../../src/tfjs/tfjs.js';

const TFJS_NODE = '@tensorflow/tfjs-node';
const hasTfjsNode = await import(TFJS_NODE).then(
  () => true,
  () => false,
);
const dir = mkdtempSync(join(tmpdir(), 'gs-tfjs-model-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Reflectance-like 4-band batch (uint16 values, as the demo's scenes hold). */
function batch(n: number, h: number, w: number): ModelInput {
  const rng = seedrandom('tfjs');
  const data = new Float32Array(n * 4 * h * w);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(200 + rng() * 4000);
  return { data, shape: [n, 4, h, w] };
}

test("the demo's tfjs model from model.json on the wasm backend matches tfjs' cpu backend", async () => {
  const tf = await loadTf();
  await tf.setBackend('cpu');
  const net = await createModel({ seed: 3 });
  await saveModel(net, dir);
  const x = batch(2, 24, 20);
  const [n, c, h, w] = x.shape;
  const nhwc = tf.transpose(tf.tensor4d(x.data, [n, c, h, w]), [0, 2, 3, 1]);
  const expected = (net.predict(nhwc) as import('@tensorflow/tfjs').Tensor).dataSync() as Float32Array;
  const model = await loadTfjsModel(join(dir, 'model.json'), { backend: 'wasm' });
  try {
    assert.equal(model.backend, 'tfjs (wasm)');
    assert.equal(tf.getBackend(), 'wasm');
    const y = await model.predict(x);
    assert.deepEqual(y.shape, [2, 24, 20, 3]);
    let diff = 0;
    for (let i = 0; i < y.data.length; i++) diff = Math.max(diff, Math.abs(y.data[i] - expected[i]));
    assert.ok(diff < 1e-4, `max diff ${diff}`);
    const auto = await loadTfjsModel(net, { backend: 'auto' });
    assert.equal(auto.backend, hasTfjsNode ? 'tfjs (tensorflow)' : 'tfjs (wasm)', 'auto picks tfjs-node, else wasm');
    await auto.close();
  } finally {
    await model.close();
    await tf.setBackend('cpu');
  }
});

test('tfjs backend errors: tfjs-node not installed, a model.json that is not one', async () => {
  if (!hasTfjsNode)
    await assert.rejects(
      loadTfjsModel(join(dir, 'model.json'), { backend: 'tensorflow' }),
      (e: InferenceError) => e.code === 'MISSING_DEPENDENCY' && /npm install @tensorflow\/tfjs-node/.test(e.message),
    );
  await assert.rejects(
    loadTfjsModel(join(dir, 'weights.bin'), { backend: 'cpu' }),
    (e: InferenceError) => e.code === 'BAD_MODEL',
  );
  await assert.rejects(
    loadTfjsModel(join(dir, 'none.json'), { backend: 'cpu' }),
    (e: InferenceError) => e.code === 'NOT_FOUND',
  );
});
