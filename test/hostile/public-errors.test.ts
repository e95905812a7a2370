/**
 * Garbage into every public entry point — wrong types, NaN, nulls, missing files, non-parquet and
 * truncated parquet files — comes back as a `GeosliceError` whose code is listed in docs/errors.md,
 * never a raw Error/TypeError/RangeError or a DuckDB error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCatalogFromTable,
  buildRasterCatalog,
  catalogFromRows,
  createLoader,
  createStitcher,
  GeosliceError,
  gridSampler,
  openCatalog,
  randomSampler,
  stratifiedSampler,
  writePredictions,
} from '../../src/index.js';
import { appendToCatalog, compactCatalog, compactShards, optimizeCatalog } from '../../src/catalog/index.js';
import { buildVectorCatalog, loadVector, openVectorLayer } from '../../src/vector/index.js';
import {
  computeBandStats,
  createPairedLoader,
  rasterize,
  readGeometries,
  samplePoints,
} from '../../src/labels/index.js';
import { loadSlice, openRaster } from '../../src/loaders/index.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { smallRows } from '../fixtures/catalog/rows.js';

const T = { timeout: 120_000 };
const docCodes = new Set(
  [...readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `([A-Z0-9_]+)`/gm)].map(
    (m) => m[1],
  ),
);

let dir: string;
let notParquet: string;
let truncated: string;
let good: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-hostile-public-'));
  notParquet = join(dir, 'text.parquet');
  writeFileSync(notParquet, 'this is not a parquet file\n'.repeat(20));
  good = join(dir, 'good.parquet');
  const cat = await catalogFromRows(smallRows(), { engine: 'duckdb' });
  await cat.toGeoParquet(good);
  await cat.close();
  truncated = join(dir, 'truncated.parquet');
  const bytes = readFileSync(good);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn` and returns why it did not throw a GeosliceError with a documented code, or null. */
async function untyped(what: string, fn: () => unknown): Promise<string | null> {
  let caught: unknown = null;
  try {
    const r = await fn();
    if (r && typeof r === 'object' && Symbol.asyncIterator in r)
      for await (const _ of r as AsyncIterable<unknown>) {
        // drain
      }
  } catch (e) {
    caught = e;
  }
  if (caught === null) return `${what}: no error`;
  if (!(caught instanceof GeosliceError))
    return `${what}: escaped as ${(caught as Error)?.constructor?.name}: ${(caught as Error)?.message}`;
  if (!docCodes.has(caught.code)) return `${what}: code ${caught.code} is not listed in docs/errors.md`;
  return null;
}

/** Collects the entry points of one test that let an untyped error out; `check()` fails listing them all. */
function probe(): { typed(what: string, fn: () => unknown): Promise<void>; check(): void } {
  const bad: string[] = [];
  return {
    async typed(what, fn) {
      const why = await untyped(what, fn);
      if (why) bad.push(why);
    },
    check() {
      assert.deepEqual(bad, []);
    },
  };
}

const slice: GeoSlice = { bounds: [0, 0, 100, 100], crs: 'EPSG:32633', resolution: [10, 10] };
const garbage: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', Number.NaN],
  ['number', 42],
  ['object', { nope: 1 }],
  ['array of numbers', [1, 2]],
];

test('openCatalog: wrong types, missing, non-parquet and truncated files', T, async () => {
  const { typed, check } = probe();
  for (const [name, v] of garbage) await typed(`openCatalog(${name})`, () => openCatalog(v as never));
  await typed('openCatalog(missing)', () => openCatalog(join(dir, 'missing.parquet')));
  await typed('openCatalog(non-parquet)', () => openCatalog(notParquet));
  await typed('openCatalog(truncated)', () => openCatalog(truncated));
  await typed('openCatalog([good, non-parquet])', () => openCatalog([good, notParquet]));
  await typed('openCatalog(dir with bad manifest)', async () => {
    const d = mkdtempSync(join(dir, 'man-'));
    writeFileSync(join(d, '_manifest.json'), '{"format":');
    return openCatalog(d);
  });
  await typed('openCatalog(bad options)', () => openCatalog(good, { memoryLimit: -3 as never }));
  check();
});

