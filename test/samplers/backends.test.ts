import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { interval } from '../../src/geo/interval.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { gridSampler } from '../../src/samplers/grid.js';
import { randomSampler } from '../../src/samplers/random.js';
import { stratifiedSampler } from '../../src/samplers/stratified.js';
import { collect, sceneRow, sliceKey } from './helpers.js';

function rows(): CatalogRow[] {
  return Array.from({ length: 400 }, (_, i) =>
    sceneRow(
      `scene-${String(i).padStart(3, '0')}`,
      [10 + (i % 20) * 0.1, 45 + Math.floor(i / 20) * 0.1, 10.08 + (i % 20) * 0.1, 45.09 + Math.floor(i / 20) * 0.1],
      {
        tmin: new Date(Date.UTC(2024, i % 12, 1 + (i % 28))),
        extras: { label: ['forest', 'water', 'urban'][i % 3], u: ((i * 7919) % 1000) / 1000 },
      },
    ),
  );
}

/** The DuckDB-backed catalog, or the reason it cannot be built here. */
async function duckdbCatalog(data: CatalogRow[]): Promise<GeoCatalog | string> {
  try {
    return await catalogFromRows(data, { engine: 'duckdb' });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      return `the DuckDB backend is not available (${(e as Error).message.split('\n')[0]})`;
    throw e;
  }
}

test('memory and DuckDB backends give identical sampler streams', async (t) => {
  const data = rows();
  const mem = catalogFromRows(data);
  const duck = await duckdbCatalog(data);
  if (typeof duck === 'string') {
    t.skip(duck);
    return;
  }
  try {
    const base = { size: 16, resolution: 0.001, seed: 'backends', epoch: 3 };
    const cases: [string, (c: GeoCatalog) => AsyncIterable<GeoSlice>][] = [
      ['random area', (c) => randomSampler(c, { ...base, length: 500 })],
      [
        'random column, no replacement, roi + interval',
        (c) =>
          randomSampler(c, {
            ...base,
            length: 60,
            weight: 'u',
            replacement: false,
            roi: [10.3, 45.3, 11.2, 46],
            interval: interval('2024-03-01', '2024-08-31'),
          }),
      ],
      [
        'stratified column (DuckDB: SQL pushdown)',
        (c) => stratifiedSampler(c, { ...base, column: 'label', quotas: { forest: 20, water: 7, urban: 1 } }),
      ],
      [
        'stratified bins (DuckDB: SQL pushdown)',
        (c) =>
          stratifiedSampler(c, {
            ...base,
            bins: { column: 'u', edges: [0, 0.1, 0.5, 1] },
            perStratum: 13,
            preChipped: true,
          }),
      ],
      ['grid', (c) => gridSampler(c, { size: 64, stride: 48, resolution: 0.001, crs: 'EPSG:4326' })],
    ];
    for (const [name, make] of cases) {
      const a: string[] = (await collect(make(mem))).map(sliceKey);
      const b: string[] = (await collect(make(duck))).map(sliceKey);
      assert.ok(a.length > 0, `${name}: empty stream`);
      assert.deepEqual(b, a, name);
    }
    const pushed = (await collect(stratifiedSampler(duck, { ...base, column: 'label', perStratum: 9 }))).map(sliceKey);
    const streamed = (
      await collect(stratifiedSampler(duck, { ...base, column: 'label', perStratum: 9, pushdown: false }))
    ).map(sliceKey);
    assert.deepEqual(pushed, streamed, 'SQL window-function pushdown selects the same rows as the streaming pass');
  } finally {
    await duck.close();
  }
});
