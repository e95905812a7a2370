import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { LoaderError } from '../../src/errors.js';
import type { BBox } from '../../src/geo/bbox.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { footprintWgs84 } from '../../src/geo/transform.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';
import { createLoader } from '../../src/loaders/loader.js';
import { openRaster } from '../../src/loaders/raster.js';
import { delayedRaster, openerOf, syntheticRaster } from './loader-synthetic.js';

const dir = fileURLToPath(new URL('../fixtures/loaders/warp/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'geoslice-loader-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function rowFor(
  id: string,
  href: string,
  tmin: string,
  extras: Record<string, unknown> = {},
): Promise<CatalogRow> {
  const r = await openRaster(href);
  const { width, height, transform: t, crs } = r.info;
  await r.close();
  const bounds: BBox = [t[0], t[3] + t[5] * height, t[0] + t[1] * width, t[3]];
  const fp = footprintWgs84(bounds, crs!);
  return {
    id,
    assets: { B1: { href } },
    geometry: writeWkb(fp.geometry),
    bbox: fp.bbox,
    tmin: new Date(tmin),
    tmax: new Date(tmin),
    crs: crs!,
    backend: 'raster',
    extras,
  };
}

const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as {
  cases: { name: string; slice: GeoSlice; data: (number | null)[] }[];
};
const interior = expected.cases.find((c) => c.name === 'native interior window')!;
const far: GeoSlice = { bounds: [100000, 1000000, 100300, 1000300], crs: 'EPSG:32633', resolution: [30, 30] };

test('a catalog loader loads a native window exactly, fails clearly outside coverage, and keeps serving', async () => {
  const catalog = catalogFromRows([await rowFor('utm33', `${dir}utm33.tif`, '2024-06-01')]);
  const loader = createLoader({
    catalog,
    bands: ['B1'],
    resampling: 'nearest',
    concurrency: 2,
    cacheBytes: 1 << 20,
    temporal: 'mosaic',
  });
  try {
    const chip = await loader.load(interior.slice);
    assert.deepEqual(chip.shape, [1, 24, 32]);
    assert.deepEqual(
      Array.from(chip.data),
      interior.data.map((v) => v ?? 0),
    );
    assert.deepEqual(chip.sources, ['utm33']);
    await assert.rejects(loader.load(far), (e: unknown) => {
      assert.ok(e instanceof LoaderError);
      assert.equal(e.code, 'NO_COVERAGE');
      assert.match(e.message, /slice EPSG:32633 \[100000,1000000,100300,1000300\]/);
      return true;
    });
    const again = await loader.load(interior.slice);
    assert.deepEqual(Array.from(again.data), Array.from(chip.data));
    assert.ok(loader.cache!.hits > 0, 'the second load is served from the block cache');
  } finally {
    await loader.close();
  }
});

test('with the COG header cached in the catalog, a load reads no header (a corrupted header does not matter)', async () => {
  const href = join(tmp, 'utm33-broken-header.tif');
  copyFileSync(`${dir}utm33.tif`, href);
  const layout = await extractCogLayout(href);
  const fd = openSync(href, 'r+');
  writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef]), 0, 8, 0);
  closeSync(fd);
  await assert.rejects(openRaster(href), (e: unknown) => (e as LoaderError).code === 'BAD_MAGIC');
  const row = {
    ...(await rowFor('cached', `${dir}utm33.tif`, '2024-06-01')),
    assets: { B1: { href } },
    extras: { B1_cog: JSON.stringify(layout) },
  };
  const loader = createLoader({ catalog: catalogFromRows([row]), bands: ['B1'] });
  try {
    const chip = await loader.load(interior.slice);
    assert.deepEqual(
      Array.from(chip.data),
      interior.data.map((v) => v ?? 0),
    );
  } finally {
    await loader.close();
  }
});

test('chips keeps slice order under concurrency, bounds the loads in flight, and reports or throws failures in place', async () => {
  // finish in reverse order of start: later slices resolve first
  const delayed = delayedRaster((x0) => 20 - (x0 % 20));
  const slow = delayed.reader;
  const slices: GeoSlice[] = Array.from({ length: 12 }, (_, i) => ({
    bounds: [i, 0, i + 4, 4],
    crs: 'EPSG:32633',
    resolution: [1, 1],
  }));
  slices[7] = { bounds: [500, 500, 504, 504], crs: 'EPSG:32633', resolution: [1, 1] };
  const loader = createLoader({ sources: ['mem://s'], concurrency: 3, open: async () => slow });
  const got: number[] = [];
  await assert.rejects(
    async () => {
      for await (const c of loader.chips(slices)) got.push(c.slice.bounds[0]);
    },
    (e: unknown) => e instanceof LoaderError && e.code === 'NO_COVERAGE',
  );
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(delayed.peak <= 3 && delayed.peak >= 2, `max in flight ${delayed.peak}`);

  const failed: GeoSlice[] = [];
  const tolerant = createLoader({
    sources: ['mem://s'],
    concurrency: 3,
    open: async () => slow,
    onError: (_e, s) => failed.push(s),
  });
  const all: Float32Array[] = [];
  for await (const c of tolerant.chips(slices)) all.push(c.data as Float32Array);
  assert.equal(all.length, 11);
  assert.deepEqual(failed, [slices[7]]);
  // first pixel of slice i (i != 7) is source pixel (i, 96)
  assert.deepEqual(
    all.map((d) => d[0]),
    [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11].map((i) => i + 96000),
  );
});

