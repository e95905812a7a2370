import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tableFromArrays } from 'apache-arrow';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { DuckDBEngine } from '../../src/catalog/duckdb/engine.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { BuildError } from '../../src/errors.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';
import { readWkb, writeWkb } from '../../src/geo/wkb.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const RASTERS = fileURLToPath(new URL('../fixtures/build/rasters/', import.meta.url));
const noShared = !existsSync(SHARED) && 'shared fixtures absent';
const tmp = mkdtempSync(join(tmpdir(), 'gs-table-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function rowsOf(cat: {
  rows(): AsyncIterable<CatalogRow>;
  close(): Promise<void>;
}): Promise<Map<string, CatalogRow>> {
  const m = new Map<string, CatalogRow>();
  try {
    for await (const r of cat.rows()) m.set(r.id, r);
  } finally {
    await cat.close();
  }
  return m;
}

interface StacItem {
  id: string;
  properties: Record<string, unknown>;
  assets: Record<string, { href: string }>;
}

test('STAC JSON files: ids, times, CRSs, asset hrefs and cloud cover as in the items', { skip: noShared }, async () => {
  for (const file of [
    'sentinel-2-l2a-pc.json',
    'landsat-c2-l2-pc.json',
    'sentinel-2-item.json',
    'earth-search-s2-c1-l2a-item-collection.json',
    'extended-item-v1.1.0.json',
  ]) {
    const path = join(SHARED, 'stac', file);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    const items: StacItem[] = Array.isArray(doc) ? doc : (doc.features ?? [doc]);
    const { catalog, rows, skipped } = await buildCatalogFromTable(path, {
      out: join(tmp, `${file}.parquet`),
      progress: false,
    });
    assert.equal(rows, items.length, file);
    assert.deepEqual(skipped, []);
    const got = await rowsOf(catalog);
    for (const it of items) {
      const r = got.get(it.id);
      assert.ok(r, `${file}: ${it.id}`);
      const p = it.properties;
      assert.equal(r.tmin?.getTime(), new Date((p.start_datetime ?? p.datetime) as string).getTime(), `${it.id} tmin`);
      assert.equal(r.tmax?.getTime(), new Date((p.end_datetime ?? p.datetime) as string).getTime(), `${it.id} tmax`);
      assert.equal(r.crs, p['proj:code'] ?? `EPSG:${p['proj:epsg']}`, `${it.id} crs`);
      assert.equal(r.extras['eo:cloud_cover'], p['eo:cloud_cover'], `${it.id} cloud cover`);
      for (const [k, a] of Object.entries(it.assets)) assert.equal(r.assets[k]?.href, a.href, `${it.id} asset ${k}`);
      assert.equal(readWkb(r.geometry).type, (it as unknown as { geometry: { type: string } }).geometry.type);
    }
  }
});

test('stac-geoparquet files: rows match a SQL read of the same columns', { skip: noShared }, async () => {
  const engine = await DuckDBEngine.create({});
  try {
    for (const file of ['100-sentinel-2-items.parquet', 'naip.parquet']) {
      const path = join(SHARED, 'geoparquet', file);
      const hasCc = file.startsWith('100');
      const oracle = await engine.all(
        `SELECT id, epoch_ms(CAST(datetime AS TIMESTAMPTZ)) AS t, 'EPSG:' || CAST("proj:epsg" AS VARCHAR) AS crs, ${hasCc ? '"eo:cloud_cover"' : 'NULL'} AS cc,
                ${hasCc ? 'assets.B04.href' : 'assets.image.href'} AS href FROM read_parquet($p)`,
        { p: path },
      );
      const { catalog, rows } = await buildCatalogFromTable(path, { out: join(tmp, file), progress: false });
      assert.equal(rows, oracle.length);
      const got = await rowsOf(catalog);
      for (const o of oracle) {
        const r = got.get(o.id as string)!;
        assert.ok(r, String(o.id));
        assert.equal(r.tmin?.getTime(), Number(o.t));
        assert.equal(r.crs, o.crs);
        if (hasCc) assert.equal(r.extras['eo:cloud_cover'], o.cc);
        assert.equal(r.assets[hasCc ? 'B04' : 'image'].href, o.href);
      }
    }
    // a value checked by hand in the file
    const { catalog } = await buildCatalogFromTable(join(SHARED, 'geoparquet', '100-sentinel-2-items.parquet'), {
      out: join(tmp, 'again.parquet'),
      progress: false,
    });
    const r = (await rowsOf(catalog)).get('S2B_MSIL2A_20240417T173909_R098_T13TDE_20240417T231826')!;
    assert.deepEqual(
      [r.crs, r.extras['eo:cloud_cover'], r.tmin?.toISOString()],
      ['EPSG:32613', 79.607701, '2024-04-17T17:39:09.024Z'],
    );
  } finally {
    await engine.close();
  }
});

