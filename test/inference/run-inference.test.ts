import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import type { InferenceError } from '../../src/errors.js';
import { type ModelFunction, runInference } from '../../src/inference/index.js';
import { SCENE, tileStarts, writeScene } from '../fixtures/inference/scene.js';
import { gdalMissing, readWithGdal } from '../fixtures/stitch/gdal-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-infer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const scene = writeScene(dir);
const { width: W, height: H } = SCENE;
const PLANE = W * H;

/** Output band k of a chip = input band k of the chip (a model that copies its input). */
const copyBands: ModelFunction = ({ data, shape: [n, c, h, w] }) => {
  const out = new Float32Array(n * h * w * c);
  for (let k = 0; k < n; k++)
    for (let b = 0; b < c; b++)
      for (let p = 0; p < h * w; p++) out[(k * h * w + p) * c + b] = data[(k * c + b) * h * w + p];
  return { data: out, shape: [n, h, w, c] };
};

/** Tiles (64 px, overlap 16) covering pixel (x, y), by brute force over the tile layout. */
function tilesCovering(x: number, y: number): number {
  const xs = tileStarts(W, 64, 48).filter((s) => x >= s && x < s + 64).length;
  const ys = tileStarts(H, 64, 48).filter((s) => y >= s && y < s + 64).length;
  return xs * ys;
}

const inHole = (p: number) => Math.floor(p / W) < SCENE.hole.rows && p % W < SCENE.hole.cols;

