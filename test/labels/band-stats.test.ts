// computeBandStats against numpy over rasterio's masked reads (exact mode: count, mean, std, min,
// max and percentiles equal, on byte and float32 rasters), the overview mode close to it,
// normalizeChip, and the seeded augmentations (checked by brute force on small arrays).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import type { GeoCatalog } from '../../src/catalog/types.js';
import { augment, pickAugmentation } from '../../src/labels/augment.js';
import { computeBandStats, normalizeChip, readBandStats, readCatalogBandStats } from '../../src/labels/band-stats.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { Chip } from '../../src/loaders/chip.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/labels/numpy_stats.py', import.meta.url));
const FILES = [`${SHARED}cog/RGB.byte.tif`, `${SHARED}cog/m_3607824_se_17_1_20160620_sub.tif`];
const COG = `${SHARED}cog/cog.tif`; // DEFLATE with 4 overviews
const skip = !existsSync(FILES[0]) && 'shared fixtures absent (../shared/fixtures)';
let dir = '';
let catalog: GeoCatalog;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-stats-'));
  if (skip) return;
  catalog = (await buildRasterCatalog(FILES, { out: join(dir, 'c.parquet'), workers: 0, progress: false })).catalog;
});
after(async () => {
  await catalog?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('exact band statistics equal numpy over rasterio masked reads', { skip }, async (t) => {
  const ref = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, ...FILES], { encoding: 'utf8' }));
  const path = join(dir, 'c.parquet');
  const version = join(dir, 'c-with-stats.parquet');
  const stats = await computeBandStats(catalog, { bands: [1, 2, 3], exact: true, save: path, catalogOut: version });
  assert.deepEqual(readBandStats(path), stats);
  // The new catalog version: the same rows, the statistics in its footer, read back for normalizeChip.
  assert.deepEqual(await readCatalogBandStats(version), stats);
  assert.equal(await readCatalogBandStats(path), null, 'the original catalog is untouched');
  const reopened = await openCatalog(version);
  try {
    assert.deepEqual((await reopened.aggregate('SELECT list(id ORDER BY id) AS ids FROM catalog'))[0].ids, [
      ...((await catalog.aggregate('SELECT list(id ORDER BY id) AS ids FROM catalog'))[0].ids as string[]),
    ]);
  } finally {
    await reopened.close();
  }
  stats.forEach((s, b) => {
    const r = ref[b];
    assert.equal(s.count, r.count);
    for (const k of ['mean', 'std', 'min', 'max'] as const)
      assert.ok(Math.abs(s[k] - r[k]) < 1e-9 * Math.max(1, r[k]), `band ${b} ${k}: ${s[k]} vs ${r[k]}`);
    for (const q of ['1', '2', '50', '98', '99'])
      assert.ok(
        Math.abs(s.percentiles[q] - r.percentiles[q]) <= 1e-9 * Math.max(1, Math.abs(r.percentiles[q])),
        `band ${b} p${q}: ${s.percentiles[q]} vs ${r.percentiles[q]}`,
      );
    t.diagnostic(
      `band ${b + 1}: mean ${s.mean.toFixed(3)} std ${s.std.toFixed(3)} p2 ${s.percentiles['2']} p98 ${s.percentiles['98']}`,
    );
  });
});

test('exact percentiles of a float32 raster equal numpy; the distinct-value guard refuses beyond its limit', {
  skip,
}, async () => {
  const file = `${SHARED}cog/bremen_sea_ice_conc_2022_9_9.tif`;
  const { catalog: floats } = await buildRasterCatalog([file], {
    out: join(dir, 'float.parquet'),
    workers: 0,
    progress: false,
  });
  try {
    const [ref] = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, file], { encoding: 'utf8' }));
    const qs = [0, 1, 2, 25, 50, 75, 98, 99, 100];
    const [s] = await computeBandStats(floats, { exact: true, percentiles: qs });
    assert.equal(s.count, ref.count);
    for (const q of ['1', '2', '50', '98', '99'])
      assert.ok(
        Math.abs(s.percentiles[q] - ref.percentiles[q]) <= 1e-9 * Math.max(1, Math.abs(ref.percentiles[q])),
        `p${q}: ${s.percentiles[q]} vs ${ref.percentiles[q]}`,
      );
    assert.equal(s.percentiles['0'], ref.min);
    assert.equal(s.percentiles['100'], ref.max);
    await assert.rejects(computeBandStats(floats, { exact: true, maxDistinctValues: 10 }), {
      code: 'TOO_MANY_VALUES',
    });
  } finally {
    await floats.close();
  }
});

