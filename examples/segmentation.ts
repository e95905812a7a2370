/**
 * Segmentation from vector labels: image chips paired with labels rasterized from polygons.
 *
 * 1. Creates (or reuses) the sample archive and opens its July scenes (as `train.ts` does).
 * 2. Turns the archive's label raster into polygons, one feature per connected area of a class
 *    (`polygonizeMask`), written as GeoJSON in EPSG:4326 — standing in for labels someone drew.
 * 3. Builds a per-feature vector catalog of them (`buildVectorCatalog`) and a paired loader
 *    (`createPairedLoader`): each random chip comes with its class-id mask, rasterized from the
 *    polygons on the chip's own grid with `rasterize` (GDAL's pixel-centre rule).
 * 4. Trains the small segmentation network of `model.ts` with `tfDataset(..., pairedLoader)` →
 *    `model.fitDataset` on fresh chips each epoch, and measures pixel accuracy on validation chips.
 * 5. Writes a quicklook PNG: image (false colour), label and prediction of one chip side by side.
 *
 * Usage: `node --import tsx examples/segmentation.ts [outDir]` (default `examples-output/segmentation`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { randomSampler, type GeoSlice } from 'geoslice';
import { polygonizeMask } from 'geoslice/footprints';
import { transformPoint } from 'geoslice/geo';
import { createPairedLoader, type PairedBatch } from 'geoslice/labels';
import { openRaster } from 'geoslice/loaders';
import { percentileRange, renderClasses, writePng } from 'geoslice/quicklook';
import { loadTf, tfDataset } from 'geoslice/tfjs';
import { buildVectorCatalog } from 'geoslice/vector';
import { argmaxClasses, createModel, MODEL_CLASSES, predictChip } from './model.js';
import { openSampleScenes } from './sample-scenes.js';
import { SAMPLE_CLASSES } from './sample-archive.js';

const outDir = resolve(process.argv[2] ?? join('examples-output', 'segmentation'));
const CHIP = 32;
const RES: [number, number] = [30, 30];
const EPOCHS = 6;
const CHIPS_PER_EPOCH = 96;
const UNLABELLED = 255;
const t0 = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await mkdir(outDir, { recursive: true });
const scenes = await openSampleScenes(outDir);
const { archive, july } = scenes;

// 2. Polygons of the label raster, one feature per connected area of a class.
const labelRaster = await openRaster(archive.labels);
const { width, height, transform, crs } = labelRaster.info;
const classes = (await labelRaster.readWindow(0, 0, 0, width, height, [0])).data[0] as Uint8Array;
await labelRaster.close();
const [x0, xres, , y0, , yres] = transform;
const features = [];
for (let c = 0; c < SAMPLE_CLASSES.length; c++) {
  const mask = Uint8Array.from(classes, (v) => (v === c ? 1 : 0));
  for (const rings of polygonizeMask(mask, width, height, 0)) {
    const coordinates = rings.map((ring) =>
      ring.map(([col, row]) => transformPoint(crs!, 'EPSG:4326', [x0 + col * xres, y0 + row * yres])),
    );
    features.push({ type: 'Feature', properties: { class_id: c }, geometry: { type: 'Polygon', coordinates } });
  }
}
const polygonsPath = join(outDir, 'labels.geojson');
await writeFile(polygonsPath, JSON.stringify({ type: 'FeatureCollection', features }));
step(`${features.length} label polygons written to ${polygonsPath}`);

// 3. The vector catalog and the paired loader.
const { catalog: labels, rows } = await buildVectorCatalog(polygonsPath, {
  out: join(outDir, 'labels.parquet'),
  granularity: 'feature',
});
step(`vector catalog of ${rows} features`);
const paired = createPairedLoader({
  images: { catalog: july, bands: [1, 2, 3, 4], concurrency: 4, onError: () => undefined },
  labels: { kind: 'vector', catalog: labels, attribute: 'class_id', fill: UNLABELLED },
});

/** One-hot targets `[N, H, W, C]`; unlabelled pixels and pixels without image data get all zeros (ignored by the loss). */
function oneHot(batch: PairedBatch, tf: typeof TF): TF.Tensor {
  const [n, , h, w] = batch.shape;
  const px = h * w;
  const out = new Float32Array(n * px * MODEL_CLASSES);
  for (let i = 0; i < n * px; i++) {
    const c = batch.labels.data[i];
    if (batch.mask[i] && c < MODEL_CLASSES) out[i * MODEL_CLASSES + c] = 1;
  }
  return tf.tensor4d(out, [n, h, w, MODEL_CLASSES]);
}

