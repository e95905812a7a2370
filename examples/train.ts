/**
 * Training loop: random chips → loader → `tfDataset` → `model.fitDataset`.
 *
 * 1. Creates (or reuses) the sample archive and builds a catalog of its scenes; keeps the July scenes
 *    in memory (`materialize()`), so each epoch's sampler pass reads no file (the loader indexes small catalogs in memory by itself).
 * 2. Every epoch draws fresh random 32×32 chips (`randomSampler`, seeded, re-seeded per `epoch`);
 *    `fitModel` (model.ts) loads their scene pixels with the loader and their labels from the label
 *    raster into a `tfDataset` and runs `model.fitDataset` on the segmentation model of `model.ts`,
 *    printing loss and accuracy (over labelled pixels) per epoch.
 * 3. Measures pixel accuracy on validation chips drawn with another seed and saves the model
 *    (`model.json` + `weights.bin`; `infer.ts` loads it).
 *
 * Usage: `node --import tsx examples/train.ts [outDir]` (default `examples-output/train`). Deterministic:
 * the same run prints the same numbers.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openSampleScenes } from './sample-scenes.js';
import { createModel, fitModel, saveModel } from './model.js';
import { pixelAccuracy } from './evaluate.js';
import { randomSampler } from 'geoslice';

const outDir = resolve(process.argv[2] ?? join('examples-output', 'train'));
const CHIP = 32;
const RES: [number, number] = [30, 30];
const EPOCHS = 6;
const CHIPS_PER_EPOCH = 96;
const t0 = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await mkdir(outDir, { recursive: true });
const scenes = await openSampleScenes(outDir);
const { archive, july, loader } = scenes;
step(`catalog of ${archive.scenes.length} scenes; ${await july.count()} July scenes in memory`);
const model = await createModel({ seed: 1 });
await fitModel(
  model,
  (epoch) =>
    randomSampler(july, {
      crs: 'EPSG:32632',
      size: CHIP,
      resolution: RES,
      length: CHIPS_PER_EPOCH,
      seed: 'train',
      epoch,
    }),
  loader,
  archive.labels,
  {
    epochs: EPOCHS,
    onEpochEnd: (e, logs) =>
      step(`epoch ${e + 1}/${EPOCHS}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy.toFixed(4)}`),
  },
);

const validation = randomSampler(july, {
  crs: 'EPSG:32632',
  size: CHIP,
  resolution: RES,
  length: 40,
  seed: 'validation',
});
const { accuracy, pixels } = await pixelAccuracy(model, validation, loader, archive.labels);
const modelDir = join(outDir, 'model');
await saveModel(model, modelDir);
await scenes.close();
step(`model saved to ${modelDir}`);
console.log(`validation pixel accuracy: ${accuracy.toFixed(4)} (${pixels} labelled pixels)`);
