/**
 * The canonical `backend` column: written by every writer (checked by reading the files with plain
 * DuckDB SQL, not geoslice's reader), read by both engines and the remote (hyparquet) reader, and
 * files written before the column existed read as 'raster' everywhere.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { BuildError, CatalogError } from '../../src/errors.js';
import { recordToRow } from '../../src/catalog/builders/record-row.js';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { CORE_COLUMNS } from '../../src/catalog/geoparquet/format.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openRemoteCatalog } from '../../src/catalog/remote/remote-catalog.js';
import type { CatalogRow, CatalogRowInput, GeoCatalog } from '../../src/catalog/types.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';
import { type RangeServer, startRangeServer } from '../fixtures/remote/range-server.js';

let dir = '';
let duck: DuckDBInstance;
let server: RangeServer;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-backend-'));
  duck = await DuckDBInstance.create(':memory:');
  server = await startRangeServer(dir);
});
after(async () => {
  await server?.close();
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function sql(text: string): Promise<Record<string, unknown>[]> {
  const c = await duck.connect();
  try {
    return (await c.runAndReadAll(text)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

async function all(cat: GeoCatalog): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of cat.rows()) out.push(r);
  return out;
}

const byId = (rows: CatalogRow[]) => Object.fromEntries(rows.map((r) => [r.id, r.backend]));

/** What plain DuckDB finds in the file: the column list and id -> backend. */
async function fileBackends(path: string): Promise<{ columns: string[]; backends: Record<string, unknown> }> {
  const columns = (await sql(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).map((r) => String(r.column_name));
  const rows = columns.includes('backend') ? await sql(`SELECT id, backend FROM read_parquet('${path}')`) : [];
  return { columns, backends: Object.fromEntries(rows.map((r) => [r.id, r.backend])) };
}

test('every writer writes backend as the eighth core column; rows come back with it in both engines', async () => {
  const rows = smallRows();
  const expected = Object.fromEntries(rows.map((r) => [r.id, r.backend]));
  assert.ok(Object.values(expected).includes('vector') && Object.values(expected).includes('raster'));

  const streamed = join(dir, 'streamed.parquet');
  await writeGeoParquet(rows, streamed);
  const fromMemory = join(dir, 'memory.parquet');
  await catalogFromRows(rows).toGeoParquet(fromMemory);
  const duckCat = await catalogFromRows(rows, { engine: 'duckdb' });
  const fromDuck = join(dir, 'duck.parquet');
  await duckCat.toGeoParquet(fromDuck);
  for (const f of [streamed, fromMemory, fromDuck]) {
    const { columns, backends } = await fileBackends(f);
    assert.deepEqual(columns.slice(0, CORE_COLUMNS.length), [...CORE_COLUMNS], f);
    assert.equal(columns[7], 'backend');
    assert.deepEqual(backends, expected, f);
  }
  const opened = await openCatalog(streamed);
  const remote = await openRemoteCatalog(`${server.base}/streamed.parquet`);
  try {
    assert.deepStrictEqual(comparable(await all(opened)), comparable(rows));
    assert.deepStrictEqual(comparable(await all(remote)), comparable(rows));
    assert.deepEqual(byId(await all(duckCat)), expected);
    // SQL sees the column like any other.
    const [v] = await opened.aggregate(`SELECT count(*) AS n FROM catalog WHERE backend = 'vector'`);
    assert.equal(Number(v.n), 1);
  } finally {
    await opened.close();
    await remote.close();
    await duckCat.close();
  }
});

test('a catalog written before the backend column reads as raster in every reader', async () => {
  const rows = smallRows();
  const current = join(dir, 'current.parquet');
  await writeGeoParquet(rows, current);
  // The old layout: the same file without the column (and with the same `geo` metadata), written by DuckDB itself.
  const old = join(dir, 'old.parquet');
  const [geo] = await sql(`SELECT decode(value) AS v FROM parquet_kv_metadata('${current}') WHERE decode(key) = 'geo'`);
  const geoText = String(geo.v).replaceAll("'", "''");
  await sql(
    `COPY (SELECT * EXCLUDE (backend) FROM read_parquet('${current}')) TO '${old}' (FORMAT parquet, KV_METADATA {geo: '${geoText}'})`,
  );
  assert.equal((await fileBackends(old)).columns.includes('backend'), false);

  const allRaster = Object.fromEntries(rows.map((r) => [r.id, 'raster']));
  const duckdb = await openCatalog(old);
  const remote = await openRemoteCatalog(`${server.base}/old.parquet`);
  try {
    const duckRows = await all(duckdb);
    assert.deepEqual(byId(duckRows), allRaster);
    assert.deepEqual(byId(await all(remote)), allRaster);
    // Into the memory engine and back out: still raster, and the rewrite has the column.
    const memory = catalogFromRows(duckRows);
    assert.deepEqual(byId(await all(memory)), allRaster);
    const rewritten = join(dir, 'rewritten.parquet');
    await duckdb.toGeoParquet(rewritten);
    assert.deepEqual((await fileBackends(rewritten)).backends, allRaster);
    // Old and new files union by name: the old rows are raster, the new keep theirs.
    const both = await all(duckdb.union(await openCatalog(current)));
    assert.equal(both.filter((r) => r.backend === 'vector').length, 1);
    assert.equal(both.length, 2 * rows.length);
  } finally {
    await duckdb.close();
    await remote.close();
  }
});

test('rows without backend are raster; an unknown backend is INVALID_ROW in both engines and from a file', async () => {
  const [first] = smallRows();
  const { backend: _omit, ...rest } = first;
  const bare: CatalogRowInput = rest;
  assert.equal((await all(catalogFromRows([bare])))[0].backend, 'raster');
  const duckCat = await catalogFromRows([bare], { engine: 'duckdb' });
  assert.equal((await all(duckCat))[0].backend, 'raster');
  await duckCat.close();

  const bad = { ...first, backend: 'cube' } as unknown as CatalogRowInput;
  const invalid = (e: unknown) =>
    e instanceof CatalogError && e.code === 'INVALID_ROW' && /backend/.test(e.message) && /cube/.test(e.message);
  assert.throws(() => catalogFromRows([bad]), invalid);
  await assert.rejects(catalogFromRows([bad], { engine: 'duckdb' }), invalid);

  const current = join(dir, 'current.parquet');
  const wrong = join(dir, 'wrong.parquet');
  const [geo] = await sql(`SELECT decode(value) AS v FROM parquet_kv_metadata('${current}') WHERE decode(key) = 'geo'`);
  await sql(
    `COPY (SELECT * REPLACE ('cube' AS backend) FROM read_parquet('${current}')) TO '${wrong}' (FORMAT parquet, KV_METADATA {geo: '${String(geo.v).replaceAll("'", "''")}'})`,
  );
  const opened = await openCatalog(wrong);
  await assert.rejects(all(opened), invalid);
  await opened.close();
});

test('table records: backend absent = raster, a vector record stays vector, anything else is BAD_RECORD', () => {
  const rec = (backend?: unknown) => ({
    id: 'a',
    geometry: { type: 'Point', coordinates: [10, 45] },
    assets: { image: { href: 'a.tif' } },
    crs: 'EPSG:4326',
    ...(backend === undefined ? {} : { backend }),
  });
  assert.equal(recordToRow(rec(), 0).backend, 'raster');
  assert.equal(recordToRow(rec(null), 0).backend, 'raster');
  const v = recordToRow(rec('vector'), 0);
  assert.equal(v.backend, 'vector');
  assert.ok(!('backend' in v.extras));
  assert.throws(
    () => recordToRow(rec('cube'), 3),
    (e: unknown) => e instanceof BuildError && e.code === 'BAD_RECORD' && /cube/.test(e.message),
  );
});

test('toGeoParquet metadata: extra footer keys next to geo (read by plain DuckDB); geo and non-strings refused', async () => {
  const out = join(dir, 'kv.parquet');
  const cat = catalogFromRows(smallRows());
  await cat.toGeoParquet(out, { metadata: { 'geoslice:band_stats': `{"note":"it's"}`, other: 'x' } });
  const kv = await sql(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${out}') ORDER BY k`);
  assert.deepEqual(
    kv.map((r) => r.k),
    ['geo', 'geoslice:band_stats', 'other'],
  );
  assert.equal(kv[1].v, `{"note":"it's"}`);
  for (const metadata of [{ geo: '{}' }, { k: 1 }] as unknown as Record<string, string>[])
    await assert.rejects(cat.toGeoParquet(join(dir, 'kv2.parquet'), { metadata }), { code: 'BAD_OPTION' });
});
