import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomSampler } from '../../src/samplers/random.js';
import { generatorCatalog, sceneRow } from './helpers.js';

const N = 1_000_000;

test('a 10^6-row catalog streams through randomSampler with peak RSS growth < 100 MB', async (t) => {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  // Rows are generated on the fly (1024 footprint shapes, distinct ids and extras) and never kept
  // by the catalog, so memory growth is the sampler's. Keeping every row would take > 300 MB.
  const shapes = Array.from({ length: 1024 }, (_, k) => {
    const x = (k % 360) - 180;
    const y = (k % 120) - 60;
    return sceneRow('shape', [x, y, x + 0.05 + (k % 7) * 0.005, y + 0.05]);
  });
  const cat = generatorCatalog(N, (i) => {
    if (i % 10_000 === 0) sample();
    return { ...shapes[i % 1024], id: `scene-${i}`, extras: { u: (i % 13) + 1 } };
  });
  // Warm-up: two plain passes, so that the heap growth V8 needs for the generator's own churn (and
  // JIT) is in the baseline (one pass is not enough: a second one still grows RSS by ~50 MB); what
  // remains is the sampler's.
  for (let pass = 0; pass < 2; pass++) for await (const row of cat.rows()) if (row.id === '') assert.fail('empty id');
  for (const weight of ['area'] as const) {
    const before = process.memoryUsage.rss();
    peak = before;
    let n = 0;
    const rows = new Set<string>();
    for await (const s of randomSampler(cat, { size: 32, resolution: 0.0001, length: 10_000, seed: 1, weight })) {
      n++;
      rows.add(s.rowId!);
      sample();
    }
    assert.equal(n, 10_000);
    assert.ok(rows.size > 9_000, `draws spread over ${rows.size} rows`);
    const growth = (peak - before) / 2 ** 20;
    t.diagnostic(`peak RSS growth ${growth.toFixed(1)} MB (weight ${weight}, length 10^4, 10^6 rows)`);
    assert.ok(growth < 100, `peak RSS grew by ${growth.toFixed(1)} MB with weight ${weight}`);
  }
});