// 4. Training on image + rasterized-label pairs.
const tf = await loadTf();
const model = await createModel({ seed: 1 });
let epoch = 0;
const dataset = await tfDataset(
  () =>
    randomSampler(july, {
      crs: 'native',
      size: CHIP,
      resolution: RES,
      length: CHIPS_PER_EPOCH,
      seed: 'segmentation',
      epoch: epoch++,
    }),
  paired,
  { batchSize: 16, labels: (b, tfjs) => oneHot(b as PairedBatch, tfjs) },
);
await model.fitDataset(dataset, {
  epochs: EPOCHS,
  verbose: 0,
  callbacks: {
    onEpochEnd: async (e, logs) =>
      step(`epoch ${e + 1}/${EPOCHS}: loss ${logs?.loss.toFixed(4)}, accuracy ${logs?.accuracy.toFixed(4)}`),
  },
});

let correct = 0;
let total = 0;
const validation = randomSampler(july, {
  crs: 'native',
  size: CHIP,
  resolution: RES,
  length: 40,
  seed: 'segmentation-validation',
});
for await (const s of paired.samples(validation)) {
  const predicted = argmaxClasses(await predictChip(model, s.image), CHIP * CHIP);
  for (let i = 0; i < predicted.length; i++) {
    const c = s.label!.data[i];
    if ((s.image.mask && !s.image.mask[i]) || c === UNLABELLED) continue;
    total++;
    if (predicted[i] === c) correct++;
  }
}
console.log(`validation pixel accuracy: ${(correct / total).toFixed(4)} (${total} labelled pixels)`);

// The quicklook chip: of a few larger chips with data everywhere, the one whose classes are most even.
const VIEW = 128;
let shown: {
  slice: GeoSlice;
  image: Float32Array;
  label: Float32Array;
  predicted: Uint8Array;
  mask: Uint8Array;
} | null = null;
let bestEvenness = -1;
for await (const s of paired.samples(
  randomSampler(july, { crs: 'native', size: VIEW, resolution: RES, length: 60, seed: 'view' }),
)) {
  const mask = s.image.mask ?? new Uint8Array(VIEW * VIEW).fill(1);
  if (!mask.every((v) => v)) continue;
  const counts = new Array(MODEL_CLASSES).fill(0);
  for (const c of s.label!.data) if (c < MODEL_CLASSES) counts[c]++;
  const evenness = Math.min(...counts);
  if (evenness > bestEvenness) {
    bestEvenness = evenness;
    const predicted = argmaxClasses(await predictChip(model, s.image), VIEW * VIEW);
    shown = { slice: s.slice, image: Float32Array.from(s.image.data), label: s.label!.data, predicted, mask };
  }
}

// 5. Quicklook: false colour (nir, red, green), label, prediction; each chip pixel drawn 3 × 3.
if (shown) {
  const scale = 3;
  const CHIP = VIEW;
  const side = CHIP * scale;
  const gap = 8;
  const W = 3 * side + 2 * gap;
  const rgba = new Uint8Array(W * side * 4).fill(255);
  const plane = CHIP * CHIP;
  const bands = [3, 2, 1].map((b) => shown!.image.subarray(b * plane, (b + 1) * plane));
  const ranges = bands.map((b) => percentileRange(b, shown!.mask, 0.02, 0.98));
  const falseColour = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    bands.forEach((b, k) => {
      const [lo, hi] = ranges[k];
      falseColour[i * 4 + k] = Math.max(0, Math.min(255, Math.round(((b[i] - lo) / (hi - lo || 1)) * 255)));
    });
    falseColour[i * 4 + 3] = 255;
  }
  const panels = [falseColour, renderClasses(shown.label, CHIP, CHIP), renderClasses(shown.predicted, CHIP, CHIP)];
  panels.forEach((p, k) => {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const src = (Math.floor(y / scale) * CHIP + Math.floor(x / scale)) * 4;
        const dst = (y * W + k * (side + gap) + x) * 4;
        for (let ch = 0; ch < 4; ch++) rgba[dst + ch] = p[src + ch];
      }
    }
  });
  const png = join(outDir, 'segmentation-quicklook.png');
  await writePng(png, W, side, rgba);
  step(`quicklook (image | label | prediction) of ${shown.slice.rowId}: ${png}`);
}

await paired.close();
await labels.close();
await scenes.close();
tf.disposeVariables();
