/**
 * The model shared by the examples and `npm run demo`: a small fully-convolutional segmentation network
 * for the sample archive (4-band uint16 chips in, per-pixel probabilities of water / vegetation / bare
 * out), plus what it takes to train and use it with geoslice: labelled batches from the label raster,
 * a fit loop over samplers, per-chip prediction for the stitcher, and saving/loading without `tfjs-node`.
 *
 * Architecture (any chip size, NHWC):
 * ```
 * uint16 [N,H,W,4] ─ LogReflectance ─┬──────────────────┐
 *                                    ├─ 3×3 box filter ─┤ concat [N,H,W,12] ─ 1×1 conv 12→16, relu
 *                                    └─ 7×7 box filter ─┘   ─ 1×1 conv 16→16, relu ─ 1×1 conv 16→3, softmax
 * ```
 * The spatial context comes from fixed box filters (average pooling, stride 1) and the learnt layers
 * are 1×1 convolutions, written as `dense` layers on the channel axis (a dense layer applied to the last
 * axis of `[N,H,W,C]` *is* a 1×1 convolution) — because the pure-JS tfjs backend computes the gradients
 * of trainable 3×3 kernels about a hundred times slower than a matrix product (~2 s for one batch of
 * 16 chips of 32² px), which would not fit the demo's time budget. With `@tensorflow/tfjs-node` a
 * stack of trainable 3×3 convolutions is the better choice.
 *
 * Everything is seeded (initialisers), and fitting does not shuffle, so training is reproducible.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { createLoader, type Batch, type BatchOptions, type Chip, type GeoSlice } from 'geoslice';
import { loadTf, tfDataset, type BatchSource, type Tfjs } from 'geoslice/tfjs';
import { SAMPLE_CLASSES } from './sample-archive.js';

/** Bands the model reads (blue, green, red, nir of the sample scenes). */
export const MODEL_BANDS = 4;
/** Classes the model predicts, in the label raster's order. */
export const MODEL_CLASSES = SAMPLE_CLASSES.length;

/**
 * Options of {@link createModel}.
 *
 * @example
 * ```ts
 * const o: ModelOptions = { seed: 1, learningRate: 0.01 };
 * ```
 */
export interface ModelOptions {
  /** Seed of the weight initialisers. Default 1. */
  seed?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
}

/**
 * Builds and compiles the segmentation model: loss = cross-entropy averaged over labelled pixels
 * only (a target pixel whose one-hot vector is all zeros is ignored), metric `accuracy` = the share
 * of labelled pixels whose most likely class is the label.
 *
 * @example
 * ```ts
 * const model = await createModel({ seed: 1 });
 * model.predict(tf.zeros([1, 32, 32, 4])); // [1, 32, 32, 3]
 * ```
 */
export async function createModel(opts: ModelOptions = {}): Promise<TF.LayersModel> {
  const tf = await loadTf();
  const seed = opts.seed ?? 1;
  const { LogReflectance } = layersOf(tf);
  const input = tf.input({ shape: [null, null, MODEL_BANDS] });
  const x = new LogReflectance().apply(input) as TF.SymbolicTensor;
  const box = (size: number) =>
    tf.layers.averagePooling2d({ poolSize: size, strides: 1, padding: 'same' }).apply(x) as TF.SymbolicTensor;
  const features = tf.layers.concatenate().apply([x, box(3), box(7)]) as TF.SymbolicTensor;
  const pointwise = (units: number, activation: 'relu' | 'softmax', k: number) =>
    tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + k }) });
  const h1 = pointwise(16, 'relu', 1).apply(features) as TF.SymbolicTensor;
  const h2 = pointwise(16, 'relu', 2).apply(h1) as TF.SymbolicTensor;
  const output = pointwise(MODEL_CLASSES, 'softmax', 3).apply(h2) as TF.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'geoslice_sample_segmenter' });
  compileModel(tf, model, opts.learningRate ?? 0.01);
  return model;
}

/**
 * (Re)compiles a model with the masked loss and accuracy of {@link createModel} and a fresh Adam
 * optimiser — needed after {@link loadModel}, before training further.
 *
 * @example
 * ```ts
 * const model = await loadModel('model-out');
 * compileModel(await loadTf(), model, 0.005);
 * ```
 */
export function compileModel(tf: Tfjs, model: TF.LayersModel, learningRate: number): void {
  const loss = (yTrue: TF.Tensor, yPred: TF.Tensor): TF.Scalar =>
    tf.tidy(
      () =>
        tf.div(
          tf.neg(tf.sum(tf.mul(yTrue, tf.log(tf.clipByValue(yPred, 1e-7, 1))))),
          tf.maximum(tf.sum(yTrue), 1),
        ) as TF.Scalar,
    );
  const accuracy = (yTrue: TF.Tensor, yPred: TF.Tensor): TF.Scalar =>
    tf.tidy(() => {
      const hit = tf.sum(tf.mul(yTrue, tf.oneHot(tf.argMax(yPred, -1), MODEL_CLASSES)));
      return tf.div(hit, tf.maximum(tf.sum(yTrue), 1)) as TF.Scalar;
    });
  model.compile({ optimizer: tf.train.adam(learningRate), loss, metrics: [accuracy] });
}

