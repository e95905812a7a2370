import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { CatalogError } from '../../src/errors.js';
import { randomRows } from './memory-fixtures.js';

const rows = randomRows(6, 'with-columns');

async function extrasById(cat: GeoCatalog): Promise<[string, Record<string, unknown>][]> {
  const out: [string, Record<string, unknown>][] = [];
  for await (const r of cat.rows()) out.push([r.id, r.extras]);
  return out;
}

const badQuery = (e: unknown) => e instanceof CatalogError && e.code === 'BAD_QUERY';

test('withColumns from JS rows: left join on id, same-named columns replaced, unmatched rows get NULL', async () => {
  const cat = catalogFromRows(rows);
  const joined = cat.withColumns([
    { id: 'r0', split: 'val', label: 'forest' },
    { id: 'r2', label: 'water' },
    { id: 'not-in-catalog', split: 'test', label: 'x' },
    { id: null, label: 'ignored' },
  ]);
  const got = await extrasById(joined);
  assert.equal(got.length, 6);
  assert.deepEqual(got[0], ['r0', { cloud_pct: rows[0].extras.cloud_pct, tile: rows[0].extras.tile, split: 'val', label: 'forest' }]);
  assert.deepEqual(got[1], ['r1', { cloud_pct: rows[1].extras.cloud_pct, tile: rows[1].extras.tile, split: null, label: null }]);
  assert.deepEqual(got[2][1].label, 'water');
  assert.equal(got[2][1].split, null, 'a column the matching table row lacks is NULL');
  const schema = await joined.schema();
  assert.deepEqual(schema.map((c) => c.name).slice(7), ['cloud_pct', 'tile', 'split', 'label']);
});

test('withColumns repeats a catalog row for a repeated key and joins on an extra column', async () => {
  const cat = catalogFromRows(rows);
  const dup = await extrasById(cat.withColumns([{ id: 'r1', label: 'a' }, { id: 'r1', label: 'b' }]));
  assert.deepEqual(dup.filter(([id]) => id === 'r1').map(([, e]) => e.label), ['a', 'b']);
  assert.equal(dup.length, 7);
  const tiles = [...new Set(rows.map((r) => r.extras.tile as string))];
  const byTile = await extrasById(cat.withColumns(tiles.map((tile, i) => ({ tile, zone: i })), { on: 'tile' }));
  for (const [id, e] of byTile) {
    const src = rows.find((r) => r.id === id)!;
    assert.equal(e.zone, tiles.indexOf(src.extras.tile as string));
  }
});

test('withColumns errors name the missing or clashing column', async () => {
  const cat = catalogFromRows(rows);
  assert.throws(() => catalogFromRows(rows).withColumns([{ id: 'r0' }], { on: '' }), badQuery);
  await Promise.all([
    assert.rejects(cat.withColumns([{ name: 'r0', label: 'x' }]).count(), (e: unknown) => badQuery(e) && /no join column "id"/.test((e as Error).message)),
    assert.rejects(cat.withColumns([{ id: 'r0', label: 'x' }], { on: 'nope' }).count(), (e: unknown) => badQuery(e) && /no column "nope"/.test((e as Error).message)),
    assert.rejects(cat.withColumns([{ id: 'r0', crs: 'EPSG:4326' }]).count(), (e: unknown) => badQuery(e) && /crs/.test((e as Error).message)),
    assert.rejects(cat.withColumns([{ id: { nested: 1 } }]).count(), badQuery),
    assert.rejects(cat.withColumns('/nonexistent/labels.parquet').count(), (e: unknown) => e instanceof CatalogError && e.code === 'NOT_FOUND'),
  ]);
});

test('withColumns from an Arrow table', async () => {
  const table = tableFromArrays({ id: ['r3', 'r4'], uncertainty: Float64Array.from([0.25, 0.75]) });
  const got = new Map(await extrasById(catalogFromRows(rows).withColumns(table)));
  assert.equal(got.get('r3')!.uncertainty, 0.25);
  assert.equal(got.get('r4')!.uncertainty, 0.75);
  assert.equal(got.get('r0')!.uncertainty, null);
});

test('withColumns from a parquet file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-with-columns-'));
  try {
    const path = join(dir, 'labels.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`COPY (SELECT * FROM (VALUES ('r1', 'cropland', 3), ('r5', 'urban', 7)) t(id, label, n)) TO '${path}' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    const cat = catalogFromRows(rows).withColumns(path);
    const got = new Map(await extrasById(cat));
    assert.equal(got.get('r1')!.label, 'cropland');
    assert.equal(got.get('r5')!.label, 'urban');
    assert.equal(got.get('r5')!.n, 7);
    assert.equal(got.get('r0')!.label, null);
    const filtered: CatalogRow[] = [];
    for await (const r of cat.query({ bbox: rows[1].bbox }).rows()) filtered.push(r);
    assert.ok(filtered.some((r) => r.id === 'r1' && r.extras.label === 'cropland'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
