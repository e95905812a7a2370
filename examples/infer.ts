/**
 * Batch inference: grid chips → model → stitcher → prediction COG + uncertainty COG.
 *
 * 1. Loads the model saved by `train.ts` from `modelDir`; when there is none, trains one first with the
 *    same recipe as `train.ts` (6 epochs of 96 random chips, about 10 s) and saves it there.
 * 2. Tiles an area of interest across the UTM zone 32/33 boundary with `gridSampler` (64-pixel chips
 *    every 48 pixels, in EPSG:32632; scenes in EPSG:32633 are warped on load) over the July scenes.
 * 3. Predicts class probabilities per chip and blends the overlaps with cosine weights into a
 *    stitched prediction COG (`prediction.tif`: water, vegetation, bare probabilities) plus an
 *    uncertainty COG (`prediction_uncertainty.tif`: entropy, variance, margin).
 * 4. Prints the pixel accuracy of the stitched prediction against the label raster.
 *
 * Usage: `node --import tsx examples/infer.ts [outDir] [modelDir]` (defaults `examples-output/infer`
 * and `examples-output/train/model`).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SAMPLE_CLASSES } from './sample-archive.js';
import { openSampleScenes } from './sample-scenes.js';
import { createModel, fitModel, loadModel, predictChip, saveModel } from './model.js';
import { stitchedAccuracy } from './evaluate.js';
import { createStitcher, gridSampler, randomSampler, type GeoSlice } from 'geoslice';
import { transformBBox } from 'geoslice/geo';

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

// The output grid: the AOI in EPSG:32632, snapped to the 30 m pixel grid of the scenes.
const aoi = transformBBox(AOI_WGS84, 'EPSG:4326', CRS).map((v) => Math.round(v / RES[0]) * RES[0]) as [
  number,
  number,
  number,
  number,
];
const grid: GeoSlice = { bounds: aoi, crs: CRS, resolution: RES };
const stitcher = createStitcher({
  grid,
  bands: SAMPLE_CLASSES.length,
  blend: 'cosine',
  values: 'probabilities',
  bandNames: [...SAMPLE_CLASSES],
});
let chips = 0;
for await (const chip of loader.chips(
  gridSampler(july, { size: 64, stride: 48, resolution: RES, crs: CRS, roi: aoi, roiCrs: CRS }),
)) {
  stitcher.add(chip.slice, await predictChip(model, chip), { mask: chip.mask });
  chips++;
}
const predPath = join(outDir, 'prediction.tif');
const written = await stitcher.write(predPath, { cog: true });
stitcher.close();
step(
  `stitched ${chips} chips (${stitcher.width}x${stitcher.height} px) -> ${written.prediction} + ${written.uncertainty}`,
);

const { accuracy, pixels } = await stitchedAccuracy(predPath, grid, archive.labels);
await scenes.close();
console.log(`stitched prediction pixel accuracy vs labels: ${accuracy.toFixed(4)} (${pixels} pixels)`);