/** The custom layer, created once per tfjs module (tfjs is loaded at run time, see `loadTf`). */
function layersOf(tf: Tfjs): { LogReflectance: new () => TF.layers.Layer } {
  const known = registered.get(tf);
  if (known) return known;
  /** Reflectance (x10000) to a centred log scale: (ln(v) - 7) / 0.6, so ln(v) ≈ 5.3..8.5 maps to about -3..3; no-data (0) → 0. */
  class LogReflectance extends tf.layers.Layer {
    static className = 'LogReflectance';
    override call(inputs: TF.Tensor | TF.Tensor[]): TF.Tensor {
      return tf.tidy(() => {
        const v = Array.isArray(inputs) ? inputs[0] : inputs;
        return tf.where(tf.greater(v, 0), tf.div(tf.sub(tf.log(tf.maximum(v, 1)), 7), 0.6), tf.zerosLike(v));
      });
    }
  }
  tf.serialization.registerClass(LogReflectance);
  const made = { LogReflectance };
  registered.set(tf, made);
  return made;
}
const registered = new WeakMap<Tfjs, { LogReflectance: new () => TF.layers.Layer }>();

/**
 * Labelled batches for `tfDataset`: wraps a batch source (a loader of the scenes) so that every batch
 * also gets its label chips, loaded from the label raster on the same slice grid (nearest
 * neighbour). `labels` turns them into the one-hot target `[N, H, W, C]`; a pixel's target is all
 * zeros — so the masked loss and accuracy ignore it — when the label raster has no data there (255,
 * or outside it), its value is not a class, or the scene chip's mask says the pixel is invalid.
 * Close it to release the label raster.
 *
 * @example
 * ```ts
 * const labelled = labelledBatches(loader, archive.labels);
 * const ds = await tfDataset(slices, labelled, { batchSize: 16, labels: labelled.labels });
 * await model.fitDataset(ds, { epochs: 3 });
 * await labelled.close();
 * ```
 */
export function labelledBatches(
  source: BatchSource,
  labelRaster: string,
): BatchSource & {
  labels: (batch: Batch, tf: Tfjs) => TF.Tensor;
  close(): Promise<void>;
} {
  const labelLoader = createLoader({ sources: [labelRaster], bands: [1], resampling: 'nearest', dtype: 'uint8' });
  const targets = new WeakMap<Batch, Float32Array>();
  return {
    async *batches(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>, opts: BatchOptions): AsyncGenerator<Batch> {
      for await (const batch of source.batches(slices, opts)) {
        const chips = await Promise.all(batch.slices.map((s) => labelLoader.load(s).catch(() => null)));
        targets.set(batch, oneHotTargets(batch, chips));
        yield batch;
      }
    },
    labels(batch, tf) {
      const t = targets.get(batch);
      if (!t) throw new Error('labelledBatches: this batch did not come from the labelled source');
      const [n, , h, w] = batch.shape;
      return tf.tensor4d(t, [n, h, w, MODEL_CLASSES]);
    },
    close: () => labelLoader.close(),
  };
}

/** One-hot `[N, H, W, C]` targets of a batch from its label chips (null = no labels there). */
function oneHotTargets(batch: Batch, labels: (Chip | null)[]): Float32Array {
  const [n, , h, w] = batch.shape;
  const px = h * w;
  const out = new Float32Array(n * px * MODEL_CLASSES);
  labels.forEach((chip, k) => {
    if (!chip) return;
    for (let i = 0; i < px; i++) {
      const c = chip.data[i];
      if (!batch.mask[k * px + i] || (chip.mask && !chip.mask[i]) || c >= MODEL_CLASSES) continue;
      out[(k * px + i) * MODEL_CLASSES + c] = 1;
    }
  });
  return out;
}

/**
 * Options of {@link fitModel}.
 *
 * @example
 * ```ts
 * const o: FitOptions = { epochs: 6, batchSize: 16, onEpochEnd: (e, logs) => console.log(e, logs.loss) };
 * ```
 */
export interface FitOptions {
  epochs: number;
  /** Chips per batch. Default 16. */
  batchSize?: number;
  /** Called after each epoch with its number (from 0) and the mean `loss` and `accuracy` over its batches. */
  onEpochEnd?: (epoch: number, logs: { loss: number; accuracy: number }) => void;
}

