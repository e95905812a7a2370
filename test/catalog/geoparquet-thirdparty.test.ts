/**
 * Third-party GeoParquet (../shared/fixtures/geoparquet): every file opens as a catalog with the
 * documented column mapping, or fails with a CatalogError naming exactly what is unsupported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';
import { openCatalog } from '../../src/catalog/open.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { CatalogError } from '../../src/errors.js';
import { geometryBBox } from '../../src/geo/geometry.js';
import { readWkb } from '../../src/geo/wkb.js';
import { interval } from '../../src/geo/interval.js';

const DIR = fileURLToPath(new URL('../../../shared/fixtures/geoparquet/', import.meta.url));
const path = (f: string) => DIR + f;
const missing = !existsSync(DIR);

async function all(file: string): Promise<CatalogRow[]> {
  const cat = await openCatalog(path(file));
  const out: CatalogRow[] = [];
  for await (const r of cat.rows()) out.push(r);
  assert.equal(await cat.count(), out.length);
  return out;
}

function checkFootprints(rows: CatalogRow[]): void {
  for (const r of rows) {
    const b = geometryBBox(readWkb(r.geometry));
    for (let k = 0; k < 4; k++)
      assert.ok(Math.abs(b[k] - r.bbox[k]) < 1e-6, `${r.id}: bbox ${r.bbox} vs footprint ${b}`);
  }
}

test('GeoParquet 1.1.0 example (bbox covering, PROJJSON CRS84): opens; ids from file row numbers', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  const rows = await all('example_v1.1.0.parquet');
  assert.equal(rows.length, 5);
  assert.deepStrictEqual(
    rows.map((r) => r.id),
    [0, 1, 2, 3, 4].map((i) => `example_v1.1.0.parquet#${i}`),
  );
  assert.ok(rows.every((r) => r.crs === 'EPSG:4326' && r.tmin === null && Object.keys(r.assets).length === 0));
  assert.deepStrictEqual(Object.keys(rows[0].extras), ['pop_est', 'continent', 'name', 'iso_a3', 'gdp_md_est']);
  checkFootprints(rows);
  const cat = await openCatalog(path('example_v1.1.0.parquet'));
  const canada = await cat.query({ bbox: [-100, 50, -99, 51] }).aggregate('SELECT list(name) AS n FROM catalog');
  assert.deepStrictEqual(canada[0].n, ['Canada']);
});

test('GeoParquet 2.0-dev example (Parquet native GEOMETRY type): opens with the same rows as 1.1.0', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  const a = await all('example_v1.1.0.parquet');
  const b = await all('example_v2.0-dev.parquet');
  assert.deepStrictEqual(
    b.map((r) => [...r.geometry]),
    a.map((r) => [...r.geometry]),
  );
  assert.deepStrictEqual(
    b.map((r) => r.bbox),
    a.map((r) => r.bbox),
  );
});

test('GeoParquet 1.0.0 (no bbox column): bbox computed from the footprints; Points work', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  const countries = await all('natural-earth_countries_geo.parquet');
  assert.equal(countries.length, 177);
  checkFootprints(countries);
  const cities = await all('natural-earth_cities_geo.parquet');
  assert.equal(cities.length, 243);
  checkFootprints(cities);
  const cat = await openCatalog(path('natural-earth_cities_geo.parquet'));
  const [r] = await cat.query({ bbox: [2.2, 48.8, 2.5, 48.95] }).aggregate('SELECT list(name) AS n FROM catalog');
  assert.deepStrictEqual(r.n, ['Paris']);
});

test('stac-geoparquet 0.4 (naip): datetime -> tmin/tmax, proj:epsg -> crs, assets struct -> assets', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  const rows = await all('naip.parquet');
  assert.equal(rows.length, 5);
  const r = rows[0];
  assert.equal(r.id, 'ok_m_3409901_nw_14_1_20100425');
  assert.equal(r.crs, 'EPSG:26914');
  assert.equal(r.tmin?.toISOString(), '2010-04-25T00:00:00.000Z');
  assert.equal(r.tmax?.toISOString(), '2010-04-25T00:00:00.000Z');
  assert.deepStrictEqual(Object.keys(r.assets), ['image', 'rendered_preview', 'thumbnail', 'tilejson']);
  assert.deepStrictEqual(r.assets.image, {
    href: 'https://naipeuwest.blob.core.windows.net/naip/v002/ok/2010/ok_100cm_2010/34099/m_3409901_nw_14_1_20100425.tif',
  });
  checkFootprints(rows);
});

test('stac-geoparquet 1.1 (100 Sentinel-2 items): times, proj:epsg, assets, and a time+place query', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  const rows = await all('100-sentinel-2-items.parquet');
  assert.equal(rows.length, 100);
  assert.ok(rows.every((r) => /^EPSG:326\d\d$/.test(r.crs) && r.tmin !== null && r.assets.B04?.href.length > 0));
  assert.ok(rows.every((r) => typeof r.extras['eo:cloud_cover'] === 'number'));
  const cat = await openCatalog(path('100-sentinel-2-items.parquet'));
  const q = cat.query({
    bbox: [-105.5, 40, -105.4, 40.1],
    interval: interval('2024-06-01', '2024-08-31T23:59:59Z'),
    where: '"eo:cloud_cover" < $c',
    params: { c: 20 },
  });
  const expected = rows.filter((r) => {
    const t = r.tmin!.getTime();
    return (
      t >= Date.parse('2024-06-01') &&
      t <= Date.parse('2024-08-31T23:59:59Z') &&
      (r.extras['eo:cloud_cover'] as number) < 20 &&
      r.bbox[0] <= -105.4 &&
      r.bbox[2] >= -105.5 &&
      r.bbox[1] <= 40.1 &&
      r.bbox[3] >= 40
    );
  });
  assert.ok(expected.length > 0);
  assert.equal(await q.count(), expected.length);
});

test('GeoArrow native encoding fails with UNSUPPORTED_ENCODING naming the file and the encoding', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  await assert.rejects(
    openCatalog(path('natural-earth_countries_native.parquet')),
    (e: unknown) =>
      e instanceof CatalogError &&
      e.code === 'UNSUPPORTED_ENCODING' &&
      e.message.includes('natural-earth_countries_native.parquet') &&
      e.message.includes('"multipolygon"'),
  );
});

test('a geometry CRS other than EPSG:4326 fails with UNSUPPORTED_CRS naming the CRS', {
  skip: missing && 'shared fixtures absent',
}, async () => {
  await assert.rejects(
    openCatalog(path('example-crs_vermont-utm_geo.parquet')),
    (e: unknown) =>
      e instanceof CatalogError &&
      e.code === 'UNSUPPORTED_CRS' &&
      e.message.includes('EPSG:32618') &&
      e.message.includes('example-crs_vermont-utm_geo.parquet'),
  );
});

test('stac-geoparquet with start/end_datetime, proj:code and a MAP of assets (written here by DuckDB)', async () => {
  const dir = mkdtempSync(`${tmpdir()}/geoslice-stac-`);
  const file = `${dir}/stac.parquet`;
  const geo = JSON.stringify({
    version: '1.1.0',
    primary_column: 'geometry',
    columns: { geometry: { encoding: 'WKB', geometry_types: ['Point'] } },
  });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT 'item-1' AS id,
      '\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x24\\x40\\x00\\x00\\x00\\x00\\x00\\x00\\x34\\x40'::BLOB AS geometry,
      TIMESTAMP '2024-01-01 00:00:00' AS datetime, TIMESTAMPTZ '2023-12-31 00:00:00+00' AS start_datetime, TIMESTAMPTZ '2024-01-02 00:00:00+00' AS end_datetime,
      'EPSG:32659' AS "proj:code",
      MAP {'visual': {'href': 'v.tif', 'type': 'image/tiff'}, 'none': {'href': NULL, 'type': NULL}} AS assets)
    TO '${file}' (FORMAT parquet, KV_METADATA {geo: '${geo}'})`);
  c.closeSync();
  db.closeSync();
  try {
    const cat = await openCatalog(file);
    const rows: CatalogRow[] = [];
    for await (const r of cat.rows()) rows.push(r);
    assert.equal(rows.length, 1);
    const r = rows[0];
    assert.equal(r.id, 'item-1');
    assert.deepStrictEqual(r.bbox, [10, 20, 10, 20]);
    assert.equal(r.tmin?.toISOString(), '2023-12-31T00:00:00.000Z');
    assert.equal(r.tmax?.toISOString(), '2024-01-02T00:00:00.000Z');
    assert.equal(r.crs, 'EPSG:32659');
    assert.deepStrictEqual(r.assets, { visual: { href: 'v.tif' } });
    assert.equal(
      await cat.query({ bbox: [9, 19, 11, 21], interval: interval('2024-01-01T12:00:00Z', '2024-01-05') }).count(),
      1,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
