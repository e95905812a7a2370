/**
 * `npm run demo`: the geoslice loop on the built-in sample archive.
 *
 * 1. Creates (or reuses) the sample archive: 12 synthetic 4-band scenes in two UTM zones and a label raster.
 * 2. Builds a GeoParquet catalog of the scenes with the COG header cache, queries it by place and time.
 * 3. Draws random training chips, loads scene and label pixels, and fits a nearest-centroid pixel classifier.
 * 4. Grid-samples the region with overlap, predicts class probabilities per chip, stitches them with cosine
 *    blending into a prediction COG plus an uncertainty COG (entropy, variance, margin).
 * 5. Writes per-slice predictions and uncertainty into a new catalog version and selects the next chips to label.
 * 6. Writes PNG quicklooks (coverage map, prediction, uncertainty) and prints a summary.
 *
 * Outputs go to `demo-output/` (or the directory given as the first argument).
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureSampleArchive, SAMPLE_CLASSES } from './sample-archive.js';
import { buildRasterCatalog } from '../src/catalog/build/index.js';
import { openCatalog } from '../src/catalog/open.js';
import { interval } from '../src/geo/interval.js';
import { readWkb } from '../src/geo/wkb.js';
import { transformBBox } from '../src/geo/transform.js';
import { randomSampler, gridSampler } from '../src/samplers/index.js';
import { createLoader, loadSlice } from '../src/loaders/index.js';
import { createStitcher, writePredictions, selectForLabeling } from '../src/stitch/index.js';
import type { PredictionResult } from '../src/stitch/index.js';
import { renderCoverageMap } from '../src/cli/coverage-map.js';
import { renderClasses, renderContinuous, writePng } from '../src/cli/png.js';
import { openRaster } from '../src/loaders/index.js';
import type { GeoSlice } from '../src/geo/slice.js';

const outDir = resolve(process.argv[2] ?? 'demo-output');
const t0 = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await mkdir(outDir, { recursive: true });
const archive = await ensureSampleArchive();
step(`sample archive: ${archive.scenes.length} scenes + labels in ${archive.dir}`);

const { catalog, rows } = await buildRasterCatalog(archive.scenes, {
  out: join(outDir, 'catalog.parquet'), filenameRegex: /_(?<date>\d{8})\.tif$/, dateFormat: 'YYYYMMDD', cogHeaders: true, progress: false,
});
step(`catalog: ${rows} rows -> ${join(outDir, 'catalog.parquet')}`);
const july = catalog.query({ bbox: archive.region, interval: interval('2024-07-01', '2024-07-31T23:59:59Z') });
step(`query (region, July 2024): ${await july.count()} rows; catalog bounds ${JSON.stringify((await catalog.bounds())?.map((v) => +v.toFixed(3)))}`);

// Training: random chips from July scenes, labels from the label raster in the same slice grid.
const CHIP = 32;
const RES: [number, number] = [30, 30];
const loader = createLoader({ catalog: july, bands: [1, 2, 3, 4], resampling: 'nearest', concurrency: 4, onError: () => undefined }); // chips in a scene's no-data corner are skipped
const sums = SAMPLE_CLASSES.map(() => new Float64Array(4));
const counts = new Float64Array(SAMPLE_CLASSES.length);
let trainChips = 0;
for await (const chip of loader.chips(randomSampler(july, { size: CHIP, resolution: RES, length: 200, seed: 7 }))) {
  const label = await loadSlice([archive.labels], chip.slice, { resampling: 'nearest' });
  const n = CHIP * CHIP;
  for (let i = 0; i < n; i++) {
    if ((chip.mask && !chip.mask[i]) || (label.mask && !label.mask[i])) continue;
    const c = label.data[i];
    for (let b = 0; b < 4; b++) sums[c][b] += Math.log(Number(chip.data[b * n + i]));
    counts[c]++;
  }
  trainChips++;
}
const centroids = sums.map((s, c) => Array.from(s, (v) => v / Math.max(1, counts[c])));
step(`trained a nearest-centroid classifier on ${trainChips} chips (${counts.reduce((a, b) => a + b, 0)} labelled pixels)`);

// Inference: grid over one July scene's zone, cosine-blended.
const crs = 'EPSG:32632';
const aoi = transformBBox([11.8, 47.12, 11.99, 47.3], 'EPSG:4326', crs).map((v) => Math.round(v / 30) * 30) as [number, number, number, number];
const grid: GeoSlice = { bounds: aoi, crs, resolution: RES };
const stitcher = createStitcher({ grid, bands: SAMPLE_CLASSES.length, blend: 'cosine', values: 'probabilities', bandNames: [...SAMPLE_CLASSES] });
const results: PredictionResult[] = [];
let predicted = 0;
const slices = gridSampler(july, { size: 64, stride: 48, resolution: RES, crs, roi: aoi, roiCrs: crs });
const inferLoader = createLoader({ catalog: july, bands: [1, 2, 3, 4], resampling: 'nearest', concurrency: 4, onError: () => undefined });
for await (const chip of inferLoader.chips(slices)) {
  const n = chip.shape[1] * chip.shape[2];
  const probs = new Float32Array(SAMPLE_CLASSES.length * n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (chip.mask && !chip.mask[i]) continue;
    const d = centroids.map((cen) => cen.reduce((acc, m, b) => acc + (Math.log(Number(chip.data[b * n + i])) - m) ** 2, 0));
    const e = d.map((v) => Math.exp(-v / 0.05));
    const z = e.reduce((a, b) => a + b, 0) || 1;
    e.forEach((v, c) => { probs[c * n + i] = v / z; });
  }
  if (probs.every(Number.isNaN)) continue;
  stitcher.add(chip.slice, probs, { mask: chip.mask });
  results.push({ slice: chip.slice, prediction: probs });
  predicted++;
}
const predPath = join(outDir, 'prediction.tif');
const written = await stitcher.write(predPath, { cog: true });
step(`stitched ${predicted} chips -> ${predPath} (+ uncertainty ${JSON.stringify(written)})`);

// Write-back and selection.
const version = await writePredictions(july, results, { out: join(outDir, 'catalog-round1.parquet'), level: 'slice', modelId: 'nearest-centroid', round: 1 });
const next = await selectForLabeling(await openCatalog(version.path), { k: 10, by: 'entropy', minSpacing: 2000 });
step(`new catalog version with uncertainty: ${join(outDir, 'catalog-round1.parquet')}; selected ${await next.count()} chips to label next`);

// Quicklooks and accuracy against the label raster.
const geoms = [];
for await (const r of catalog.rows()) geoms.push(readWkb(r.geometry));
await renderCoverageMap(geoms, join(outDir, 'coverage.png'), { width: 800 });
const pred = await openRaster(predPath);
const w = pred.info.width, h = pred.info.height;
const pw = await pred.readWindow(0, 0, 0, w, h, [0]);
const unc = await openRaster(predPath.replace(/\.tif$/, '_uncertainty.tif'));
const uw = await unc.readWindow(0, 0, 0, w, h, [0]);
const probsAll = await pred.readWindow(0, 0, 0, w, h, [0, 1, 2]);
const cls = new Uint8Array(w * h);
for (let i = 0; i < w * h; i++) {
  let best = 0;
  for (let c = 1; c < 3; c++) if (Number(probsAll.data[c][i]) > Number(probsAll.data[best][i])) best = c;
  cls[i] = best;
}
await writePng(join(outDir, 'prediction.png'), w, h, renderClasses(cls, w, h, pw.mask));
await writePng(join(outDir, 'uncertainty.png'), w, h, renderContinuous(uw.data[0] as Float32Array, w, h, { valid: uw.mask }));
const truth = await loadSlice([archive.labels], grid, { resampling: 'nearest' });
let agree = 0, total = 0;
for (let i = 0; i < w * h; i++) {
  if (!pw.mask?.[i] || !truth.mask?.[i]) continue;
  total++;
  if (cls[i] === truth.data[i]) agree++;
}
await pred.close(); await unc.close(); await loader.close(); await inferLoader.close(); await catalog.close();
console.log('\nsummary');
console.table({
  scenes: archive.scenes.length, 'catalog rows': rows, 'training chips': trainChips, 'predicted chips': predicted,
  'pixel accuracy vs labels': total ? +(agree / total).toFixed(3) : 'n/a', 'selected for labelling': await next.count(),
});
console.log(`outputs in ${outDir}: catalog.parquet, catalog-round1.parquet, prediction.tif, prediction_uncertainty.tif, coverage.png, prediction.png, uncertainty.png`);
