import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { randomRows } from './memory-fixtures.js';

async function sorted(cat: GeoCatalog): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of cat.rows()) out.push(r);
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Rows as compared after a round trip: asset bands default to 1 when written. */
function comparable(r: CatalogRow): unknown {
  const assets = Object.fromEntries(Object.entries(r.assets).map(([k, a]) => [k, { href: a.href, band: a.band ?? 1 }]));
  return { ...r, assets, geometry: Buffer.from(r.geometry).toString('hex') };
}

test('toGeoParquet and toDuckDB of a memory catalog (incl. a derived one) read back as the same rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-memory-write-'));
  const opened: GeoCatalog[] = [];
  try {
    const rows = randomRows(500, 'memory-write');
    const cat = catalogFromRows(rows);
    const q = cat.query({ bbox: [13, 45, 16, 48] });
    const pq = join(dir, 'q.parquet');
    await q.toGeoParquet(pq);
    const back = await openCatalog(pq);
    opened.push(back);
    assert.deepEqual((await sorted(back)).map(comparable), (await sorted(q)).map(comparable));

    // an intersect result: its bbox (overlap of both bboxes) is smaller than its footprint
    const joined = q.intersect(catalogFromRows(randomRows(50, 'memory-write-right', 'b')), { spatialOnly: true });
    const jq = join(dir, 'joined.parquet');
    await joined.toGeoParquet(jq, { sortBy: [] });
    const jback = await openCatalog(jq);
    opened.push(jback);
    const expected = await sorted(joined);
    assert.ok(expected.length > 0);
    assert.deepEqual((await sorted(jback)).map(comparable), expected.map(comparable));

    const db = join(dir, 'cat.duckdb');
    await q.toDuckDB(db, { table: 'scenes' });
    const dback = await openCatalog(db, { table: 'scenes' });
    opened.push(dback);
    assert.deepEqual((await sorted(dback)).map(comparable), (await sorted(q)).map(comparable));
  } finally {
    for (const c of opened) await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