function sha256(a: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

for (const blend of ['cosine', 'first', 'last'] as const) {
  test(`runInference (${blend}): a copying model reproduces the selected band exactly, count band = tiles per pixel, COGs pass GDAL's validator`, {
    skip: gdalMissing,
  }, async () => {
    const out = join(dir, `copy-${blend}.tif`);
    const seen: number[] = [];
    const r = await runInference({
      source: scene.path,
      model: copyBands,
      out,
      tile: 64,
      overlap: 16,
      bands: [3, 1],
      blend,
      values: 'regression',
      batchSize: 5,
      onProgress: (p) => seen.push(p.done),
    });
    assert.equal(r.chips, tileStarts(W, 64, 48).length * tileStarts(H, 64, 48).length);
    assert.equal(r.resumedChips, 0);
    assert.equal(r.coveredPixels, PLANE - SCENE.hole.rows * SCENE.hole.cols);
    assert.equal(seen.at(-1), r.chips);
    assert.ok(!existsSync(`${out}.resume`), 'the journal is deleted after a finished run');
    const [pred, unc] = readWithGdal([r.prediction, r.uncertainty!]);
    for (const f of [pred, unc]) assert.deepEqual(f.cog_errors, [], `${f.path}: ${JSON.stringify(f.cog_errors)}`);
    assert.deepEqual([pred.width, pred.height, pred.count, pred.epsg], [W, H, 2, '32633']);
    assert.deepEqual(pred.transform, [SCENE.x0, SCENE.res, 0, SCENE.y1, 0, -SCENE.res]);
    assert.deepEqual(unc.descriptions, ['variance', 'count']);
    // Expected bands: input bands 3 and 1 as rasterio read them, NaN in the nodata corner.
    [3, 1].forEach((band, i) => {
      const want = scene.values.slice((band - 1) * PLANE, band * PLANE);
      for (let p = 0; p < PLANE; p++) if (inHole(p)) want[p] = NaN;
      assert.equal(pred.hashes[i], sha256(want), `band ${i + 1} = input band ${band}`);
    });
    const count = new Float32Array(PLANE);
    for (let p = 0; p < PLANE; p++) count[p] = inHole(p) ? 0 : tilesCovering(p % W, Math.floor(p / W));
    assert.equal(unc.hashes[1], sha256(count), 'count band');
  });
}

test('runInference inverse-variance: μ = band 1, σ = 1 + |band 2| from every tile merge to μ and σ/√count', async () => {
  const model: ModelFunction = ({ data, shape: [n, c, h, w] }) => {
    const out = new Float32Array(n * h * w * 2);
    for (let k = 0; k < n; k++)
      for (let p = 0; p < h * w; p++) {
        out[(k * h * w + p) * 2] = data[k * c * h * w + p];
        out[(k * h * w + p) * 2 + 1] = 1 + Math.abs(data[(k * c + 1) * h * w + p]);
      }
    return { data: out, shape: [n, h, w, 2] };
  };
  const out = join(dir, 'ivw.tif');
  const r = await runInference({
    source: scene.path,
    model,
    out,
    tile: 64,
    overlap: 16,
    blend: 'inverse-variance',
    batchSize: 8,
  });
  const { readRaster } = await rasterReader();
  const mu = await readRaster(r.prediction, 0);
  const sigma = await readRaster(r.uncertainty!, 0);
  const count = await readRaster(r.uncertainty!, 1);
  for (let p = 0; p < PLANE; p++) {
    if (inHole(p)) {
      assert.ok(Number.isNaN(mu[p]) && Number.isNaN(sigma[p]) && count[p] === 0);
      continue;
    }
    const n = tilesCovering(p % W, Math.floor(p / W));
    assert.equal(count[p], n);
    const s = Math.fround(1 + Math.abs(scene.values[PLANE + p]));
    assert.ok(Math.abs(mu[p] - scene.values[p]) <= 1e-6 * Math.max(1, Math.abs(scene.values[p])), `μ at ${p}`);
    assert.ok(Math.abs(sigma[p] - s / Math.sqrt(n)) <= 1e-6 * s, `σ at ${p}: ${sigma[p]} vs ${s / Math.sqrt(n)}`);
  }
});

test('runInference on a catalog writes the per-tile predictions back as a new catalog version', async () => {
  const built = await buildRasterCatalog(scene.path, { out: join(dir, 'scene.parquet') });
  await built.catalog.close();
  const r = await runInference({
    source: join(dir, 'scene.parquet'),
    model: copyBands,
    out: join(dir, 'cat-pred.tif'),
    tile: 64,
    overlap: 16,
    bands: [1],
    values: 'regression',
    predictions: { out: join(dir, 'preds.parquet'), modelId: 'copy' },
  });
  const tiles = tileStarts(W, 64, 48).length * tileStarts(H, 64, 48).length;
  assert.equal(r.chips, tiles);
  assert.equal(r.catalog?.rows, tiles, 'every tile has valid pixels, so every tile gets a row');
  const { openCatalog } = await import('../../src/catalog/open.js');
  const preds = await openCatalog(join(dir, 'preds.parquet'));
  const rows = await preds.aggregate(
    'SELECT count(*) AS n, min(pixel_count) AS px, any_value(model_id) AS m FROM catalog',
  );
  await preds.close();
  assert.equal(Number(rows[0].n), tiles);
  assert.equal(rows[0].m, 'copy');
});

test('runInference refuses bad options, a raster write-back, and a journal it did not write', async () => {
  const base = { source: scene.path, model: copyBands, tile: 64, overlap: 16 };
  await assert.rejects(
    runInference({ ...base, out: join(dir, 'x.tif'), overlap: 64 }),
    (e: InferenceError) => e.code === 'BAD_OPTION',
  );
  await assert.rejects(
    runInference({ ...base, out: join(dir, 'x.tif'), batchSize: 0 }),
    (e: InferenceError) => e.code === 'BAD_OPTION',
  );
  await assert.rejects(
    runInference({ ...base, out: join(dir, 'x.tif'), predictions: { out: join(dir, 'p.parquet'), modelId: 'm' } }),
    (e: InferenceError) => e.code === 'BAD_OPTION' && /catalog source/.test(e.message),
  );
  await assert.rejects(
    runInference({
      ...base,
      out: join(dir, 'x.tif'),
      model: ({ shape: [n, , h, w] }) => ({ data: new Float32Array(n * h * w * 3), shape: [n, h, w, 3] }),
      blend: 'inverse-variance',
    }),
    (e: InferenceError) => e.code === 'BAD_OUTPUT' && /3 bands/.test(e.message),
  );
});

/** Reads one band of a GeoTIFF as float32 with geoslice's reader (the files were validated against GDAL above). */
async function rasterReader() {
  const { openRaster } = await import('../../src/loaders/raster.js');
  return {
    async readRaster(path: string, band: number): Promise<Float32Array> {
      const r = await openRaster(path);
      try {
        const win = await r.readWindow(0, 0, 0, r.info.width, r.info.height, [band]);
        return Float32Array.from(win.data[0] as ArrayLike<number>);
      } finally {
        await r.close();
      }
    },
  };
}
