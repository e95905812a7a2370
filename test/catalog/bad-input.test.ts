/**
 * Bad input to the DuckDB backend and the GeoParquet reader/writer: each case is a typed error naming
 * the file/column, and the process (and the shared engine) keeps working afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openCatalog } from '../../src/catalog/open.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { duckdbCatalogFromRows } from '../../src/catalog/duckdb/from-rows.js';
import type { DuckDBCatalog } from '../../src/catalog/duckdb/catalog.js';
import { CatalogError, GeoError, GeosliceError } from '../../src/errors.js';
import { smallRows } from '../fixtures/catalog/rows.js';

let dir: string;
let good: string;
let cat: DuckDBCatalog;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-bad-'));
  good = join(dir, 'good.parquet');
  await writeGeoParquet(smallRows(), good);
  cat = (await openCatalog(good)) as DuckDBCatalog;
});
after(async () => {
  await cat.close();
  rmSync(dir, { recursive: true, force: true });
});

async function duckExec(sql: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(sql);
  c.closeSync();
  db.closeSync();
}

function isCatalogError(code: string, ...mentions: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof CatalogError, `expected a CatalogError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const m of mentions) assert.ok(e.message.includes(m), `message should name ${m}: ${e.message}`);
    return true;
  };
}

test('a missing path is NOT_FOUND naming it', async () => {
  const p = join(dir, 'nope.parquet');
  await assert.rejects(openCatalog(p), isCatalogError('NOT_FOUND', p));
  await assert.rejects(openCatalog(join(dir, 'nope-*.parquet')), isCatalogError('NOT_FOUND', 'nope-*.parquet'));
  await assert.rejects(
    openCatalog({ glob: join(dir, 'nope-*.parquet') }),
    isCatalogError('NOT_FOUND', 'nope-*.parquet'),
  );
  await assert.rejects(openCatalog([good, p]), isCatalogError('NOT_FOUND', p));
  await assert.rejects(cat.withColumns(p).count(), isCatalogError('NOT_FOUND', p));
});

test('a file that is not Parquet is NOT_PARQUET naming it', async () => {
  const p = join(dir, 'notes.parquet');
  writeFileSync(p, 'id,geometry\na,POINT(1 2)\n');
  await assert.rejects(openCatalog(p), isCatalogError('NOT_PARQUET', p));
});

test('a truncated Parquet file is TRUNCATED naming it', async () => {
  const p = join(dir, 'truncated.parquet');
  const bytes = readFileSync(good);
  writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(openCatalog(p), isCatalogError('TRUNCATED', p));
});

test('a Parquet file without geometry is NO_GEOMETRY naming it', async () => {
  const p = join(dir, 'plain.parquet');
  await duckExec(`COPY (SELECT 'a' AS id, 1.5 AS x) TO '${p}' (FORMAT parquet)`);
  await assert.rejects(openCatalog(p), isCatalogError('NO_GEOMETRY', p));
  // A shard without geo metadata among good ones is named too.
  const d = join(dir, 'mixed');
  rmSync(d, { recursive: true, force: true });
  await writeGeoParquet(smallRows(), join(d, 'a.parquet'));
  copyFileSync(p, join(d, 'b.parquet'));
  await assert.rejects(openCatalog(d), isCatalogError('NO_GEOMETRY', 'b.parquet'));
});

test('invalid WKB: rows are refused by the writer; in a file, a spatial query fails with INVALID_WKB naming the file', async () => {
  const rows = smallRows();
  rows[2] = { ...rows[2], geometry: new Uint8Array([1, 3, 0, 0, 0, 9]) };
  await assert.rejects(writeGeoParquet(rows, join(dir, 'x.parquet')), isCatalogError('INVALID_ROW', 'r02', 'geometry'));
  await assert.rejects(duckdbCatalogFromRows(rows), isCatalogError('INVALID_ROW', 'r02'));

  const p = join(dir, 'badwkb.parquet');
  const geo = JSON.stringify({
    version: '1.1.0',
    primary_column: 'geometry',
    columns: { geometry: { encoding: 'WKB', geometry_types: [] } },
  }).replaceAll("'", "''");
  await duckExec(`COPY (SELECT 'a' AS id, '\\x01\\x03\\x00\\x00\\x00\\x09'::BLOB AS geometry, {'xmin': 0.0, 'ymin': 0.0, 'xmax': 1.0, 'ymax': 1.0} AS bbox)
                  TO '${p}' (FORMAT parquet, KV_METADATA {geo: '${geo}'})`);
  const bad = await openCatalog(p);
  assert.equal(await bad.count(), 1);
  await assert.rejects(bad.query({ bbox: [0, 0, 2, 2] }).count(), isCatalogError('INVALID_WKB', p));
});

test('an unknown CRS in a query is a GeoError UNKNOWN_CRS; an unsupported file CRS is UNSUPPORTED_CRS', async () => {
  assert.throws(
    () => cat.query({ bbox: [0, 0, 1, 1], crs: 'EPSG:999999' }),
    (e: unknown) => e instanceof GeoError && e.code === 'UNKNOWN_CRS',
  );
  const p = join(dir, 'mercator.parquet');
  const geo = JSON.stringify({
    version: '1.0.0',
    primary_column: 'geometry',
    columns: { geometry: { encoding: 'WKB', geometry_types: [], crs: 'EPSG:3857' } },
  });
  await duckExec(`COPY (SELECT 'a' AS id, '\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00'::BLOB AS geometry)
                  TO '${p}' (FORMAT parquet, KV_METADATA {geo: '${geo}'})`);
  await assert.rejects(openCatalog(p), isCatalogError('UNSUPPORTED_CRS', p, 'EPSG:3857'));
});

test('SQL injection through params is inert: values are bound, never pasted', async () => {
  const evil = "x' OR 1=1; DROP TABLE catalog; --";
  assert.equal(await cat.query({ where: 'split = $s', params: { s: evil } }).count(), 0);
  assert.equal(await cat.query({ where: 'id = ?', params: [evil] }).count(), 0);
  assert.equal(await cat.sql('SELECT * FROM catalog WHERE crs = $1', [evil]).count(), 0);
  assert.deepStrictEqual(await cat.aggregate('SELECT count(*) AS n FROM catalog WHERE split = $s', { s: evil }), [
    { n: 0n },
  ]);
  assert.equal(await cat.count(), 12);
});

test('SQL injection through statements and identifiers is refused with BAD_QUERY / BAD_IDENTIFIER', async () => {
  assert.throws(() => cat.query({ where: "split = 'val'; DROP TABLE x" }), isCatalogError('BAD_QUERY', ';'));
  assert.throws(
    () => cat.query({ where: '1=1) UNION ALL SELECT * FROM catalog WHERE (1=1' }),
    isCatalogError('BAD_QUERY', 'unbalanced'),
  );
  assert.throws(() => cat.sql('SELECT * FROM catalog; SELECT 1'), isCatalogError('BAD_QUERY'));
  assert.throws(() => cat.query({ where: 'split = $s', params: {} }), isCatalogError('BAD_QUERY', '$s'));
  assert.throws(() => cat.query({ where: 'split = ?', params: ['a', 'b'] }), isCatalogError('BAD_QUERY'));
  await assert.rejects(cat.aggregate('SELECT 1; DROP TABLE t'), isCatalogError('BAD_QUERY'));
  const ident = (name: string) => (e: unknown) =>
    isCatalogError('BAD_IDENTIFIER')(e) && (e as CatalogError).subject === name;
  assert.throws(() => cat.withColumns([{ id: 'r01', x: 1 }], { on: 'id" = 1 OR "1' }), ident('id" = 1 OR "1'));
  await assert.rejects(
    cat.toGeoParquet(join(dir, 'o.parquet'), { sortBy: ['tmin; DROP TABLE t'] }),
    ident('tmin; DROP TABLE t'),
  );
  await assert.rejects(
    cat.toGeoParquet(join(dir, 'o'), { partitionBy: ["split) TO '/etc/x' --"] }),
    ident("split) TO '/etc/x' --"),
  );
  await assert.rejects(cat.toDuckDB(join(dir, 'o.duckdb'), { table: 'a; DROP' }), ident('a; DROP'));
  await assert.rejects(cat.withColumns([{ id: 'r01', 'x"y': 1 }]).count(), ident('x"y'));
  const rows = smallRows();
  rows[0] = { ...rows[0], extras: { ...rows[0].extras, 'bad name"); --': 1 } };
  await assert.rejects(
    writeGeoParquet(rows, join(dir, 'o.parquet')),
    (e: unknown) => e instanceof GeosliceError && /bad name/.test(e.message),
  );
});

test('sql() whose result lacks catalog columns is MISSING_COLUMNS naming them; the process keeps running', async () => {
  await assert.rejects(
    cat.sql('SELECT id, geometry FROM catalog').count(),
    isCatalogError('MISSING_COLUMNS', 'assets', 'bbox', 'tmin', 'tmax', 'crs', 'backend'),
  );
  await assert.rejects(
    cat.sql('SELECT * REPLACE (CAST(tmin AS VARCHAR) AS tmin) FROM catalog').count(),
    isCatalogError('BAD_COLUMN_TYPE', 'tmin'),
  );
  await assert.rejects(
    cat.query({ where: 'no_such_column > 1' }).count(),
    isCatalogError('QUERY_FAILED', 'no_such_column'),
  );
  assert.equal(await cat.query({ bbox: [10, 45, 11, 46] }).count(), 2);
});
