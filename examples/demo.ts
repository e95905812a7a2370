/**
 * `npm run demo`: the geoslice loop on the built-in sample archive.
 *
 * 1. Creates (or reuses) the sample archive: 12 synthetic 4-band scenes in two UTM zones and a label raster.
 * 2. Builds a GeoParquet catalog of the scenes with the COG header cache, queries it by place and time.
 * 3. Trains the small segmentation network of `model.ts` with tfjs for a few epochs on random chips (fresh
 *    chips every epoch; scene pixels through the loader, labels from the label raster).
 * 4. Grid-samples an area with overlap, predicts class probabilities per chip, stitches them with cosine
 *    blending into a prediction COG plus an uncertainty COG (entropy, variance, margin).
 * 5. Writes per-slice predictions and uncertainty into a new catalog version and selects the next chips to label.
 * 6. Writes PNG quicklooks (coverage map, prediction, uncertainty) and prints a summary.
 *
 * Outputs go to `demo-output/` (or the directory given as the first argument).
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureSampleArchive, SAMPLE_CLASSES } from './sample-archive.js';
import { createModel, fitModel, predictChip } from './model.js';
import { stitchedAccuracy } from './evaluate.js';
import {
  buildRasterCatalog,
  createLoader,
  createStitcher,
  gridSampler,
  interval,
  openCatalog,
  randomSampler,
  selectForLabeling,
  writePredictions,
  type GeoSlice,
  type PredictionResult,
} from 'geoslice';
import { readWkb, transformBBox } from 'geoslice/geo';
import { openRaster } from 'geoslice/loaders';
import { frameMap, renderClasses, renderContinuous, renderCoverageMap, writePng } from 'geoslice/quicklook';

const outDir = resolve(process.argv[2] ?? 'demo-output');
const t0 = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await mkdir(outDir, { recursive: true });
const archive = await ensureSampleArchive();
step(`sample archive: ${archive.scenes.length} scenes + labels in ${archive.dir}`);

const { catalog, rows } = await buildRasterCatalog(archive.scenes, {
  out: join(outDir, 'catalog.parquet'),
  filenameRegex: /_(?<date>\d{8})\.tif$/,
  dateFormat: 'YYYYMMDD',
  cogHeaders: true,
  progress: false,
});
step(`catalog: ${rows} rows -> ${join(outDir, 'catalog.parquet')}`);
const july = catalog.query({ bbox: archive.region, interval: interval('2024-07-01', '2024-07-31T23:59:59Z') });
step(
  `query (region, July 2024): ${await july.count()} rows; catalog bounds ${JSON.stringify((await catalog.bounds())?.map((v) => +v.toFixed(3)))}`,
);

// Training: fresh random chips from the July scenes every epoch, labels from the label raster on the
// same slice grid. The loader looks rows up in an in-memory copy of the query (no DuckDB round trip per chip).
const CHIP = 32;
const RES: [number, number] = [30, 30];
const EPOCHS = 5;
const CHIPS_PER_EPOCH = 96;
const julyRows = await july.materialize();
// chips over a scene's nodata corner come back empty and are skipped (see loader.stats)
const loader = createLoader({ catalog: julyRows, bands: [1, 2, 3, 4], resampling: 'nearest', concurrency: 4 });
const model = await createModel({ seed: 1 });
let trainAccuracy = NaN;
await fitModel(
  model,
  // the July scenes span UTM zones 32 and 33: sample them all on one grid
  (epoch) =>
    randomSampler(julyRows, {
      size: CHIP,
      resolution: RES,
      crs: 'EPSG:32632',
      length: CHIPS_PER_EPOCH,
      seed: 7,
      epoch,
    }),
  loader,
  archive.labels,
  {
    epochs: EPOCHS,
    onEpochEnd: (e, logs) => {
      trainAccuracy = logs.accuracy;
      step(
        `training epoch ${e + 1}/${EPOCHS}: loss ${logs.loss.toFixed(3)}, accuracy ${logs.accuracy.toFixed(3)} (${CHIPS_PER_EPOCH} random ${CHIP}x${CHIP} chips)`,
      );
    },
  },
);

// Inference: grid over one July scene's zone, cosine-blended.
const crs = 'EPSG:32632';
const aoi = transformBBox([11.8, 47.12, 11.99, 47.3], 'EPSG:4326', crs).map((v) => Math.round(v / 30) * 30) as [
  number,
  number,
  number,
  number,
];
const grid: GeoSlice = { bounds: aoi, crs, resolution: RES };
const stitcher = createStitcher({
  grid,
  bands: SAMPLE_CLASSES.length,
  blend: 'cosine',
  values: 'probabilities',
  bandNames: [...SAMPLE_CLASSES],
});
const results: PredictionResult[] = [];
let predicted = 0;
const slices = gridSampler(julyRows, { size: 64, stride: 48, resolution: RES, crs, roi: aoi, roiCrs: crs });
for await (const chip of loader.chips(slices)) {
  const probs = await predictChip(model, chip);
  stitcher.add(chip.slice, probs, { mask: chip.mask });
  results.push({ slice: chip.slice, prediction: probs });
  predicted++;
}
const predPath = join(outDir, 'prediction.tif');
const written = await stitcher.write(predPath, { cog: true });
stitcher.close();
step(`stitched ${predicted} chips -> ${predPath} (+ uncertainty ${JSON.stringify(written)})`);

// Write-back and selection.
const version = await writePredictions(july, results, {
  out: join(outDir, 'catalog-round1.parquet'),
  level: 'slice',
  modelId: 'sample-segmenter',
  round: 1,
});
const next = await selectForLabeling(await openCatalog(version.path), { k: 10, by: 'entropy', minSpacing: 2000 });
step(
  `new catalog version with uncertainty: ${join(outDir, 'catalog-round1.parquet')}; selected ${await next.count()} chips to label next`,
);

// Quicklooks and accuracy against the label raster.
const geoms = [];
for await (const r of catalog.rows()) geoms.push(readWkb(r.geometry));
await renderCoverageMap(geoms, join(outDir, 'coverage.png'), { width: 800, title: `Sample archive: ${rows} scenes` });
const { accuracy, classes, width: w, height: h } = await stitchedAccuracy(predPath, grid, archive.labels);
const unc = await openRaster(written.uncertainty as string);
const uw = await unc.readWindow(0, 0, 0, w, h, [0]);
await unc.close();
const predictionPng = frameMap(
  renderClasses(
    classes,
    w,
    h,
    classes.map((c) => (c === 255 ? 0 : 1)),
  ),
  w,
  h,
  { title: 'Predicted classes', legend: { kind: 'classes', names: SAMPLE_CLASSES }, metresPerPixel: RES[0] },
);
await writePng(join(outDir, 'prediction.png'), predictionPng.width, predictionPng.height, predictionPng.data);
const entropyRange: [number, number] = [0, Math.log(SAMPLE_CLASSES.length)];
const uncertaintyPng = frameMap(
  renderContinuous(uw.data[0] as Float32Array, w, h, { valid: uw.mask, range: entropyRange }),
  w,
  h,
  {
    title: 'Prediction uncertainty',
    legend: { kind: 'ramp', label: 'entropy (nats)', range: entropyRange },
    metresPerPixel: RES[0],
  },
);
await writePng(join(outDir, 'uncertainty.png'), uncertaintyPng.width, uncertaintyPng.height, uncertaintyPng.data);
await loader.close();
await catalog.close();
console.log('\nsummary');
console.table({
  scenes: archive.scenes.length,
  'catalog rows': rows,
  'training epochs': EPOCHS,
  'chips per epoch': CHIPS_PER_EPOCH,
  'training accuracy': +trainAccuracy.toFixed(3),
  'predicted chips': predicted,
  'pixel accuracy vs labels': +accuracy.toFixed(3),
  'selected for labelling': await next.count(),
});
console.log(
  `outputs in ${outDir}: catalog.parquet, catalog-round1.parquet, prediction.tif, prediction_uncertainty.tif, coverage.png, prediction.png, uncertainty.png`,
);