test('statistics from overviews are close to the exact ones', { skip }, async (t) => {
  const { catalog: cog } = await buildRasterCatalog([COG], {
    out: join(dir, 'cog.parquet'),
    workers: 0,
    progress: false,
  });
  try {
    const [ref] = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, COG], { encoding: 'utf8' }));
    const [exact] = await computeBandStats(cog, { exact: true });
    assert.equal(exact.count, ref.count);
    assert.ok(Math.abs(exact.mean - ref.mean) < 1e-9 * ref.mean);
    const [approx] = await computeBandStats(cog, { overviewPixels: 256 });
    assert.ok(approx.count < exact.count / 16, 'read from an overview');
    assert.ok(Math.abs(approx.mean - ref.mean) < 0.05 * ref.std, `overview mean ${approx.mean} vs ${ref.mean}`);
    t.diagnostic(
      `overview: ${approx.count} pixels, mean ${approx.mean.toFixed(2)} (exact ${ref.mean.toFixed(2)} over ${ref.count})`,
    );
  } finally {
    await cog.close();
  }
});

test('normalizeChip standardises per band and zeroes invalid pixels', () => {
  const chip: Chip = {
    slice: { bounds: [0, 0, 2, 1], crs: 'EPSG:3857', resolution: [1, 1] },
    data: Float32Array.of(10, 20, 1, 3),
    shape: [2, 1, 2],
    mask: Uint8Array.of(1, 0),
  };
  const stats = [
    { band: 'a', count: 1, mean: 10, std: 5, min: 0, max: 0, percentiles: { '2': 0, '98': 20 } },
    { band: 'b', count: 1, mean: 2, std: 0.5, min: 0, max: 0, percentiles: { '2': 1, '98': 3 } },
  ];
  assert.deepEqual(Array.from(normalizeChip(chip, stats)), [0, 0, -2, 0]);
  assert.deepEqual(Array.from(normalizeChip(chip, stats, { range: [2, 98] })), [0.5, 0, 0, 0]);
  assert.throws(() => normalizeChip(chip, stats.slice(0, 1)), { code: 'BAD_STATS' });
});

test('augmentations: the eight symmetries, identical on image and label, seeded', () => {
  const h = 3;
  const w = 3;
  const img = Float32Array.from({ length: 2 * h * w }, (_, i) => i);
  const at = (a: ArrayLike<number>, p: number, r: number, c: number, ww = w) => a[p * h * w + r * ww + c];
  // One quarter turn counter-clockwise: the top-right pixel goes to the top-left.
  const r1 = augment(img, [2, h, w], { flip: false, rot: 1 }).data;
  assert.equal(at(r1, 0, 0, 0), at(img, 0, 0, w - 1));
  assert.equal(at(r1, 1, h - 1, 0), at(img, 1, 0, 0));
  const flip = augment(img, [2, h, w], { flip: true, rot: 0 }).data;
  assert.equal(at(flip, 0, 1, 0), at(img, 0, 1, w - 1));
  // Four quarter turns, or two flips, give the input back; all eight symmetries differ.
  let x = img;
  for (let k = 0; k < 4; k++) x = augment(x, [2, h, w], { flip: false, rot: 1 }).data;
  assert.deepEqual(x, img);
  const seen = new Set<string>();
  for (const f of [false, true])
    for (const rot of [0, 1, 2, 3] as const) seen.add(augment(img, [2, h, w], { flip: f, rot }).data.join());
  assert.equal(seen.size, 8);
  // Image and label stay aligned: the label (band 0 > 8) follows the pixels.
  const label = Uint8Array.from({ length: h * w }, (_, i) => (img[i] > 4 ? 1 : 0));
  for (let k = 0; k < 20; k++) {
    const t = pickAugmentation(3, `s${k}`);
    assert.deepEqual(pickAugmentation(3, `s${k}`), t);
    const a = augment(img, [2, h, w], t).data;
    const l = augment(label, [1, h, w], t).data;
    assert.ok(l instanceof Uint8Array);
    for (let i = 0; i < h * w; i++) assert.equal(l[i], a[i] > 4 ? 1 : 0);
  }
  assert.throws(() => augment(new Float32Array(6), [2, 3], { flip: false, rot: 1 }), { code: 'BAD_SHAPE' });
  assert.equal(pickAugmentation(1, 'x', false).rot % 2, 0);
});
