/**
 * Active learning: three rounds of score → write uncertainty into the catalog → select → label → retrain.
 *
 * Set-up: the July scenes of the sample archive are split into a pool area (north of 47.16°N) and a
 * held-out strip (south of 47.15°N). The unlabelled pool is 160 random 32×32 chips of the pool area;
 * the held-out set is 48 random chips of the strip, never trained on. Round 0 trains the model of
 * `model.ts` on 8 pool chips. Each round then
 * 1. scores every unlabelled pool chip with the model (class probabilities per pixel),
 * 2. writes the per-chip predictions and uncertainty (entropy, variance, margin, model_id, round)
 *    into a new catalog version, `catalog-round<r>.parquet`, with `writePredictions`,
 * 3. picks the 8 chips of highest mean entropy at least 1.5 km apart with `selectForLabeling`,
 * 4. "labels" them from the ground-truth label raster (standing in for a human annotator),
 * 5. retrains: continues fitting the same model on the grown labelled set,
 * and prints the pixel accuracy on the held-out set. Training is seeded and unshuffled, so the run is
 * reproducible; each round trains long enough (10 epochs over all labelled chips) that adding chips
 * does not lower the held-out accuracy.
 *
 * Usage: `node --import tsx examples/active-learning.ts [outDir]` (default `examples-output/active-learning`).
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SAMPLE_CLASSES } from './sample-archive.js';
import { openSampleScenes } from './sample-scenes.js';
import { createModel, fitModel, predictChip } from './model.js';
import { pixelAccuracy } from './evaluate.js';
import {
  openCatalog,
  randomSampler,
  selectForLabeling,
  sliceFromRow,
  writePredictions,
  type BBox,
  type GeoSlice,
  type PredictionResult,
} from 'geoslice';
import { loadSlice } from 'geoslice/loaders';

const outDir = resolve(process.argv[2] ?? join('examples-output', 'active-learning'));
const CHIP = 32;
const RES: [number, number] = [30, 30];
const POOL_AREA: BBox = [11.75, 47.16, 12.25, 47.35];
const HELD_OUT_AREA: BBox = [11.75, 47.1, 12.25, 47.15];
const ROUNDS = 3;
const PER_ROUND = 8;
const EPOCHS = 10;
const MODEL_ID = 'sample-segmenter';
const t0 = Date.now();
const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await mkdir(outDir, { recursive: true });
const scenes = await openSampleScenes(outDir);
const { archive, july, loader } = scenes;

const key = (s: GeoSlice) => `${s.crs}:${s.bounds.join(',')}`;
const drawn = async (it: AsyncIterable<GeoSlice>) => {
  const out: GeoSlice[] = [];
  for await (const s of it) out.push(s);
  return out;
};
const pool = await drawn(
  randomSampler(july, { crs: 'native', size: CHIP, resolution: RES, length: 160, seed: 'pool', roi: POOL_AREA }),
);
const heldOut = await drawn(
  randomSampler(july, {
    crs: 'native',
    size: CHIP,
    resolution: RES,
    length: 48,
    seed: 'held-out',
    roi: HELD_OUT_AREA,
  }),
);
const labelled: GeoSlice[] = pool.slice(0, PER_ROUND);
const unlabelled = new Map(pool.slice(PER_ROUND).map((s) => [key(s), s]));

const model = await createModel({ seed: 1 });
const train = () => fitModel(model, () => labelled, loader, archive.labels, { epochs: EPOCHS });
const heldOutAccuracy = async () => (await pixelAccuracy(model, heldOut, loader, archive.labels)).accuracy;
await train();
const accuracies = [await heldOutAccuracy()];
const sizes = [labelled.length];
step(`round 0: trained on ${labelled.length} chips; held-out pixel accuracy ${accuracies[0].toFixed(4)}`);

for (let round = 1; round <= ROUNDS; round++) {
  // 1-2. Score the unlabelled pool; write predictions + uncertainty as a new catalog version.
  const results: PredictionResult[] = [];
  for await (const chip of loader.chips(unlabelled.values()))
    results.push({ slice: chip.slice, prediction: await predictChip(model, chip) });
  const version = await writePredictions(july, results, {
    out: join(outDir, `catalog-round${round}.parquet`),
    level: 'slice',
    modelId: MODEL_ID,
    round,
    overwrite: true,
  });
  // 3. Select the most uncertain chips, spread out.
  const picked = await selectForLabeling(await openCatalog(version.path), {
    k: PER_ROUND,
    by: 'entropy',
    minSpacing: 1500,
  });
  const selected: GeoSlice[] = [];
  for await (const row of picked.rows()) selected.push(sliceFromRow(row)); // the row's exact slice (slice_* columns)
  // 4. "Label" them: the annotator's answer is the label raster under each chip.
  const counts = SAMPLE_CLASSES.map(() => 0);
  for (const s of selected) {
    const truth = await loadSlice([archive.labels], s, { resampling: 'nearest', dtype: 'uint8' });
    truth.data.forEach((c, i) => {
      if ((!truth.mask || truth.mask[i]) && c < counts.length) counts[c]++;
    });
    unlabelled.delete(key(s));
    labelled.push(s);
  }
  // 5. Retrain on everything labelled so far and measure.
  await train();
  accuracies.push(await heldOutAccuracy());
  sizes.push(labelled.length);
  step(
    `round ${round}: scored ${results.length} pool chips -> ${version.path}; labelled ${selected.length} chips ` +
      `(${SAMPLE_CLASSES.map((c, i) => `${c} ${counts[i]}`).join(', ')} px); ${labelled.length} labelled; held-out pixel accuracy ${accuracies[round].toFixed(4)}`,
  );
}
await scenes.close();

console.log('\nheld-out pixel accuracy per round');
console.table(accuracies.map((a, r) => ({ round: r, 'labelled chips': sizes[r], 'held-out accuracy': +a.toFixed(4) })));
