/**
 * Hostile rows: NaN/Infinity/inverted bboxes, invalid WKB, NULL required fields and CRSs that do not
 * parse are refused at every path that writes rows — catalogFromRows (both backends),
 * writeGeoParquet (even with validate: false), toGeoParquet of user SQL, the builders and append —
 * with the row index and the reason, and skipped (and listed) under onError: 'skip'.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { duckdbCatalogFromRows } from '../../src/catalog/duckdb/from-rows.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { openCatalog } from '../../src/catalog/open.js';
import { appendToCatalog } from '../../src/catalog/builders/catalog-dir.js';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { BuildError, CatalogError, GeosliceError } from '../../src/errors.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { smallRows } from '../fixtures/catalog/rows.js';

const T = { timeout: 60_000 };
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-hostile-rows-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function good(id: string): CatalogRow {
  return {
    id,
    assets: { B04: { href: `${id}.tif` } },
    geometry: writeWkb(bboxToPolygon([10, 45, 11, 46])),
    bbox: [10, 45, 11, 46],
    tmin: null,
    tmax: null,
    crs: 'EPSG:32632',
    backend: 'raster',
    extras: {},
  };
}

/** Each hostile row, placed at index 2 after two good rows, and the reason the error must give. */
const CASES: [string, (r: CatalogRow) => CatalogRow, RegExp][] = [
  ['NaN bbox', (r) => ({ ...r, bbox: [Number.NaN, 45, 11, 46] }), /bbox/],
  ['Infinity bbox', (r) => ({ ...r, bbox: [10, 45, Number.POSITIVE_INFINITY, 46] }), /bbox/],
  ['inverted bbox', (r) => ({ ...r, bbox: [11, 45, 10, 46] }), /min > max/],
  ['invalid WKB', (r) => ({ ...r, geometry: new Uint8Array([1, 3, 0, 0, 0, 9, 9]) }), /WKB/],
  ['NULL crs', (r) => ({ ...r, crs: null as never }), /crs/],
  ['NULL id', (r) => ({ ...r, id: null as never }), /id/],
  ['NULL geometry', (r) => ({ ...r, geometry: null as never }), /geometry/],
  ['unparseable CRS', (r) => ({ ...r, crs: 'EPSG:not-a-code' }), /crs .*does not parse/],
  ['unknown backend', (r) => ({ ...r, backend: 'cube' as never }), /backend must be one of raster, vector, xarray/],
];

function rowsWith(make: (r: CatalogRow) => CatalogRow): CatalogRow[] {
  return [good('a'), good('b'), make(good('bad')), good('c')];
}

const invalidAt2 = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof GeosliceError, String(e));
  assert.equal(e.code, 'INVALID_ROW', e.message);
  assert.match(e.message, /row 2/);
  assert.match(e.message, re);
  return true;
};

test(
  'fromRows (memory and duckdb) and writeGeoParquet refuse each hostile row with its index and reason',
  T,
  async () => {
    for (const [name, make, re] of CASES) {
      assert.throws(() => catalogFromRows(rowsWith(make)), invalidAt2(re), name);
      await assert.rejects(duckdbCatalogFromRows(rowsWith(make)), invalidAt2(re), name);
      const out = join(dir, 'w.parquet');
      await assert.rejects(writeGeoParquet(rowsWith(make), out), invalidAt2(re), name);
      assert.ok(!existsSync(out), `${name}: nothing is written`);
    }
  },
);

test('the final write refuses invalid core columns even when row validation is turned off', T, async () => {
  const out = join(dir, 'novalidate.parquet');
  for (const [name, make, re] of CASES.slice(0, 3)) {
    await assert.rejects(writeGeoParquet(rowsWith(make), out, { validate: false }), invalidAt2(re), name);
    assert.ok(!existsSync(out), name);
  }
});

test('toGeoParquet of user SQL that forges NaN/inverted bboxes or garbage WKB is refused', T, async () => {
  const src = join(dir, 'src.parquet');
  await writeGeoParquet(smallRows(), src);
  const cat = await openCatalog(src);
  const out = join(dir, 'forged.parquet');
  const forged: [string, RegExp, string][] = [
    [
      `SELECT * REPLACE ({'xmin': 'nan'::DOUBLE, 'ymin': 0::DOUBLE, 'xmax': 1::DOUBLE, 'ymax': 1::DOUBLE} AS bbox) FROM catalog`,
      /NaN/,
      'INVALID_ROW',
    ],
    [
      `SELECT * REPLACE ({'xmin': 5::DOUBLE, 'ymin': 0::DOUBLE, 'xmax': 1::DOUBLE, 'ymax': 1::DOUBLE} AS bbox) FROM catalog`,
      /inverted/,
      'INVALID_ROW',
    ],
    [`SELECT * REPLACE (NULL::VARCHAR AS crs) FROM catalog`, /crs is NULL/, 'INVALID_ROW'],
    [`SELECT * REPLACE ('\\x01\\x03\\x00\\x00\\x00\\x09'::BLOB AS geometry) FROM catalog`, /WKB|wkb/, 'INVALID_WKB'],
  ];
  for (const [sql, re, code] of forged) {
    await assert.rejects(
      cat.sql(sql).toGeoParquet(out),
      (e: unknown) => e instanceof CatalogError && e.code === code && re.test(e.message),
      sql,
    );
    assert.ok(!existsSync(out));
  }
  await cat.close();
});

test(
  'builds and appends skip hostile rows under onError: skip and list them; fail names them otherwise',
  T,
  async () => {
    const records = (k: string) => [
      { id: `${k}-ok`, datetime: '2024-01-01', geometry: bboxToPolygon([10, 45, 11, 46]), assets: { B04: 'a.tif' } },
      {
        id: `${k}-nan`,
        datetime: '2024-01-01',
        geometry: bboxToPolygon([Number.NaN, 45, 11, 46]),
        assets: { B04: 'b.tif' },
      },
      {
        id: `${k}-crs`,
        datetime: '2024-01-01',
        geometry: bboxToPolygon([10, 45, 11, 46]),
        assets: { B04: 'c.tif' },
        crs: 'EPSG:not-a-code',
      },
      { id: `${k}-ok2`, datetime: '2024-01-01', geometry: bboxToPolygon([12, 45, 13, 46]), assets: { B04: 'd.tif' } },
    ];
    const out = join(dir, 'built.parquet');
    await assert.rejects(
      buildCatalogFromTable(records('f'), { out, progress: false }),
      (e: unknown) => e instanceof BuildError && /f-nan|record 1|row 1/.test(e.message),
    );
    const r = await buildCatalogFromTable(records('s'), { out, progress: false, onError: 'skip' });
    assert.equal(r.rows, 2);
    assert.deepEqual(
      r.skipped.map((s) => /id (s-\w+)/.exec(s.input)?.[1]),
      ['s-nan', 's-crs'],
    );
    for (const s of r.skipped) assert.ok(s.code && s.message, JSON.stringify(s));
    await r.catalog.close();
    const cdir = join(dir, 'appended');
    const a = await appendToCatalog(cdir, { table: records('p') }, { progress: false, onError: 'skip' });
    assert.equal(a.rows, 2);
    assert.equal(a.skipped.length, 2);
    assert.equal(await a.catalog.count(), 2);
    await a.catalog.close();
  },
);
