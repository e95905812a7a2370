import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import seedrandom from 'seedrandom';
import { InferenceError } from '../../src/errors.js';
import { functionModel, loadModel, loadOnnxModel, type ModelInput } from '../../src/inference/index.js';
import { type ChannelsFirstModel, channelsLast, PREDICT_CHANNELS_FIRST } from '../../src/inference/model.js';
import { importOptional } from '../../src/inference/optional-import.js';
import { buildTinyOnnx, numpyForward, onnxBuilderMissing } from '../fixtures/inference/tiny-onnx.js';

const models = onnxBuilderMissing ? undefined : buildTinyOnnx();
after(() => models && rmSync(models.dir, { recursive: true, force: true }));

function randomBatch(n: number, c: number, h: number, w: number, seed = 'x'): ModelInput {
  const rng = seedrandom(seed);
  const data = new Float32Array(n * c * h * w);
  for (let i = 0; i < data.length; i++) data[i] = rng() * 4 - 2;
  return { data, shape: [n, c, h, w] };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const layout of ['NCHW', 'NHWC'] as const) {
  test(`onnx backend (${layout} model, layout auto-detected) matches the network computed by numpy`, {
    skip: onnxBuilderMissing,
  }, async () => {
    const file = layout === 'NCHW' ? models!.nchw : models!.nhwc;
    const model = await loadOnnxModel(file, { threads: 1 });
    assert.match(model.backend, /onnxruntime-node \(cpu, 1 threads\)/);
    const x = randomBatch(3, 4, 20, 24);
    const y = await model.predict(x);
    assert.deepEqual(y.shape, [3, 20, 24, 3]);
    const expected = numpyForward(models!.nchw, x.data, 3, 20, 24);
    assert.ok(maxAbsDiff(y.data, expected) < 1e-5, `max diff ${maxAbsDiff(y.data, expected)}`);
    // The session runs on its own thread; the caller's input is copied there, not taken (detached).
    assert.equal(x.data.length, 3 * 4 * 20 * 24);
    // runInference's channels-first path gives the same values as [N, C, H, W], and the model's compute seconds.
    const input = randomBatch(3, 4, 20, 24);
    const chw = await (model as ChannelsFirstModel)[PREDICT_CHANNELS_FIRST](input);
    assert.deepEqual(chw.shape, [3, 3, 20, 24]);
    assert.ok(chw.seconds >= 0);
    assert.ok(maxAbsDiff(channelsLast(chw.data, chw.shape), expected) < 1e-5);
    await model.close();
    await model.close();
    await assert.rejects(model.predict(x), (e: InferenceError) => e.code === 'BAD_OPTION');
  });
}

test('onnx backend: normalize feeds (x - mean) / std; a wrong layout is a typed BAD_MODEL error', {
  skip: onnxBuilderMissing,
}, async () => {
  const mean = [100, 200, 300, 400];
  const std = [10, 20, 30, 40];
  const x = randomBatch(2, 4, 8, 8, 'n');
  const raw = {
    data: x.data.map((v, i) => v * std[Math.floor(i / 64) % 4] + mean[Math.floor(i / 64) % 4]),
    shape: x.shape,
  };
  const model = await loadModel(models!.nchw, { normalize: { mean, std } });
  const y = await model.predict(raw);
  assert.ok(maxAbsDiff(y.data, numpyForward(models!.nchw, x.data, 2, 8, 8)) < 1e-4);
  await model.close();
  const wrong = await loadOnnxModel(models!.nchw, { layout: 'NHWC' });
  await assert.rejects(wrong.predict(x), (e: InferenceError) => e.code === 'BAD_MODEL' && /NHWC/.test(e.message));
  await wrong.close();
});

test('model files: missing, unreadable and unknown kinds are typed errors', async () => {
  await assert.rejects(loadOnnxModel('/nonexistent/m.onnx'), (e: InferenceError) => e.code === 'NOT_FOUND');
  await assert.rejects(
    loadModel('weights.pt'),
    (e: InferenceError) => e.code === 'BAD_MODEL' && /\.onnx/.test(e.message),
  );
  const junk = join(models?.dir ?? '/tmp', `junk-${process.pid}.onnx`);
  writeFileSync(junk, 'not a model');
  await assert.rejects(loadOnnxModel(junk), (e: InferenceError) => e.code === 'BAD_MODEL' && e.subject === junk);
  rmSync(junk);
});

test('a missing optional backend is MISSING_DEPENDENCY naming the install command', async () => {
  await assert.rejects(
    importOptional('geoslice-no-such-backend', 'Test models', 'npm install geoslice-no-such-backend'),
    (e: InferenceError) =>
      e instanceof InferenceError &&
      e.code === 'MISSING_DEPENDENCY' &&
      /npm install geoslice-no-such-backend/.test(e.message),
  );
});

test('function models: outputs are checked against the batch', async () => {
  const ok = functionModel(({ data, shape: [n, , h, w] }) => ({ data: data.slice(0, n * h * w), shape: [n, h, w, 1] }));
  const y = await ok.predict(randomBatch(2, 3, 4, 4));
  assert.deepEqual(y.shape, [2, 4, 4, 1]);
  const short = functionModel(({ shape: [n, , h, w] }) => ({ data: new Float32Array(3), shape: [n, h, w, 1] }), {
    name: 'short',
  });
  await assert.rejects(
    short.predict(randomBatch(2, 3, 4, 4)),
    (e: InferenceError) => e.code === 'BAD_OUTPUT' && /short/.test(e.message),
  );
  const lost = functionModel(({ data, shape: [, , h, w] }) => ({ data: data.slice(0, h * w), shape: [1, h, w, 1] }));
  await assert.rejects(
    lost.predict(randomBatch(2, 3, 4, 4)),
    (e: InferenceError) => e.code === 'BAD_OUTPUT' && /1 outputs for a batch of 2/.test(e.message),
  );
});
