/**
 * openCatalog sources: one file, a list, a hive directory of shards, a glob, a .duckdb file; engine
 * options; and the private engine being released by close().
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../../src/catalog/open.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { CatalogError } from '../../src/errors.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';

let dir: string;
const rows = smallRows();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-open-'));
  await writeGeoParquet(rows.slice(0, 6), join(dir, 'a.parquet'));
  await writeGeoParquet(rows.slice(6), join(dir, 'b.parquet'));
  await writeGeoParquet(rows, join(dir, 'hive'), { partitionBy: ['split'] });
  mkdirSync(join(dir, 'nested', 'deep'), { recursive: true });
  await writeGeoParquet(rows.slice(0, 3), join(dir, 'nested', 'deep', 'c.parquet'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function all(c: GeoCatalog): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of c.rows()) out.push(r);
  return out;
}

test('a single file and a list of files', async () => {
  const a = await openCatalog(join(dir, 'a.parquet'));
  assert.equal(a.engine, 'duckdb');
  assert.equal(a.source, join(dir, 'a.parquet'));
  assert.deepStrictEqual(comparable(await all(a)), comparable(rows.slice(0, 6)));
  const both = await openCatalog([join(dir, 'a.parquet'), join(dir, 'b.parquet')]);
  assert.deepStrictEqual(comparable(await all(both)), comparable(rows));
  assert.match(both.source, /^2 files/);
});

test('a hive directory of shards restores the partition column; a plain directory is searched recursively', async () => {
  const hive = await openCatalog(join(dir, 'hive'));
  assert.deepStrictEqual(comparable(await all(hive)), comparable(rows));
  const nested = await openCatalog(join(dir, 'nested'));
  assert.equal(await nested.count(), 3);
});

test('a glob, passed explicitly as { glob }', async () => {
  const g = await openCatalog({ glob: join(dir, '*.parquet') });
  assert.equal(await g.count(), 12);
  const shards = await openCatalog({ glob: join(dir, 'hive', 'split=val', '*.parquet') });
  assert.equal(await shards.count(), rows.filter((r) => r.extras.split === 'val').length);
});

test('a .duckdb file written by toDuckDB, with its table name', async () => {
  const src = await openCatalog(join(dir, 'a.parquet'));
  const db = join(dir, 'cat.duckdb');
  await src.toDuckDB(db);
  const c = await openCatalog(db);
  assert.deepStrictEqual(comparable(await all(c)), comparable(rows.slice(0, 6)));
  await c.close();
  await assert.rejects(
    openCatalog(db, { table: 'other' }),
    (e: unknown) => e instanceof CatalogError && e.code === 'MISSING_TABLE' && e.message.includes(db),
  );
});

test('engine options give a private engine that close() releases; joins across engines still work', async () => {
  const own = await openCatalog(join(dir, 'a.parquet'), { threads: 1, memoryLimit: '256MB' });
  const shared = await openCatalog(join(dir, 'b.parquet'));
  assert.equal(await own.union(shared).count(), 12);
  assert.equal(
    await own.intersect(shared, { spatialOnly: true }).count(),
    await shared.intersect(own, { spatialOnly: true }).count(),
  );
  await own.close();
  await assert.rejects(own.count(), (e: unknown) => e instanceof CatalogError && e.code === 'CLOSED');
  assert.equal(await shared.count(), 6);
  await assert.rejects(
    openCatalog(join(dir, 'a.parquet'), { memoryLimit: 'lots' }),
    (e: unknown) => e instanceof CatalogError && e.code === 'BAD_OPTION',
  );
  await assert.rejects(openCatalog([]), (e: unknown) => e instanceof CatalogError && e.code === 'BAD_SOURCE');
});