test('batches stack chips as float32 [N, C, H, W] with masks, keeping a short last batch', async () => {
  const r = syntheticRaster({
    href: 'mem://b',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 8, 0, -1],
    width: 8,
    height: 8,
    value: (b, x, y) => 100 * b + 10 * y + x,
    bands: 2,
  });
  const loader = createLoader({ sources: ['mem://b'], open: openerOf(r), dtype: 'uint8' });
  const slices: GeoSlice[] = [0, 1, 2, 3, 4].map((i) => ({
    bounds: [i, 4, i + 4, 8],
    crs: 'EPSG:3857',
    resolution: [1, 1],
  }));
  const one = await loader.load(slices[0]);
  assert.ok(one.data instanceof Uint8Array);
  const batches = [];
  for await (const b of loader.batches(slices, { batchSize: 2 })) batches.push(b);
  assert.deepEqual(
    batches.map((b) => b.shape),
    [
      [2, 2, 4, 4],
      [2, 2, 4, 4],
      [1, 2, 4, 4],
    ],
  );
  const b1 = batches[1];
  assert.ok(b1.data instanceof Float32Array);
  // item 1 of batch 1 is slice 3; band 1, row 2, col 1 -> source (x 4, y 2)
  assert.equal(b1.data[1 * 32 + 1 * 16 + 2 * 4 + 1], 100 + 20 + 4);
  assert.equal(b1.mask.length, 2 * 16);
  assert.ok(b1.mask.every((m) => m === 1));
  assert.deepEqual(b1.slices, [slices[2], slices[3]]);
  // slice 4 reaches past the east edge: its last column is masked
  const last = batches[2];
  assert.deepEqual(
    [0, 1, 2, 3].map((c) => last.mask[c]),
    [1, 1, 1, 1],
  );
  const shifted: GeoSlice = { bounds: [6, 4, 10, 8], crs: 'EPSG:3857', resolution: [1, 1] };
  const edge = await loader.load(shifted);
  assert.deepEqual(Array.from(edge.mask!.slice(0, 4)), [1, 1, 0, 0]);
  await loader.close();
});

test('bands come from separate files or from one multi-band file, in the order asked', async () => {
  const red = syntheticRaster({
    href: 'mem://red',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 4,
    height: 4,
    value: () => 1,
  });
  const nir = syntheticRaster({
    href: 'mem://nir',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 4,
    height: 4,
    value: () => 2,
  });
  const multi = syntheticRaster({
    href: 'mem://multi',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 4,
    height: 4,
    value: (b) => 10 + b,
    bands: 3,
  });
  const base = {
    geometry: writeWkb({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ],
    }),
    bbox: [0, 0, 1, 1] as BBox,
    tmin: null,
    tmax: null,
    crs: 'EPSG:3857',
    backend: 'raster' as const,
    extras: {},
  };
  const rows: CatalogRow[] = [
    { ...base, id: 'split', assets: { red: { href: 'mem://red' }, nir: { href: 'mem://nir' } } },
    { ...base, id: 'multi', assets: { red: { href: 'mem://multi', band: 3 }, nir: { href: 'mem://multi', band: 1 } } },
  ];
  const slice: GeoSlice = { bounds: [0, 0, 4, 4], crs: 'EPSG:3857', resolution: [1, 1] };
  const open = openerOf(red, nir, multi);
  const split = await createLoader({ sources: [rows[0]], bands: ['nir', 'red'], open }).load(slice);
  assert.deepEqual([split.data[0], split.data[16]], [2, 1]);
  const one = await createLoader({ sources: [rows[1]], bands: ['nir', 'red'], open }).load(slice);
  assert.deepEqual([one.data[0], one.data[16]], [10, 12]);
  assert.equal(multi.reads.length, 1, 'both bands of one file come from a single window read');
  await assert.rejects(
    createLoader({ sources: [rows[0]], bands: ['swir'], open }).load(slice),
    (e: unknown) =>
      e instanceof LoaderError && e.code === 'MISSING_ASSET' && /row split has no asset "swir"/.test(e.message),
  );
  assert.throws(
    () => createLoader({ bands: ['red'] }),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
});