test('catalog query/rows/aggregate/sql with garbage', T, async () => {
  const { typed, check } = probe();
  const cat = await openCatalog(good);
  try {
    for (const [name, v] of garbage.filter(([n]) => n !== 'undefined'))
      await typed(`query(${name})`, async () => cat.query(v as never).rows());
    await typed('query(NaN bbox)', async () => cat.query({ bbox: [Number.NaN, 0, 1, 1] }).rows());
    await typed('query(inverted bbox)', async () => cat.query({ bbox: [0, 1, 1, 0] }).rows());
    await typed('query(bad interval)', async () => cat.query({ interval: ['x', 'y'] as never }).rows());
    await typed('where(garbage SQL)', async () => cat.query({ where: '((( nope' }).rows());
    await typed('where(number)', async () => cat.query({ where: 5 as never }).rows());
    await typed('where(unknown column)', async () => cat.query({ where: 'no_such_column > 1' }).rows());
    await typed('aggregate(garbage)', () => cat.aggregate('SELEC nonsense'));
    await typed('aggregate(number)', () => cat.aggregate(7 as never));
    await typed('sql(garbage)', async () => cat.sql('DROP TABLE catalog').rows());
    await typed('toGeoParquet(null)', () => cat.toGeoParquet(null as never));
    await typed('toGeoParquet(into missing dir file)', () => cat.toGeoParquet(join(dir, 'no', 'such', 'd', '\0x')));
  } finally {
    await cat.close();
  }
  check();
});

test('catalogFromRows with garbage rows', T, async () => {
  const { typed, check } = probe();
  for (const [name, v] of garbage) {
    await typed(`catalogFromRows(${name})`, () => catalogFromRows(v as never));
    await typed(`catalogFromRows([${name}])`, () => catalogFromRows([v] as never));
    await typed(`catalogFromRows([${name}], duckdb)`, () => catalogFromRows([v] as never, { engine: 'duckdb' }));
  }
  check();
});

test('builders: garbage inputs and options', T, async () => {
  const { typed, check } = probe();
  for (const [name, v] of garbage) {
    await typed(`buildRasterCatalog(${name})`, () => buildRasterCatalog(v as never, { out: join(dir, 'b.parquet') }));
    await typed(`buildCatalogFromTable(${name})`, () =>
      buildCatalogFromTable(v as never, { out: join(dir, 't.parquet') }),
    );
    await typed(`appendToCatalog(${name} input)`, () => appendToCatalog(join(dir, 'app'), v as never));
  }
  await typed('buildRasterCatalog(no out)', () => buildRasterCatalog([notParquet], undefined as never));
  await typed('buildRasterCatalog(non-tiff, onError raise)', () =>
    buildRasterCatalog([notParquet], { out: join(dir, 'b2.parquet') }),
  );
  await typed('buildCatalogFromTable(non-parquet)', () =>
    buildCatalogFromTable(notParquet as never, { out: join(dir, 't2.parquet') }),
  );
  await typed('buildCatalogFromTable(truncated)', () =>
    buildCatalogFromTable(truncated as never, { out: join(dir, 't3.parquet') }),
  );
  await typed('compactCatalog(missing)', () => compactCatalog(join(dir, 'nope')));
  await typed('compactCatalog(number)', () => compactCatalog(3 as never));
  await typed('compactShards(missing)', () => compactShards(join(dir, 'nope')));
  await typed('compactShards(null)', () => compactShards(null as never));
  await typed('optimizeCatalog(non-parquet)', () => optimizeCatalog(notParquet, join(dir, 'o.parquet')));
  await typed('optimizeCatalog(null)', () => optimizeCatalog(null as never, join(dir, 'o.parquet')));
  check();
});

test('samplers and loader with garbage', T, async () => {
  const { typed, check } = probe();
  const cat = await openCatalog(good);
  try {
    await typed('randomSampler(NaN size)', () => randomSampler(cat, { size: Number.NaN, length: 3 } as never));
    for (const [name, v] of garbage) {
      await typed(`randomSampler(${name} opts)`, () => randomSampler(cat, v as never));
      await typed(`gridSampler(${name} opts)`, () => gridSampler(cat, v as never));
      await typed(`stratifiedSampler(${name} opts)`, () => stratifiedSampler(cat, v as never));
      await typed(`gridSampler(${name} source)`, () => gridSampler(v as never, { size: 4 } as never));
    }
    await typed('createLoader(null)', () => createLoader(null as never));
    for (const [name, v] of garbage) {
      await typed(`openRaster(${name})`, () => openRaster(v as never));
      await typed(`loadSlice(${name} slice)`, () => loadSlice([], v as never));
      await typed(`loadSlice(${name} sources)`, () => loadSlice(v as never, slice));
    }
    await typed('openRaster(missing)', () => openRaster(join(dir, 'missing.tif')));
    await typed('openRaster(not a tiff)', () => openRaster(notParquet));
    await typed('openRaster(parquet)', () => openRaster(good));
    const loader = createLoader({ catalog: cat });
    for (const [name, v] of garbage) await typed(`loader.chips([${name}])`, () => loader.chips([v] as never));
    await typed('loader.chips(NaN slice)', () => loader.chips([{ ...slice, bounds: [Number.NaN, 0, 1, 1] }] as never));
  } finally {
    await cat.close();
  }
  check();
});

