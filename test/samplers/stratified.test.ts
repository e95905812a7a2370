import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { SamplerError } from '../../src/errors.js';
import { stratifiedSampler } from '../../src/samplers/stratified.js';
import { collect, sceneRow, sliceKey } from './helpers.js';

const LABELS = ['forest', 'water', 'urban', 'crop'];

function labelled(n: number): CatalogRow[] {
  return Array.from({ length: n }, (_, i) =>
    sceneRow(`r${i}`, [i % 30, Math.floor(i / 30), (i % 30) + 0.5, Math.floor(i / 30) + 0.5], {
      extras: { label: LABELS[i % 7 < 4 ? 0 : i % 7 < 6 ? 1 : i % 14 === 6 ? 2 : 3], u: ((i * 37) % 100) / 100 },
    }),
  );
}

const base = { size: 8, resolution: 0.01 };

test('quotas are exact per stratum; strata not named get none', async () => {
  const rows = labelled(700); // forest 400, water 200, urban 50, crop 50
  const cat = catalogFromRows(rows);
  const quotas = { forest: 37, water: 200, urban: 5 };
  const slices = await collect(stratifiedSampler(cat, { ...base, column: 'label', quotas, seed: 1 }));
  const labelOf = new Map(rows.map((r) => [r.id, r.extras.label as string]));
  const got: Record<string, number> = {};
  for (const s of slices) got[labelOf.get(s.rowId!)!] = (got[labelOf.get(s.rowId!)!] ?? 0) + 1;
  assert.deepEqual(got, quotas);
  assert.equal(new Set(slices.map((s) => s.rowId)).size, slices.length, 'no row twice');
  const per = await collect(stratifiedSampler(cat, { ...base, column: 'label', perStratum: 50, seed: 1 }));
  assert.equal(per.length, 200);
});

test('numeric bins and shortfall handling', async () => {
  const rows = labelled(300);
  const cat = catalogFromRows(rows);
  const edges = [0, 0.25, 0.5, 1];
  const slices = await collect(
    stratifiedSampler(cat, { ...base, bins: { column: 'u', edges }, perStratum: 20, seed: 3, preChipped: true }),
  );
  const uOf = new Map(rows.map((r) => [r.id, r.extras.u as number]));
  const bins = [0, 0, 0];
  for (const s of slices) {
    const u = uOf.get(s.rowId!)!;
    bins[u < 0.25 ? 0 : u < 0.5 ? 1 : 2]++;
  }
  assert.deepEqual(bins, [20, 20, 20]);
  assert.deepEqual(
    slices[0].bounds,
    rows.find((r) => r.id === slices[0].rowId)!.bbox,
    'preChipped yields the row extent',
  );
  await assert.rejects(
    collect(stratifiedSampler(cat, { ...base, column: 'label', quotas: { urban: 1000 }, seed: 3 })),
    (e) =>
      e instanceof SamplerError && e.code === 'QUOTA_UNMET' && /urban/.test(e.message) && /onShortfall/.test(e.message),
  );
  const all = await collect(
    stratifiedSampler(cat, { ...base, column: 'label', quotas: { urban: 1000 }, seed: 3, onShortfall: 'all' }),
  );
  assert.equal(all.length, rows.filter((r) => r.extras.label === 'urban').length);
  await assert.rejects(
    collect(stratifiedSampler(cat, { ...base, column: 'label; drop table x', perStratum: 1 })),
    (e) => e instanceof SamplerError && e.code === 'BAD_OPTION',
  );
});

test('uniform within a stratum (chi-square over seeds) and independent of cursor order', async () => {
  const rows = labelled(70); // urban: 5 rows (i % 14 === 6)
  const cat = catalogFromRows(rows);
  const rev = catalogFromRows([...rows].reverse());
  const hits = new Map<string, number>();
  for (let seed = 0; seed < 300; seed++) {
    const s = await collect(
      stratifiedSampler(cat, { ...base, column: 'label', quotas: { water: 3 }, seed, preChipped: true }),
    );
    for (const x of s) hits.set(x.rowId!, (hits.get(x.rowId!) ?? 0) + 1);
  }
  const water = rows.filter((r) => r.extras.label === 'water').map((r) => r.id);
  const e = (300 * 3) / water.length;
  const chi = water.reduce((acc, id) => acc + ((hits.get(id) ?? 0) - e) ** 2 / e, 0);
  assert.equal(water.length, 20);
  assert.ok(chi < 43.82, `chi-square ${chi} over ${water.length} rows (df 19, critical value 43.82 at p = 0.001)`);
  const o = { ...base, column: 'label', perStratum: 4, seed: 'x', epoch: 1 } as const;
  assert.deepEqual(
    (await collect(stratifiedSampler(rev, o))).map(sliceKey),
    (await collect(stratifiedSampler(cat, o))).map(sliceKey),
  );
});

test('sharded stratified streams partition the unsharded stream (worldSize 1..7)', async () => {
  const cat = catalogFromRows(labelled(200));
  const o = { ...base, column: 'label', perStratum: 9, seed: 2 };
  const full = (await collect(stratifiedSampler(cat, o))).map(sliceKey);
  for (let ws = 1; ws <= 7; ws++) {
    const merged: string[] = new Array(full.length);
    for (let rank = 0; rank < ws; rank++) {
      (await collect(stratifiedSampler(cat, { ...o, shard: { rank, worldSize: ws } }))).forEach(
        (s, i) => (merged[rank + i * ws] = sliceKey(s)),
      );
    }
    assert.deepEqual(merged, full, `worldSize ${ws}`);
  }
});

test('strata on core columns (crs, id, tmin) work; an unknown column is a typed error', async () => {
  const rows = labelled(40).map((r, i) =>
    i < 10 ? { ...r, crs: 'EPSG:3857' } : { ...r, tmin: new Date(Date.UTC(2024, i % 2, 1)), tmax: null },
  );
  const cat = catalogFromRows(rows);
  // rows in two CRSs: the sampler needs one slice CRS
  const opts = { size: 8, resolution: 0.01, crs: 'EPSG:4326', seed: 2 };
  const byCrs = await collect(stratifiedSampler(cat, { ...opts, column: 'crs', perStratum: 5 }));
  const crsOf = new Map(rows.map((r) => [r.id, r.crs]));
  const counts: Record<string, number> = {};
  for (const s of byCrs) counts[crsOf.get(s.rowId!)!] = (counts[crsOf.get(s.rowId!)!] ?? 0) + 1;
  assert.deepEqual(counts, { 'EPSG:3857': 5, 'EPSG:4326': 5 });
  const byId = await collect(stratifiedSampler(cat, { ...opts, column: 'id', perStratum: 1 }));
  assert.equal(byId.length, 40);
  const byMonth = await collect(stratifiedSampler(cat, { ...opts, column: 'tmin', perStratum: 3 }));
  assert.equal(byMonth.length, 6);
  await assert.rejects(
    collect(stratifiedSampler(cat, { ...opts, column: 'no_such_column', perStratum: 1 })),
    (e: unknown) => e instanceof SamplerError && e.code === 'UNKNOWN_COLUMN' && /no_such_column/.test(e.message),
  );
});