test('dtype: integer types round and clamp; 32-bit integers and doubles stay exact', async () => {
  const big = syntheticRaster({
    href: 'mem://big',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 1, 0, -1],
    width: 3,
    height: 1,
    value: (_b, x) => [4294967290, 1.0000001234, -7.6][x],
  });
  const slice: GeoSlice = { bounds: [0, 0, 3, 1], crs: 'EPSG:3857', resolution: [1, 1] };
  const open = openerOf(big);
  const f32 = await createLoader({ sources: ['mem://big'], open }).load(slice);
  assert.ok(f32.data instanceof Float32Array);
  const u32 = await createLoader({ sources: ['mem://big'], open, dtype: 'uint32' }).load(slice);
  assert.deepEqual(Array.from(u32.data), [4294967290, 1, 0]);
  const f64 = await createLoader({ sources: ['mem://big'], open, dtype: 'float64' }).load(slice);
  assert.deepEqual(Array.from(f64.data), [4294967290, 1.0000001234, -7.6]);
  const i8 = await createLoader({ sources: ['mem://big'], open, dtype: 'int8' }).load(slice);
  assert.deepEqual(Array.from(i8.data), [127, 1, -8]);
  await assert.rejects(
    createLoader({ sources: ['mem://big'], open, dtype: 'complex64' as 'uint8' }).load(slice),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
});

test('the DuckDB catalog backend serves the same chips, with the header cache as a JSON column', async () => {
  const href = `${dir}utm33.tif`;
  const row = await rowFor('utm33', href, '2024-06-01', { B1_cog: JSON.stringify(await extractCogLayout(href)) });
  const duck = await catalogFromRows([row], { engine: 'duckdb' });
  // memoryIndexRows 0: a SQL query per slice; default: the rows indexed in memory once. Same chips, same errors.
  for (const memoryIndexRows of [0, undefined]) {
    const loader = createLoader({ catalog: duck, bands: ['B1'], memoryIndexRows });
    try {
      const chip = await loader.load(interior.slice);
      assert.deepEqual(
        Array.from(chip.data),
        interior.data.map((v) => v ?? 0),
      );
      await assert.rejects(loader.load(far), (e: unknown) => e instanceof LoaderError && e.code === 'NO_COVERAGE');
    } finally {
      await loader.close();
    }
  }
  assert.equal(await duck.count(), 1, "closing the loader leaves the caller's catalog open");
  await duck.close();
  assert.throws(
    () => createLoader({ catalog: duck, memoryIndexRows: -1 }),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
});

test('the reader pool shares readers, closes idle ones beyond its budget, and retries failed opens', async () => {
  const { ReaderPool } = await import('../../src/loaders/reader-pool.js');
  const closed: string[] = [];
  let opens = 0;
  let failNext = true;
  const pool = new ReaderPool(async (href) => {
    opens++;
    if (href === 'flaky' && failNext) {
      failNext = false;
      throw new Error('transient');
    }
    return {
      info: { href },
      readWindow: async () => ({ data: [] }),
      close: async () => void closed.push(href),
    } as unknown as import('../../src/loaders/raster.js').RasterReader;
  }, 2);
  const a1 = pool.acquire('a');
  const a2 = pool.acquire('a');
  assert.equal(await a1.reader, await a2.reader);
  assert.equal(opens, 1);
  const b = pool.acquire('b');
  const c = pool.acquire('c');
  await Promise.all([b.reader, c.reader]);
  b.release();
  c.release();
  // three open, budget two: the least recently used idle one (b) closes; a is still leased
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, ['b']);
  a1.release();
  a1.release(); // a second release of the same lease is ignored
  assert.equal(pool.size, 2);
  await assert.rejects(pool.acquire('flaky').reader, /transient/);
  await new Promise((r) => setImmediate(r));
  const again = pool.acquire('flaky');
  assert.equal(((await again.reader).info as { href: string }).href, 'flaky');
  again.release();
  a2.release();
  await pool.close();
  assert.throws(
    () => pool.acquire('a'),
    (e: unknown) => e instanceof LoaderError && e.code === 'CLOSED',
  );
});

test('sources can be http(s) URLs (served here on loopback with range requests) and URL objects', async () => {
  const { createServer } = await import('node:http');
  const bytes = readFileSync(`${dir}utm33.tif`);
  const server = createServer((req, res) => {
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'content-length': bytes.length, 'accept-ranges': 'bytes' });
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(bytes.length - 1, m[2] ? Number(m[2]) : bytes.length - 1);
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${bytes.length}`,
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
    });
    res.end(bytes.subarray(start, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  const loader = createLoader({ sources: [`http://127.0.0.1:${port}/utm33.tif`] });
  try {
    const chip = await loader.load(interior.slice);
    assert.deepEqual(
      Array.from(chip.data),
      interior.data.map((v) => v ?? 0),
    );
    const { loadSlice } = await import('../../src/loaders/load-slice.js');
    const viaUrl = await loadSlice([new URL(`file://${dir}utm33.tif`)], interior.slice);
    assert.deepEqual(Array.from(viaUrl.data), Array.from(chip.data));
  } finally {
    await loader.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
