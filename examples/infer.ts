/**
 * Batch inference with an ONNX model: grid tiles → COG reads → onnxruntime-node → stitcher → prediction
 * COG + uncertainty COG, in one `runInference` call (the same as `geoslice predict`).
 *
 * 1. Loads the model saved by `train.ts` from `modelDir`; when there is none, trains one first with the
 *    same recipe as `train.ts` (6 epochs of 96 random chips, about 10 s) and saves it there.
 * 2. Exports it to ONNX (`examples/export_onnx.py`, Debian's python3-onnx) — standing in for the
 *    `torch.onnx.export` a PyTorch user runs: `model.onnx` takes float32 `[N, 4, H, W]` band values and
 *    returns `[N, 3, H, W]` class probabilities. Without python3-onnx the tfjs model itself runs
 *    (`loadTfjsModel`, on the wasm backend when installed).
 * 3. `runInference` tiles an area of interest across the UTM zone 32/33 boundary (64-pixel tiles with
 *    16 px overlap, in EPSG:32632; scenes in EPSG:32633 are warped on load) over the July scenes, and
 *    blends the overlaps with cosine weights into `prediction.tif` (water, vegetation, bare
 *    probabilities) plus `prediction_uncertainty.tif` (entropy, variance, margin, count).
 * 4. Prints the pixel accuracy of the stitched prediction against the label raster.
 *
 * Usage: `node --import tsx examples/infer.ts [outDir] [modelDir]` (defaults `examples-output/infer`
 * and `examples-output/train/model`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLE_CLASSES } from './sample-archive.js';
import { openSampleScenes } from './sample-scenes.js';
import { createModel, fitModel, loadModel, saveModel } from './model.js';
import { stitchedAccuracy } from './evaluate.js';
import { randomSampler, runInference } from 'geoslice';
import { transformBBox } from 'geoslice/geo';
import { loadTfjsModel, type ModelSource } from 'geoslice/inference';

const outDir = resolve(process.argv[2] ?? join('examples-output', 'infer'));
const modelDir = resolve(process.argv[3] ?? join('examples-output', 'train', 'model'));
const RES: [number, number] = [30, 30];
const CRS = 'EPSG:32632';
const AOI_WGS84: [number, number, number, number] = [11.9, 47.13, 12.1, 47.31];
const t0 = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await mkdir(outDir, { recursive: true });
const scenes = await openSampleScenes(outDir);
const { archive, july, loader } = scenes;

let model: Awaited<ReturnType<typeof loadModel>>;
if (existsSync(join(modelDir, 'model.json'))) {
  model = await loadModel(modelDir);
  step(`loaded the model from ${modelDir}`);
} else {
  model = await createModel({ seed: 1 });
  await fitModel(
    model,
    (epoch) => randomSampler(july, { crs: 'EPSG:32632', size: 32, resolution: RES, length: 96, seed: 'train', epoch }),
    loader,
    archive.labels,
    { epochs: 6 },
  );
  await saveModel(model, modelDir);
  step(`no model in ${modelDir}: trained one (train.ts recipe) and saved it there`);
}

// The model as ONNX, as a PyTorch user has it from torch.onnx.export.
const onnxPath = join(outDir, 'model.onnx');
const exported = spawnSync('/usr/bin/python3', [
  fileURLToPath(new URL('./export_onnx.py', import.meta.url)),
  modelDir,
  onnxPath,
]);
const runModel: ModelSource = exported.status === 0 ? onnxPath : await loadTfjsModel(model, { backend: 'auto' });
step(exported.status === 0 ? `exported the model to ${onnxPath}` : 'python3-onnx is missing: running the tfjs model');

// The area of interest in EPSG:32632 (the tiles are laid on the 30 m pixel grid of the scenes).
const aoi = transformBBox(AOI_WGS84, 'EPSG:4326', CRS);
const result = await runInference({
  source: july,
  model: runModel,
  out: join(outDir, 'prediction.tif'),
  aoi,
  aoiCrs: CRS,
  crs: CRS,
  resolution: RES,
  tile: 64,
  overlap: 16,
  bands: [1, 2, 3, 4],
  blend: 'cosine',
  values: 'probabilities',
  bandNames: [...SAMPLE_CLASSES],
  batchSize: 16,
});
step(
  `${result.backend}: ${result.chips} tiles at ${result.chipsPerSecond.toFixed(1)} chips/s (${result.grid.bounds.join(', ')}) -> ${result.prediction} + ${result.uncertainty}`,
);

const { accuracy, pixels } = await stitchedAccuracy(result.prediction, result.grid, archive.labels);
await scenes.close();
console.log(`stitched prediction pixel accuracy vs labels: ${accuracy.toFixed(4)} (${pixels} pixels)`);