test('stitcher add/write and writePredictions with garbage', T, async () => {
  const { typed, check } = probe();
  for (const [name, v] of garbage) await typed(`createStitcher(${name})`, () => createStitcher(v as never));
  const s = createStitcher({ grid: slice, bands: 1 });
  try {
    for (const [name, v] of garbage) {
      await typed(`add(${name} slice)`, () => s.add(v as never, new Float32Array(100)));
      await typed(`add(slice, ${name})`, () => s.add(slice, v as never));
    }
    await typed('add(NaN bounds)', () => s.add({ ...slice, bounds: [Number.NaN, 0, 100, 100] }, new Float32Array(100)));
    await typed('add(wrong length)', () => s.add(slice, new Float32Array(7)));
    s.add(slice, new Float32Array(100).fill(0.5));
    for (const [name, v] of garbage) await typed(`write(${name})`, () => s.write(v as never));
    await typed('write(into missing dir)', () => s.write(join(dir, 'no', 'such', 'dir', 'p.tif')));
  } finally {
    s.close();
  }
  const cat = await openCatalog(good);
  try {
    for (const [name, v] of garbage) {
      await typed(`writePredictions(results ${name})`, () =>
        writePredictions(cat, v as never, { out: join(dir, 'p.parquet'), modelId: 'm' }),
      );
      await typed(`writePredictions([${name}])`, () =>
        writePredictions(cat, [v] as never, { out: join(dir, 'p.parquet'), modelId: 'm' }),
      );
      await typed(`writePredictions(opts ${name})`, () => writePredictions(cat, [], v as never));
    }
    await typed('writePredictions(NaN prediction)', () =>
      writePredictions(cat, [{ slice, prediction: new Float32Array(100).fill(Number.NaN) }], {
        out: join(dir, 'p2.parquet'),
        modelId: 'm',
      }),
    );
  } finally {
    await cat.close();
  }
  await typed('writePredictions(null catalog)', () =>
    writePredictions(null as never, [], { out: join(dir, 'p3.parquet'), modelId: 'm' }),
  );
  check();
});

test('vector and labels reads with garbage', T, async () => {
  const { typed, check } = probe();
  for (const [name, v] of garbage) {
    await typed(`openVectorLayer(${name})`, () => openVectorLayer(v as never));
    await typed(`buildVectorCatalog(${name})`, () => buildVectorCatalog(v as never, { out: join(dir, 'v.parquet') }));
  }
  await typed('openVectorLayer(missing)', () => openVectorLayer(join(dir, 'missing.geojson')));
  await typed('openVectorLayer(non-parquet)', () => openVectorLayer(notParquet));
  await typed('openVectorLayer(truncated)', () => openVectorLayer(truncated));
  const bad = join(dir, 'bad.geojson');
  writeFileSync(
    bad,
    '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":["x"',
  );
  await typed('openVectorLayer(truncated geojson)', async () => {
    const layer = await openVectorLayer(bad);
    return layer.features?.();
  });
  const cat = await openCatalog(good);
  try {
    for (const [name, v] of garbage) await typed(`loadVector(${name} slice)`, () => loadVector(cat, v as never));
  } finally {
    await cat.close();
  }
  for (const [name, v] of garbage) await typed(`rasterize(${name})`, () => rasterize(v as never, slice as never));
  const images = await openCatalog(good);
  try {
    for (const [name, v] of garbage) {
      await typed(`readGeometries(${name})`, () => readGeometries(images, v as never));
      await typed(`samplePoints(${name})`, () => samplePoints(images, v as never));
      await typed(`createPairedLoader(${name})`, () => createPairedLoader(v as never));
      await typed(`computeBandStats(${name} catalog)`, () => computeBandStats(v as never));
      await typed(`loadVector(${name} catalog)`, () => loadVector(v as never, slice));
    }
  } finally {
    await images.close();
  }
  check();
});