test('NDJSON, Arrow tables and JS rows: WKB, hex, GeoJSON geometry; years; start/end; hrefColumn with bandIndexMap; columnMap', async () => {
  const poly = bboxToPolygon([10, 45, 11, 46]);
  const records = [
    { scene: 'a', when: 2021, geom: writeWkb(poly), path: 'a.tif', cloud: 5 },
    {
      scene: 'b',
      when: '2022-03-04T05:06:07Z',
      geom: Buffer.from(writeWkb(poly)).toString('hex'),
      path: 'b.tif',
      cloud: 50,
    },
    {
      scene: 'c',
      start_datetime: '2020-01-01',
      end_datetime: '2020-06-30T00:00:00Z',
      geom: JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0, 5],
            [1, 0, 5],
            [1, 1, 5],
            [0, 0, 5],
          ],
        ],
      }),
      path: 'c.tif',
      cloud: null,
    },
  ];
  const { catalog } = await buildCatalogFromTable(records, {
    out: join(tmp, 'js.parquet'),
    progress: false,
    columnMap: { id: 'scene', datetime: 'when', geometry: 'geom' },
    hrefColumn: 'path',
    bandIndexMap: { red: 3, nir: 4 },
  });
  const got = await rowsOf(catalog);
  assert.deepEqual(
    [got.get('a')!.tmin?.toISOString(), got.get('a')!.tmax?.toISOString()],
    ['2021-01-01T00:00:00.000Z', '2021-12-31T23:59:59.999Z'],
  );
  assert.equal(got.get('b')!.tmin?.toISOString(), '2022-03-04T05:06:07.000Z');
  assert.deepEqual(
    [got.get('c')!.tmin?.toISOString(), got.get('c')!.tmax?.toISOString()],
    ['2020-01-01T00:00:00.000Z', '2020-06-30T00:00:00.000Z'],
  );
  assert.deepEqual(got.get('a')!.assets, { red: { href: 'a.tif', band: 3 }, nir: { href: 'a.tif', band: 4 } });
  assert.deepEqual(got.get('c')!.bbox, [0, 0, 1, 1]);
  assert.deepEqual(got.get('b')!.bbox, [10, 45, 11, 46]);
  assert.equal(got.get('b')!.extras.cloud, 50);
  assert.equal(got.get('c')!.extras.cloud, null);
  assert.equal(got.get('a')!.crs, 'EPSG:4326');

  // NDJSON, one STAC-like record per line
  const nd = join(tmp, 'items.ndjson');
  writeFileSync(
    nd,
    `${[0, 1, 2]
      .map((i) =>
        JSON.stringify({
          type: 'Feature',
          id: `n${i}`,
          geometry: poly,
          properties: { datetime: `2024-01-0${i + 1}T00:00:00Z`, 'proj:code': 'EPSG:32632', 'eo:cloud_cover': i * 10 },
          assets: { B04: { href: `n${i}.tif` } },
        }),
      )
      .join('\n')}\n`,
  );
  const ndRows = await rowsOf(
    (await buildCatalogFromTable(nd, { out: join(tmp, 'nd.parquet'), progress: false })).catalog,
  );
  assert.deepEqual(
    [...ndRows.values()].map((r) => [r.id, r.crs, r.extras['eo:cloud_cover'], r.assets.B04.href]).sort(),
    [
      ['n0', 'EPSG:32632', 0, 'n0.tif'],
      ['n1', 'EPSG:32632', 10, 'n1.tif'],
      ['n2', 'EPSG:32632', 20, 'n2.tif'],
    ],
  );

  // Arrow table with GeoJSON text geometry
  const table = tableFromArrays({
    id: ['x', 'y'],
    datetime: ['2023-05-01T00:00:00Z', '2023-05-02T00:00:00Z'],
    geometry: [JSON.stringify(poly), JSON.stringify({ type: 'Point', coordinates: [3, 4] })],
    href: ['x.tif', 'y.tif'],
    'proj:epsg': [32633, 32633],
  });
  const arrowRows = await rowsOf(
    (
      await buildCatalogFromTable(table, {
        out: join(tmp, 'arrow.parquet'),
        progress: false,
        hrefColumn: 'href',
        assetKey: 'B04',
      })
    ).catalog,
  );
  assert.deepEqual(arrowRows.get('y')!.bbox, [3, 4, 3, 4]);
  assert.equal(arrowRows.get('x')!.crs, 'EPSG:32633');
  assert.deepEqual(arrowRows.get('x')!.assets, { B04: { href: 'x.tif' } });
});

