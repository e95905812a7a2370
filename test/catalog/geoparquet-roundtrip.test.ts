/**
 * GeoParquet writing: write -> open -> same rows; the `geo` metadata validates against the official
 * GeoParquet 1.1.0 JSON schema; DuckDB's own GeoParquet reader (default settings) reads the file back
 * unchanged; sorting, row groups, partitioned output, 1.0.0 opt-out, toDuckDB and atomic replacement.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { DuckDBInstance } from '@duckdb/node-api';
import { openCatalog } from '../../src/catalog/open.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { duckdbCatalogFromRows } from '../../src/catalog/duckdb/from-rows.js';
import { CatalogError } from '../../src/errors.js';
import { hilbertKey } from '../../src/geo/hilbert.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';
import { syntheticRows } from '../fixtures/catalog/synthetic.js';

const SCHEMA = fileURLToPath(
  new URL('../../../shared/fixtures/geoparquet/geoparquet-1.1.0.schema.json', import.meta.url),
);
let dir: string;
let duck: DuckDBInstance;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-gpq-'));
  duck = await DuckDBInstance.create(':memory:');
});
after(() => {
  duck.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function sqlRows(sql: string): Promise<Record<string, unknown>[]> {
  const c = await duck.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

async function geoMetadata(file: string): Promise<Record<string, unknown>> {
  const [m] = await sqlRows(
    `SELECT decode(value) AS geo FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'geo'`,
  );
  return JSON.parse(String(m.geo)) as Record<string, unknown>;
}

test('write -> open -> the same rows (all extra types, antimeridian MultiPolygon, NULL times)', async () => {
  const rows = smallRows();
  const file = join(dir, 'small.parquet');
  assert.equal(await writeGeoParquet(rows, file), rows.length);
  const cat = await openCatalog(file);
  const back = [];
  for await (const r of cat.rows()) back.push(r);
  assert.deepStrictEqual(comparable(back), comparable(rows));
  assert.equal(await cat.count(), rows.length);
  await cat.close();
});

test('the geo metadata validates against the GeoParquet 1.1.0 JSON schema and declares the bbox covering', async (t) => {
  if (!existsSync(SCHEMA)) return t.skip(`shared fixture missing: ${SCHEMA}`);
  const file = join(dir, 'meta.parquet');
  await writeGeoParquet(smallRows(), file);
  const geo = await geoMetadata(file);
  const ajv = new Ajv({ strict: false });
  // The schema $refs the remote PROJJSON schema for `crs`; there is no network in tests and geoslice
  // omits `crs`, so a permissive stand-in is registered under that id.
  ajv.addSchema({ type: ['object', 'string', 'null'] }, 'https://proj.org/schemas/v0.7/projjson.schema.json');
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  assert.ok(validate(geo), JSON.stringify(validate.errors));
  const col = (geo.columns as Record<string, Record<string, unknown>>).geometry;
  assert.equal(geo.version, '1.1.0');
  assert.equal(col.encoding, 'WKB');
  assert.deepStrictEqual(col.geometry_types, ['MultiPolygon', 'Polygon']);
  assert.deepStrictEqual(col.bbox, [-180, -17, 180, 46]);
  assert.deepStrictEqual(col.covering, {
    bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] },
  });
  assert.equal('crs' in col, false, 'crs omitted = OGC:CRS84');
  // A schema violation is caught by the validator (the test can fail).
  assert.equal(validate({ ...geo, version: '1.0.0' }), false);
});

test('DuckDB read_parquet (default settings, GeoParquet conversion on) reads the file back unchanged', async () => {
  const rows = smallRows();
  const file = join(dir, 'duck.parquet');
  await writeGeoParquet(rows, file);
  const described = await sqlRows(
    `SELECT column_name AS n, column_type AS t FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`,
  );
  const types = Object.fromEntries(described.map((d) => [d.n, d.t]));
  assert.match(String(types.geometry), /^GEOMETRY/, 'DuckDB recognises the geometry column from the geo metadata');
  assert.equal(types.bbox, 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)');
  assert.equal(types.tmin, 'TIMESTAMP WITH TIME ZONE');
  assert.equal(types.assets, 'MAP(VARCHAR, STRUCT(href VARCHAR, band INTEGER))');
  const back = await sqlRows(
    `SELECT id, st_aswkb(geometry) AS wkb, bbox, tmin, tmax, crs, cloud_pct, n_obs, assets FROM read_parquet('${file}') ORDER BY id`,
  );
  const sorted = [...rows].sort((a, b) => a.id.localeCompare(b.id));
  assert.equal(back.length, rows.length);
  back.forEach((b, i) => {
    const r = sorted[i];
    assert.equal(b.id, r.id);
    assert.deepStrictEqual([...(b.wkb as Uint8Array)], [...r.geometry]);
    assert.deepStrictEqual(b.bbox, { xmin: r.bbox[0], ymin: r.bbox[1], xmax: r.bbox[2], ymax: r.bbox[3] });
    assert.equal((b.tmin as Date | null)?.getTime() ?? null, r.tmin?.getTime() ?? null);
    assert.equal((b.tmax as Date | null)?.getTime() ?? null, r.tmax?.getTime() ?? null);
    assert.equal(b.crs, r.crs);
    assert.equal(b.cloud_pct, r.extras.cloud_pct);
    assert.equal(b.n_obs, r.extras.n_obs);
    assert.deepStrictEqual(
      b.assets,
      Object.entries(r.assets).map(([key, a]) => ({ key, value: { href: a.href, band: a.band ?? null } })),
    );
  });
});

test('default sort: Hilbert key of the bbox centre, then tmin; row groups of rowGroupSize (multiple of 2048)', async () => {
  const file = join(dir, 'sorted.parquet');
  await writeGeoParquet(syntheticRows(5000, 'sort-test'), file, { rowGroupSize: 2048 });
  const back = await sqlRows(
    `SELECT CAST(epoch_ms(tmin) AS DOUBLE) AS t, bbox.xmin AS a, bbox.ymin AS b, bbox.xmax AS c, bbox.ymax AS d FROM read_parquet('${file}')`,
  );
  let prev: [number, number] = [-Infinity, -Infinity];
  for (const r of back) {
    const t = r.t === null ? Infinity : Number(r.t);
    const key: [number, number] = [
      hilbertKey(((r.a as number) + (r.c as number)) / 2, ((r.b as number) + (r.d as number)) / 2),
      t,
    ];
    assert.ok(
      key[0] > prev[0] || (key[0] === prev[0] && key[1] >= prev[1]),
      `rows out of order at key ${key[0]} time ${key[1]} after ${prev}`,
    );
    prev = key;
  }
  const groups = await sqlRows(
    `SELECT row_group_id, max(row_group_num_rows) AS n FROM parquet_metadata('${file}') GROUP BY 1 ORDER BY 1`,
  );
  assert.deepStrictEqual(
    groups.map((g) => Number(g.n)),
    [2048, 2048, 904],
  );
});

test('partitionBy writes a hive directory of shards that opens as one catalog', async () => {
  const rows = smallRows();
  const out = join(dir, 'by_split');
  await writeGeoParquet(rows, out, { partitionBy: ['split'] });
  assert.deepStrictEqual(readdirSync(out).sort(), ['split=train', 'split=val']);
  const cat = await openCatalog(out);
  const back = [];
  for await (const r of cat.rows()) back.push(r);
  assert.deepStrictEqual(comparable(back), comparable(rows));
  assert.equal(
    await cat.query({ where: "split = 'val'" }).count(),
    rows.filter((r) => r.extras.split === 'val').length,
  );
});

test("geoparquetVersion '1.0.0' writes no covering; the file still opens", async () => {
  const file = join(dir, 'v100.parquet');
  await writeGeoParquet(smallRows(), file, { geoparquetVersion: '1.0.0', compression: 'snappy', sortBy: [] });
  const geo = await geoMetadata(file);
  assert.equal(geo.version, '1.0.0');
  assert.equal('covering' in (geo.columns as Record<string, object>).geometry, false);
  assert.equal(await (await openCatalog(file)).count(), 12);
});

test('toGeoParquet and toDuckDB of a DuckDB catalog round trip', async () => {
  const rows = smallRows();
  const cat = await duckdbCatalogFromRows(rows);
  const file = join(dir, 'from-cat.parquet');
  const db = join(dir, 'cat.duckdb');
  await cat.query({ bbox: [9, 44, 15, 47] }).toGeoParquet(file);
  await cat.toDuckDB(db, { table: 'scenes' });
  const a = await openCatalog(file);
  assert.deepStrictEqual((await a.aggregate('SELECT list(id ORDER BY id) AS ids FROM catalog'))[0].ids, [
    'r00',
    'r01',
    'r02',
    'r03',
    'r04',
    'r05',
    'r08',
    'r09',
  ]);
  const b = await openCatalog(db, { table: 'scenes' });
  const back = [];
  for await (const r of b.rows()) back.push(r);
  assert.deepStrictEqual(comparable(back), comparable(rows));
  await b.close();
  await cat.close();
});

test('a failed write leaves the previous file untouched and no temporary files behind', async () => {
  const file = join(dir, 'keep.parquet');
  await writeGeoParquet(smallRows(), file);
  const before = statSync(file).size;
  const bad = smallRows();
  bad[5] = { ...bad[5], geometry: new Uint8Array([1, 3, 0, 0]) };
  await assert.rejects(
    writeGeoParquet(bad, file),
    (e: unknown) =>
      e instanceof CatalogError && e.code === 'INVALID_ROW' && /row 5 \(id "r05"\): geometry/.test(e.message),
  );
  assert.equal(statSync(file).size, before);
  assert.equal(await (await openCatalog(file)).count(), 12);
  assert.deepStrictEqual(
    readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});

test('an extra column whose type changes after the first batch is a SCHEMA_MISMATCH naming row and column', async () => {
  const rows = smallRows();
  rows[11] = { ...rows[11], extras: { ...rows[11].extras, cloud_pct: 'cloudy' } };
  await assert.rejects(
    writeGeoParquet(rows, join(dir, 'mismatch.parquet'), { batchSize: 4 }),
    (e: unknown) => e instanceof CatalogError && e.code === 'SCHEMA_MISMATCH' && /row 11 .*"cloud_pct"/.test(e.message),
  );
  rows[11] = { ...rows[11], extras: { ...smallRows()[11].extras, surprise: 1 } };
  await assert.rejects(
    writeGeoParquet(rows, join(dir, 'mismatch.parquet'), { batchSize: 4 }),
    (e: unknown) => e instanceof CatalogError && e.code === 'SCHEMA_MISMATCH' && /"surprise"/.test(e.message),
  );
  const n = await writeGeoParquet(rows, join(dir, 'declared.parquet'), {
    batchSize: 4,
    extrasTypes: { surprise: 'INTEGER' },
  });
  assert.equal(n, 12);
  const [r] = await sqlRows(`SELECT count(surprise) AS n, max(surprise) AS m FROM '${join(dir, 'declared.parquet')}'`);
  assert.deepStrictEqual([Number(r.n), r.m], [1, 1]);
});

test('onProgress reports the rows taken in after each batch', async () => {
  const seen: number[] = [];
  await writeGeoParquet(smallRows(), join(dir, 'progress.parquet'), { batchSize: 5, onProgress: (n) => seen.push(n) });
  assert.deepStrictEqual(seen, [5, 10, 12]);
});