/**
 * Fits `model` for `opts.epochs` epochs on chips loaded by `loader` (scene pixels) and labelled from
 * `labelRaster`: `slicesFor(epoch)` gives each epoch's slices (a re-seeded sampler for fresh chips, or
 * the same array every time), which go through {@link labelledBatches} and `tfDataset` into
 * `model.fitDataset`. Slices the loader cannot load (no data under them) are skipped when the loader
 * was created with `onError`. Continues from the model's current weights, so calling it again trains further.
 *
 * @example
 * ```ts
 * const model = await createModel({ seed: 1 });
 * await fitModel(model, (epoch) => randomSampler(july, { crs: 'EPSG:32632', size: 32, length: 96, seed: 'train', epoch }), loader, archive.labels, { epochs: 5 });
 * ```
 */
export async function fitModel(
  model: TF.LayersModel,
  slicesFor: (epoch: number) => Iterable<GeoSlice> | AsyncIterable<GeoSlice>,
  loader: BatchSource,
  labelRaster: string,
  opts: FitOptions,
): Promise<void> {
  const labelled = labelledBatches(loader, labelRaster);
  let epoch = 0;
  try {
    const dataset = await tfDataset(() => slicesFor(epoch++), labelled, {
      batchSize: opts.batchSize ?? 16,
      labels: labelled.labels,
    });
    const onEpochEnd = opts.onEpochEnd;
    await model.fitDataset(dataset, {
      epochs: opts.epochs,
      verbose: 0,
      callbacks: onEpochEnd
        ? { onEpochEnd: async (e, logs) => onEpochEnd(e, { loss: logs?.loss ?? NaN, accuracy: logs?.accuracy ?? NaN }) }
        : undefined,
    });
  } finally {
    await labelled.close();
  }
}

/**
 * Class probabilities of one chip as `[C, h, w]` (what the stitcher and `writePredictions` take),
 * NaN where the chip's mask marks a pixel invalid.
 *
 * @example
 * ```ts
 * const probs = await predictChip(model, chip);
 * stitcher.add(chip.slice, probs, { mask: chip.mask });
 * ```
 */
export async function predictChip(model: TF.LayersModel, chip: Chip): Promise<Float32Array> {
  const tf = await loadTf();
  const [, h, w] = chip.shape;
  const px = h * w;
  const nhwc = tf.tidy(() => {
    const x = tf.transpose(tf.tensor3d(Float32Array.from(chip.data), [MODEL_BANDS, h, w]), [1, 2, 0]).expandDims(0);
    return model.predict(x) as TF.Tensor;
  });
  const p = (await nhwc.data()) as Float32Array;
  nhwc.dispose();
  const out = new Float32Array(MODEL_CLASSES * px);
  for (let i = 0; i < px; i++) {
    const valid = !chip.mask || chip.mask[i];
    for (let c = 0; c < MODEL_CLASSES; c++) out[c * px + i] = valid ? p[i * MODEL_CLASSES + c] : NaN;
  }
  return out;
}

/**
 * Argmax class of each pixel of a `[C, h, w]` probability array (255 where the pixel is NaN).
 *
 * @example
 * ```ts
 * argmaxClasses(await predictChip(model, chip), 32 * 32); // Uint8Array(1024)
 * ```
 */
export function argmaxClasses(probs: ArrayLike<number>, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    let best = 0;
    for (let c = 1; c < MODEL_CLASSES; c++) if (probs[c * pixels + i] > probs[best * pixels + i]) best = c;
    out[i] = Number.isNaN(probs[i]) ? 255 : best;
  }
  return out;
}

/**
 * Saves a model as `model.json` + `weights.bin` in `dir` with a tfjs save handler, so it works with
 * the pure-JS tfjs (whose `model.save('file://…')` needs `tfjs-node`). Read it back with {@link loadModel}.
 *
 * @example
 * ```ts
 * await saveModel(model, 'out/model'); // out/model/model.json, out/model/weights.bin
 * ```
 */
export async function saveModel(model: TF.LayersModel, dir: string): Promise<void> {
  const tf = await loadTf();
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      await writeFile(join(dir, 'weights.bin'), weights);
      const manifest = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength },
      };
    }),
  );
}

/**
 * Loads a model saved by {@link saveModel} (uncompiled: call {@link compileModel} before training it further).
 *
 * @example
 * ```ts
 * const model = await loadModel('out/model');
 * const probs = await predictChip(model, chip);
 * ```
 */
export async function loadModel(dir: string): Promise<TF.LayersModel> {
  const tf = await loadTf();
  layersOf(tf);
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: TF.io.ModelArtifacts['modelTopology'];
    weightsManifest: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[];
  };
  const bytes = await readFile(join(dir, 'weights.bin'));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest[0].weights,
      weightData,
    }),
  );
}
