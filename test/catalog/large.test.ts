/**
 * A 10^6-row synthetic catalog (generated inside DuckDB, written by toGeoParquet): rows() streams it
 * with bounded memory (peak RSS growth < 200 MB), count() and an AOI + time query().count() agree
 * with DuckDB's own count over the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBCatalog } from '../../src/catalog/duckdb/catalog.js';
import { DuckDBEngine } from '../../src/catalog/duckdb/engine.js';
import { openCatalog } from '../../src/catalog/open.js';
import { interval } from '../../src/geo/interval.js';
import { syntheticCatalogSql } from '../fixtures/catalog/synthetic.js';

const N = 1_000_000;
let dir: string;
let file: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-large-'));
  file = join(dir, 'synthetic.parquet');
  const engine = await DuckDBEngine.create({ memoryLimit: '1GB' });
  try {
    // Generate once into a table (footprint WKB from WKT is the slow part), then write it unsorted:
    // this test is about streaming and counting, the benchmark measures the sorted layout.
    await engine.exec(`CREATE TABLE synthetic AS ${syntheticCatalogSql(N)}`);
    const gen = new DuckDBCatalog(engine, `synthetic(${N})`, async () => ({
      sql: 'SELECT * FROM synthetic',
      params: {},
    }));
    await gen.toGeoParquet(file, { sortBy: [] });
  } finally {
    await engine.close();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('count() and an AOI + one-year query().count() on 10^6 rows', async () => {
  const cat = await openCatalog(file);
  assert.equal(await cat.count(), N);
  const q = cat.query({ bbox: [10, 40, 12, 42], interval: interval('2020-01-01', '2020-12-31T23:59:59.999Z') });
  // Footprints are rectangles equal to their bboxes, so the exact answer is a plain SQL count.
  const [expected] = await cat.aggregate(
    `SELECT count(*) AS n FROM catalog WHERE bbox.xmin <= 12 AND bbox.xmax >= 10 AND bbox.ymin <= 42 AND bbox.ymax >= 40
       AND tmin <= TIMESTAMPTZ '2020-12-31 23:59:59.999+00' AND tmax >= TIMESTAMPTZ '2020-01-01 00:00:00+00'`,
  );
  assert.ok(Number(expected.n) > 0);
  assert.equal(await q.count(), Number(expected.n));
});

test('rows() iterates all 10^6 rows with peak RSS growth < 200 MB', async (t) => {
  const cat = await openCatalog(file);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let n = 0;
  let lastId = '';
  for await (const r of cat.rows({ batchSize: 2048 })) {
    n++;
    lastId = r.id;
    if ((n & 4095) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.equal(n, N);
  assert.match(lastId, /^s\d+$/);
  const growthMB = (peak - rss0) / 2 ** 20;
  t.diagnostic(`peak RSS growth ${growthMB.toFixed(0)} MB`);
  assert.ok(growthMB < 200, `peak RSS grew by ${growthMB.toFixed(0)} MB`);
});
