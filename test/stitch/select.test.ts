import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { selectForLabeling } from '../../src/stitch/select-for-labeling.js';

/** A 0.001-degree square row at (lon, lat) with uncertainty columns. */
function row(id: string, lon: number, lat: number, extras: Record<string, unknown>): CatalogRow {
  const bbox: [number, number, number, number] = [lon - 0.0005, lat - 0.0005, lon + 0.0005, lat + 0.0005];
  return {
    id,
    assets: { img: { href: `${id}.tif` } },
    geometry: writeWkb(bboxToPolygon(bbox)),
    bbox,
    tmin: null,
    tmax: null,
    crs: 'EPSG:32633',
    backend: 'raster',
    extras,
  };
}

async function ids(cat: { rows(): AsyncIterable<CatalogRow> }): Promise<string[]> {
  const out: string[] = [];
  for await (const r of cat.rows()) out.push(r.id);
  return out;
}

// A row of 10 candidates 100 m apart along the equator (0.000898315 degrees of longitude = 100 m).
const STEP = 100 / ((6371008.8 * Math.PI) / 180);
const line = Array.from({ length: 10 }, (_, i) =>
  row(`r${i}`, 10 + i * STEP, 0, {
    entropy: [0.9, 0.95, 0.1, 0.5, 0.7, 0.3, 0.8, 0.2, 0.6, 0.4][i],
    margin: i / 10,
    variance: i === 4 ? null : i,
    zone: i < 5 ? 'a' : 'b',
  }),
);

test('top-k by entropy (highest first), by margin (lowest first), by variance (NULL never picked)', async () => {
  const cat = catalogFromRows(line);
  assert.deepEqual(await ids(await selectForLabeling(cat, { k: 3, by: 'entropy' })), ['r1', 'r0', 'r6']);
  assert.deepEqual(await ids(await selectForLabeling(cat, { k: 2, by: 'margin' })), ['r0', 'r1']);
  const v = await ids(await selectForLabeling(cat, { k: 10, by: 'variance' }));
  assert.equal(v.length, 9);
  assert.ok(!v.includes('r4'));
  const sel = await selectForLabeling(cat, { k: 2 });
  const rows: CatalogRow[] = [];
  for await (const r of sel.rows()) rows.push(r);
  assert.deepEqual(
    rows.map((r) => r.extras.selection_rank),
    [1, 2],
  );
  assert.deepEqual(rows[0].assets, { img: { href: 'r1.tif' } }, 'picked rows keep their columns');
});

test('minSpacing is metres of great-circle distance between footprint centres', async () => {
  const cat = catalogFromRows(line);
  // entropy order: r1 r0 r6 r4 r8 r3 r9 r5 r7 r2. With 250 m spacing r0 (100 m from r1) is skipped,
  // r6 is 500 m away, r4 300 m from r1 and 200 m from r6 -> skipped, r8 200 m from r6 -> skipped, r3 200 m from r1 -> skipped...
  assert.deepEqual(await ids(await selectForLabeling(cat, { k: 10, by: 'entropy', minSpacing: 250 })), [
    'r1',
    'r6',
    'r9',
  ]);
  // 99 m spacing lets neighbours 100 m apart through
  assert.equal((await ids(await selectForLabeling(cat, { k: 10, minSpacing: 99 }))).length, 10);
  // across the antimeridian: 179.9995 and -179.9995 are ~111 m apart
  const am = catalogFromRows([
    row('e', 179.9995, 0, { entropy: 1 }),
    row('w', -179.9995, 0, { entropy: 0.5 }),
    row('far', 0, 0, { entropy: 0.1 }),
  ]);
  assert.deepEqual(await ids(await selectForLabeling(am, { k: 3, minSpacing: 200 })), ['e', 'far']);
});

test('per-stratum quotas', async () => {
  const cat = catalogFromRows(line);
  // zone a = r0..r4, zone b = r5..r9; by entropy: a: r1 r0 r4 r3 r2, b: r6 r8 r9 r5 r7
  assert.deepEqual(await ids(await selectForLabeling(cat, { k: 10, perStratum: { column: 'zone', quota: 1 } })), [
    'r1',
    'r6',
  ]);
  assert.deepEqual(
    await ids(await selectForLabeling(cat, { k: 10, perStratum: { column: 'zone', quota: { a: 2, b: 1 } } })),
    ['r1', 'r0', 'r6'],
  );
  assert.deepEqual(await ids(await selectForLabeling(cat, { k: 2, perStratum: { column: 'zone', quota: 5 } })), [
    'r1',
    'r0',
  ]);
});

test('bad options and missing columns are StitchErrors', async () => {
  const cat = catalogFromRows(line);
  await assert.rejects(selectForLabeling(cat, { k: 0 }), { name: 'StitchError', code: 'BAD_OPTION' });
  await assert.rejects(selectForLabeling(cat, { k: 1, minSpacing: -1 }), { code: 'BAD_OPTION' });
  await assert.rejects(selectForLabeling(cat, { k: 1, by: 'loss' as 'entropy' }), { code: 'BAD_OPTION' });
  await assert.rejects(selectForLabeling(cat, { k: 1, perStratum: { column: 'biome', quota: 1 } }), {
    code: 'MISSING_COLUMNS',
    message: /biome/,
  });
  await assert.rejects(selectForLabeling(catalogFromRows([row('x', 0, 0, {})]), { k: 1 }), {
    code: 'MISSING_COLUMNS',
    message: /entropy/,
  });
});