test('bad records fail with a typed error naming the record, or are skipped and reported; the previous catalog is untouched', async () => {
  const poly = writeWkb(bboxToPolygon([0, 0, 1, 1]));
  const good = { id: 'ok', datetime: '2024-01-01', geometry: poly, assets: { B04: 'ok.tif' } };
  const out = join(tmp, 'bad.parquet');
  await (await buildCatalogFromTable([good], { out, progress: false })).catalog.close();
  const before = readFileSync(out);
  const bad: [Record<string, unknown>, string][] = [
    [{ ...good, id: 'nogeom', geometry: null }, 'NO_GEOMETRY'],
    [{ ...good, id: 'badwkb', geometry: poly.subarray(0, 20) }, 'INVALID_WKB'],
    [
      {
        ...good,
        id: 'line',
        geometry: {
          type: 'LineString',
          coordinates: [
            [0, 0],
            [1, 1],
          ],
        },
      },
      'INVALID_GEOMETRY',
    ],
    [{ ...good, id: 'projected', geometry: writeWkb(bboxToPolygon([500000, 0, 600000, 10])) }, 'INVALID_GEOMETRY'],
    [{ ...good, id: 'baddate', datetime: 'yesterday' }, 'BAD_DATE'],
    [{ ...good, id: 'noassets', assets: {} }, 'NO_ASSETS'],
    [{ ...good, id: 'badcrs', 'proj:epsg': 999999 }, 'UNKNOWN_CRS'],
    [{ ...good, id: undefined }, 'NO_ID'],
    [good, 'DUPLICATE_ID'],
  ];
  for (const [rec, code] of bad) {
    await assert.rejects(buildCatalogFromTable([good, rec], { out, progress: false }), (e: unknown) => {
      assert.ok(e instanceof BuildError, String(e));
      assert.equal(e.code, code);
      assert.ok(e.message.includes(rec.id === undefined ? '#1' : String(rec.id)), e.message);
      return true;
    });
    assert.deepEqual(readFileSync(out), before);
  }
  const { catalog, rows, skipped } = await buildCatalogFromTable([good, ...bad.map(([r]) => r)], {
    out: join(tmp, 'skipped.parquet'),
    onError: 'skip',
    progress: false,
  });
  await catalog.close();
  assert.equal(rows, 1);
  assert.deepEqual(
    skipped.map((s) => s.code),
    bad.map(([, c]) => c),
  );
  const broken = join(tmp, 'broken.ndjson');
  writeFileSync(broken, `${JSON.stringify({ ...good, geometry: readWkb(poly) })}\n{not json\n`);
  await assert.rejects(
    buildCatalogFromTable(broken, { out, progress: false }),
    (e: unknown) => e instanceof BuildError && e.code === 'BAD_JSON' && e.message.includes(':2'),
  );
  await assert.rejects(
    buildCatalogFromTable(join(tmp, 'missing.parquet'), { out, progress: false }),
    (e: unknown) => e instanceof BuildError && e.code === 'NOT_FOUND',
  );
  assert.deepEqual(readFileSync(out), before);
});

test('enrichCog stores each asset header and fills the native CRS', async () => {
  const href = join(RASTERS, 'utm33_20240601.tif');
  const rec = {
    id: 'u',
    datetime: '2024-06-01',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [15, 52],
          [15.15, 52],
          [15.15, 52.08],
          [15, 52.08],
          [15, 52],
        ],
      ],
    },
    assets: { B01: { href, band: 1 }, B02: { href, band: 2 } },
  };
  const missing = { ...rec, id: 'm', assets: { B01: { href: join(tmp, 'nope.tif') } } };
  const { catalog, skipped } = await buildCatalogFromTable([rec, missing], {
    out: join(tmp, 'cog.parquet'),
    enrichCog: true,
    onError: 'skip',
    progress: false,
  });
  const r = (await rowsOf(catalog)).get('u')!;
  assert.equal(r.crs, 'EPSG:32633');
  const layout = r.extras.B01_cog as { width: number; height: number; bands: number; dtype: string; images: unknown[] };
  assert.deepEqual(
    [layout.width, layout.height, layout.bands, layout.dtype, layout.images.length],
    [300, 200, 2, 'uint16', 3],
  );
  assert.deepEqual(r.extras.B02_cog, r.extras.B01_cog);
  assert.deepEqual(
    skipped.map((s) => [s.input, s.code]),
    [['m', 'UNREADABLE']],
  );
});
