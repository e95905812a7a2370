/**
 * How the examples score the model against the label raster: on chips (before stitching) and on a
 * stitched prediction raster. Only pixels valid on both sides count; label 255 (no data) never counts.
 */
import type * as TF from '@tensorflow/tfjs';
import { createLoader, type Chip, type GeoSlice } from 'geoslice';
import { loadSlice, openRaster } from 'geoslice/loaders';
import { argmaxClasses, MODEL_CLASSES, predictChip } from './model.js';

/**
 * Pixel accuracy of `model` on the chips of `slices`: the share of pixels valid in both the scene
 * chip and the label raster whose most likely class is the label.
 *
 * @example
 * ```ts
 * const { accuracy, pixels } = await pixelAccuracy(model, heldOutSlices, loader, archive.labels);
 * ```
 */
export async function pixelAccuracy(
  model: TF.LayersModel,
  slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>,
  source: { chips(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>): AsyncIterable<Chip> },
  labelRaster: string,
): Promise<{ accuracy: number; pixels: number }> {
  const labelLoader = createLoader({ sources: [labelRaster], bands: [1], resampling: 'nearest', dtype: 'uint8' });
  let hits = 0;
  let pixels = 0;
  try {
    for await (const chip of source.chips(slices)) {
      const label = await labelLoader.load(chip.slice).catch(() => null);
      if (!label) continue;
      const px = chip.shape[1] * chip.shape[2];
      const cls = argmaxClasses(await predictChip(model, chip), px);
      for (let i = 0; i < px; i++) {
        if (cls[i] === 255 || (label.mask && !label.mask[i]) || label.data[i] >= MODEL_CLASSES) continue;
        pixels++;
        if (cls[i] === label.data[i]) hits++;
      }
    }
  } finally {
    await labelLoader.close();
  }
  return { accuracy: pixels ? hits / pixels : NaN, pixels };
}

/**
 * A stitched class-probability raster (as written by the stitcher for `grid`) compared with the label
 * raster resampled onto the same grid (nearest neighbour): the argmax class map (255 where nothing was
 * predicted), its size, and the pixel accuracy over pixels that have both a prediction and a label.
 *
 * @example
 * ```ts
 * const { accuracy, pixels, classes, width, height } = await stitchedAccuracy('out/prediction.tif', grid, archive.labels);
 * ```
 */
export async function stitchedAccuracy(
  predictionPath: string,
  grid: GeoSlice,
  labelRaster: string,
): Promise<{
  accuracy: number;
  pixels: number;
  classes: Uint8Array;
  width: number;
  height: number;
}> {
  const pred = await openRaster(predictionPath);
  const { width, height } = pred.info;
  let classes: Uint8Array;
  try {
    const probs = await pred.readWindow(
      0,
      0,
      0,
      width,
      height,
      Array.from({ length: MODEL_CLASSES }, (_, c) => c),
    );
    const flat = new Float32Array(MODEL_CLASSES * width * height);
    probs.data.forEach((band, c) => flat.set(band as Float32Array, c * width * height));
    classes = argmaxClasses(flat, width * height);
  } finally {
    await pred.close();
  }
  const truth = await loadSlice([labelRaster], grid, { resampling: 'nearest', dtype: 'uint8' });
  if (truth.shape[1] !== height || truth.shape[2] !== width) {
    throw new Error(
      `${predictionPath} is ${width}x${height} px but the grid is ${truth.shape[2]}x${truth.shape[1]}; pass the stitcher's grid`,
    );
  }
  let hits = 0;
  let pixels = 0;
  for (let i = 0; i < width * height; i++) {
    if (classes[i] === 255 || (truth.mask && !truth.mask[i]) || truth.data[i] >= MODEL_CLASSES) continue;
    pixels++;
    if (classes[i] === truth.data[i]) hits++;
  }
  return { accuracy: pixels ? hits / pixels : NaN, pixels, classes, width, height };
}
