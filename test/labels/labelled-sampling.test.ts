// Sampling where labels are: raster and vector catalogs intersect and union like any catalogs;
// restrictToLabels keeps chips inside the labelled polygons; stratifyByClass balances the chips by
// their dominant class, checked against the burnt image's content (not the rasterizer).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GeoCatalog } from '../../src/catalog/types.js';
import { stratifyByClass } from '../../src/labels/class-strata.js';
import { restrictToLabels } from '../../src/labels/labelled-region.js';
import { createLoader } from '../../src/loaders/loader.js';
import { randomSampler } from '../../src/samplers/random.js';
import { burntScene } from './burnt-scene.js';

let dir = '';
let imagery: GeoCatalog;
let labels: GeoCatalog;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-labelled-'));
  ({ imagery, labels } = await burntScene(dir));
});
after(async () => {
  await imagery?.close();
  await labels?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('raster and vector catalogs intersect and union', async () => {
  const pairs = imagery.intersect(labels, { spatialOnly: true });
  assert.equal(await pairs.count(), 3);
  const both = imagery.union(labels);
  const kinds: string[] = [];
  for await (const r of both.rows()) {
    kinds.push(r.backend);
    assert.ok(!('backend' in r.extras), 'backend is a core column, not an extra');
  }
  assert.deepEqual(kinds.sort(), ['raster', 'vector', 'vector', 'vector']);
});

/** Class of each pixel from the burnt image (10 = none). */
const classOf = (v: number) => (v === 10 ? 0 : (v - 100) / 50);

test('restrictToLabels: chips fall inside labelled areas', async () => {
  const restricted = await restrictToLabels(imagery, labels);
  const loader = createLoader({ catalog: imagery });
  try {
    const share = async (cat: GeoCatalog) => {
      let labelled = 0;
      let total = 0;
      for await (const chip of loader.chips(randomSampler(cat, { size: 8, length: 60, seed: 4 }))) {
        for (const v of chip.data) {
          total++;
          if (classOf(v) > 0) labelled++;
        }
      }
      return labelled / total;
    };
    const before = await share(imagery);
    const after = await share(restricted);
    assert.ok(before < 0.6, `unrestricted labelled share ${before}`);
    assert.ok(after > 0.97, `restricted labelled share ${after}`);
  } finally {
    await loader.close();
    await restricted.close();
  }
});

test('stratifyByClass yields perClass chips per dominant class', async () => {
  const loader = createLoader({ catalog: imagery });
  try {
    const counts = new Map<number, number>();
    const candidates = randomSampler(imagery, { size: 16, length: 3000, seed: 9 });
    for await (const s of stratifyByClass(candidates, {
      catalog: labels,
      attribute: 'class_id',
      classes: [1, 2, 3],
      perClass: 6,
    })) {
      const chip = await loader.load(s);
      const hist = [0, 0, 0, 0];
      for (const v of chip.data) hist[classOf(v)]++;
      const dominant = [1, 2, 3].sort((a, b) => hist[b] - hist[a])[0];
      assert.equal(s.classId, dominant);
      counts.set(s.classId, (counts.get(s.classId) ?? 0) + 1);
    }
    assert.deepEqual([...counts].sort(), [
      [1, 6],
      [2, 6],
      [3, 6],
    ]);
  } finally {
    await loader.close();
  }
});
