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
  assert.deepEqual(got[0], [
    'r0',
    { cloud_pct: rows[0].extras.cloud_pct, tile: rows[0].extras.tile, split: 'val', label: 'forest' },
  ]);
  assert.deepEqual(got[1], [
    'r1',
    { cloud_pct: rows[1].extras.cloud_pct, tile: rows[1].extras.tile, split: null, label: null },
  ]);
  assert.deepEqual(got[2][1].label, 'water');
  assert.equal(got[2][1].split, null, 'a column the matching table row lacks is NULL');
  const schema = await joined.schema();
  assert.deepEqual(schema.map((c) => c.name).slice(8), ['cloud_pct', 'tile', 'split', 'label']);
});

test('withColumns repeats a catalog row for a repeated key and joins on an extra column', async () => {
  const cat = catalogFromRows(rows);
  const dup = await extrasById(
    cat.withColumns([
      { id: 'r1', label: 'a' },
      { id: 'r1', label: 'b' },
    ]),
  );
  assert.deepEqual(
    dup.filter(([id]) => id === 'r1').map(([, e]) => e.label),
    ['a', 'b'],
  );
  assert.equal(dup.length, 7);
  const tiles = [...new Set(rows.map((r) => r.extras.tile as string))];
  const byTile = await extrasById(
    cat.withColumns(
      tiles.map((tile, i) => ({ tile, zone: i })),
      { on: 'tile' },
    ),
  );
  for (const [id, e] of byTile) {
    const src = rows.find((r) => r.id === id)!;
    assert.equal(e.zone, tiles.indexOf(src.extras.tile as string));
  }
});

test('withColumns errors name the missing or clashing column', async () => {
  const cat = catalogFromRows(rows);
  assert.throws(() => catalogFromRows(rows).withColumns([{ id: 'r0' }], { on: '' }), badQuery);
  await Promise.all([
    assert.rejects(
      cat.withColumns([{ name: 'r0', label: 'x' }]).count(),
      (e: unknown) => badQuery(e) && /no join column "id"/.test((e as Error).message),
    ),
    assert.rejects(
      cat.withColumns([{ id: 'r0', label: 'x' }], { on: 'nope' }).count(),
      (e: unknown) => badQuery(e) && /no column "nope"/.test((e as Error).message),
    ),
    assert.rejects(
      cat.withColumns([{ id: 'r0', crs: 'EPSG:4326' }]).count(),
      (e: unknown) => badQuery(e) && /crs/.test((e as Error).message),
    ),
    assert.rejects(cat.withColumns([{ id: { nested: 1 } }]).count(), badQuery),
    assert.rejects(
      cat.withColumns('/nonexistent/labels.parquet').count(),
      (e: unknown) => e instanceof CatalogError && e.code === 'NOT_FOUND',
    ),
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
    await conn.run(
      `COPY (SELECT * FROM (VALUES ('r1', 'cropland', 3), ('r5', 'urban', 7)) t(id, label, n)) TO '${path}' (FORMAT parquet)`,
    );
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

test('withColumns agrees with the DuckDB backend (repeated keys, join on an extra column, Arrow dates)', async () => {
  const many = randomRows(300, 'with-columns-diff');
  const mem = catalogFromRows(many);
  const duck = await catalogFromRows(many, { engine: 'duckdb' });
  try {
    const sortedKeys = async (cat: GeoCatalog) => {
      const out: string[] = [];
      for await (const r of cat.rows()) out.push(JSON.stringify([r.id, r.bbox, r.tmin, r.extras]));
      return out.sort();
    };
    const labels = many
      .filter((_, i) => i % 3 === 0)
      .flatMap((r, i): Record<string, unknown>[] =>
        i % 4 === 0
          ? [
              { id: r.id, label: 'a' },
              { id: r.id, label: 'b' },
            ]
          : [{ id: r.id, label: null }],
      );
    assert.deepEqual(await sortedKeys(duck.withColumns(labels)), await sortedKeys(mem.withColumns(labels)));
    const tiles = [...new Set(many.map((r) => r.extras.tile as string))].map((tile, i) => ({
      tile,
      zone: i,
      split: i % 2 ? 'val' : 'train',
    }));
    assert.deepEqual(
      await sortedKeys(duck.withColumns(tiles, { on: 'tile' })),
      await sortedKeys(mem.withColumns(tiles, { on: 'tile' })),
    );
    const table = tableFromArrays({
      id: many.slice(0, 20).map((r) => r.id),
      labelled_at: many.slice(0, 20).map((_, i) => new Date(Date.UTC(2024, 0, 1 + i))),
    });
    const memArrow = await sortedKeys(mem.withColumns(table));
    assert.deepEqual(await sortedKeys(duck.withColumns(table)), memArrow);
    assert.ok(memArrow.some((k) => k.includes('"labelled_at":"2024-01-01T00:00:00.000Z"')));
  } finally {
    await mem.close();
    await duck.close();
  }
});
