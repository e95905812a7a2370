import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openRaster } from '../../src/loaders/raster.js';
import { checkCogLayout } from '../../src/tiff/write/cog-layout-check.js';
import { outputDir, runExample, MIN_ACCURACY } from './run-example.js';

function runInfer(out: string, modelDir: string): { stdout: string; accuracy: number } {
  const stdout = runExample('infer', out, modelDir);
  const accuracy = Number(/stitched prediction pixel accuracy vs labels: ([\d.]+) \((\d+) pixels\)/.exec(stdout)?.[1]);
  return { stdout, accuracy };
}

test('examples/infer.ts: trains when there is no model, exports it to ONNX, runs it with runInference and stitches a prediction COG + uncertainty COG matching the labels (>= 0.93); a second run loads the saved model and gets the same result', async () => {
  const dir = outputDir('infer');
  const modelDir = join(dir, 'model');
  const first = runInfer(join(dir, 'run1'), modelDir);
  assert.match(first.stdout, /no model in .*: trained one/);
  assert.match(
    first.stdout,
    /exported the model to .*model\.onnx/,
    'python3-onnx exports the model (.ci/run installs it)',
  );
  assert.match(first.stdout, /onnxruntime-node \(cpu\): \d+ tiles/);
  assert.ok(existsSync(join(modelDir, 'model.json')) && existsSync(join(modelDir, 'weights.bin')));
  assert.ok(first.accuracy >= MIN_ACCURACY, `accuracy ${first.accuracy}`);

  const pred = await openRaster(join(dir, 'run1', 'prediction.tif'));
  const unc = await openRaster(join(dir, 'run1', 'prediction_uncertainty.tif'));
  try {
    assert.equal(pred.info.bands, 3);
    assert.equal(unc.info.bands, 4, 'entropy, variance, margin, count');
    assert.equal(pred.info.crs, 'EPSG:32632');
    assert.deepEqual(
      [unc.info.width, unc.info.height, unc.info.crs],
      [pred.info.width, pred.info.height, pred.info.crs],
    );
    assert.deepEqual(unc.info.transform, pred.info.transform);
    const w = pred.info.width,
      h = pred.info.height;
    const p = await pred.readWindow(0, 0, 0, w, h, [0, 1, 2]);
    const e = await unc.readWindow(0, 0, 0, w, h, [0]);
    let covered = 0;
    for (let i = 0; i < w * h; i++) {
      const sum = Number(p.data[0][i]) + Number(p.data[1][i]) + Number(p.data[2][i]);
      if (Number.isNaN(sum)) continue;
      covered++;
      assert.ok(Math.abs(sum - 1) < 1e-3, `probabilities at pixel ${i} sum to ${sum}`);
      const entropy = Number(e.data[0][i]);
      assert.ok(entropy >= 0 && entropy <= Math.log(3) + 1e-6, `entropy ${entropy} at pixel ${i}`);
    }
    assert.ok(covered > w * h * 0.8, `${covered} of ${w * h} pixels predicted`);
  } finally {
    await pred.close();
    await unc.close();
  }
  for (const f of ['prediction.tif', 'prediction_uncertainty.tif']) {
    const report = await checkCogLayout(join(dir, 'run1', f));
    assert.ok(report.valid, `${f}: ${JSON.stringify(report.errors)}`);
  }

  const second = runInfer(join(dir, 'run2'), modelDir);
  assert.match(second.stdout, /loaded the model from/);
  assert.equal(second.accuracy, first.accuracy);
});
