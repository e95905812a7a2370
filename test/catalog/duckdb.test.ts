/**
 * The DuckDB backend's operations on a small hand-made catalog: exact spatial refinement, antimeridian
 * queries, intervals with undated rows, params, intersect/union/sql/withColumns, the eager calls, the
 * streaming cursor (early exit releases its connection) and materialize, with the memory backend as
 * a second opinion where both apply.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbCatalogFromRows } from '../../src/catalog/duckdb/from-rows.js';
import type { DuckDBCatalog } from '../../src/catalog/duckdb/catalog.js';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { interval } from '../../src/geo/interval.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';

let dir: string;
let duck: DuckDBCatalog;
let mem: GeoCatalog;
const rows = smallRows();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-duckdb-'));
  duck = await duckdbCatalogFromRows(rows);
  mem = catalogFromRows(rows);
});
after(async () => {
  await duck.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ids(c: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const r of c.rows()) out.push(r.id);
  return out.sort();
}

test('rows() returns the rows as given (all extras types)', async () => {
  const back: CatalogRow[] = [];
  for await (const r of duck.rows({ batchSize: 5 })) back.push(r);
  assert.deepStrictEqual(comparable(back), comparable(rows));
});

test('bbox query: bbox pushdown then exact footprint refinement (a triangle whose bbox corner is empty)', async () => {
  // The box touches only the empty north-east corner of r10's bbox.
  assert.deepStrictEqual(await ids(duck.query({ bbox: [21.5, 41.5, 23, 43] })), []);
  assert.deepStrictEqual(await ids(duck.query({ bbox: [20.5, 40.5, 23, 43] })), ['r10']);
  assert.deepStrictEqual(await ids(duck.query({ bbox: [12.3, 45.3, 12.4, 45.4] })), ['r02', 'r08']);
  assert.match(await duck.query({ bbox: [12.3, 45.3, 12.4, 45.4] }).explain(), /gs_intersects_bbox/);
});

test('an EPSG:4326 query box with xmin > xmax is split at the antimeridian', async () => {
  assert.deepStrictEqual(await ids(duck.query({ bbox: [179.5, -16.5, -179.5, -16.2] })), ['r11']);
  assert.deepStrictEqual(await ids(duck.query({ bbox: [-179.5, -16.5, -179.2, -16.2] })), ['r11']);
  assert.deepStrictEqual(await ids(duck.query({ bbox: [170, -16.5, 175, -16.2] })), []);
});

test('a query box in another CRS is transformed to EPSG:4326; a GeoSlice works as a query', async () => {
  // UTM 33N box around lon 15, lat 45.5 (rows r05 [15,45,16,46] and r04 [14,45,15,46] touch lon 15).
  const q = { bbox: [499000, 5038000, 501000, 5040000] as [number, number, number, number], crs: 'EPSG:32633' };
  assert.deepStrictEqual(await ids(duck.query(q)), await ids(mem.query(q)));
  assert.ok((await ids(duck.query(q))).includes('r05'));
  const slice = {
    bounds: [499000, 5038000, 501000, 5040000] as [number, number, number, number],
    crs: 'EPSG:32633',
    resolution: [10, 10] as [number, number],
    interval: interval('2024-06-01', '2024-06-30'),
  };
  assert.deepStrictEqual(await ids(duck.query(slice)), await ids(mem.query(slice)));
});

test('interval: overlap, NULL times excluded unless includeUndated, half-open rows use their known end', async () => {
  const march = interval('2024-03-01', '2024-03-31T23:59:59Z');
  assert.deepStrictEqual(await ids(duck.query({ interval: march })), ['r02', 'r10']);
  assert.deepStrictEqual(await ids(duck.query({ interval: march, includeUndated: true })), ['r02', 'r08', 'r10']);
  assert.deepStrictEqual(await ids(duck.query({ interval: interval('2023-06-01', '2023-06-01') })), ['r09']);
  for (const q of [
    { interval: march },
    { interval: interval(null, '2023-12-31') },
    { interval: interval('2024-05-01', null), includeUndated: true },
  ]) {
    assert.deepStrictEqual(await ids(duck.query(q)), await ids(mem.query(q)));
  }
});

test('where with named and positional params', async () => {
  assert.deepStrictEqual(
    await ids(duck.query({ where: 'cloud_pct >= $lo AND split = $s', params: { lo: 50, s: 'train' } })),
    ['r07', 'r08', 'r10', 'r11'],
  );
  assert.deepStrictEqual(await ids(duck.query({ where: 'good AND captured > ?', params: [new Date('2024-01-07')] })), [
    'r08',
    'r10',
  ]);
  assert.deepStrictEqual(
    await ids(duck.query({ bbox: [10, 45, 14, 46], where: 'list_contains(tags, $t)', params: { t: 't3' } })),
    ['r03'],
  );
});

test('intersect (spatial and temporal) and union match the memory backend', async () => {
  const other = [
    {
      ...rows[0],
      id: 'L1',
      bbox: [10.5, 45.5, 12.5, 45.8] as [number, number, number, number],
      extras: { label: 'field' },
    },
  ].map((r) => ({ ...r, geometry: rectWkb(r.bbox) }));
  const duckOther = await duckdbCatalogFromRows(other);
  const memOther = catalogFromRows(other);
  for (const spatialOnly of [true, false]) {
    const a: CatalogRow[] = [];
    for await (const r of duck.intersect(duckOther, { spatialOnly }).rows()) a.push(r);
    const b: CatalogRow[] = [];
    for await (const r of mem.intersect(memOther, { spatialOnly }).rows()) b.push(r);
    assert.deepStrictEqual(comparable(a), comparable(b));
    assert.ok(a.length > 0);
  }
  // Across backends: a memory catalog joined into DuckDB.
  assert.deepStrictEqual(await ids(duck.intersect(memOther, { spatialOnly: true })), [
    'r00|L1',
    'r01|L1',
    'r02|L1',
    'r08|L1',
  ]);
  assert.equal(await duck.union(duckOther).count(), 13);
  assert.equal(await duck.union(memOther).query({ where: 'label IS NOT NULL' }).count(), 1);
  await duckOther.close();
});

function rectWkb(b: [number, number, number, number]): Uint8Array {
  const [x0, y0, x1, y1] = b;
  return writeWkb({
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  });
}

test('sql(): full SELECT over `catalog` or a bare WHERE expression, with params', async () => {
  assert.deepStrictEqual(await ids(duck.sql("SELECT * FROM catalog WHERE split = 'val' AND id <> $x", { x: 'r00' })), [
    'r03',
    'r06',
    'r09',
  ]);
  assert.deepStrictEqual(await ids(duck.sql('cloud_pct > ?', [70])), ['r10', 'r11']);
  assert.deepStrictEqual(
    await ids(duck.sql('WITH v AS (SELECT * FROM catalog WHERE good) SELECT * FROM v WHERE cloud_pct < 20')),
    ['r00', 'r02'],
  );
  const extra = duck.sql('SELECT *, cloud_pct * 2 AS twice FROM catalog');
  const [r] = await extra.query({ where: "id = 'r01'" }).aggregate('SELECT twice FROM catalog');
  assert.equal(r.twice, 15);
});

test('withColumns from rows, an Arrow table and a parquet file; same-named columns are replaced', async () => {
  const labels = [
    { id: 'r01', label: 3, split: 'test' },
    { id: 'r05', label: 7, split: 'test' },
  ];
  const a = duck.withColumns(labels);
  assert.deepStrictEqual(await ids(a.query({ where: 'label > 5' })), ['r05']);
  assert.deepStrictEqual(await ids(a.query({ where: "split = 'test'" })), ['r01', 'r05']);
  assert.equal(await a.query({ where: 'split IS NULL' }).count(), 10);
  const arrow = tableFromArrays({ id: ['r02', 'r03'], score: Float64Array.from([0.25, 0.75]) });
  assert.deepStrictEqual(await ids(duck.withColumns(arrow).query({ where: 'score > 0.5' })), ['r03']);
  const file = join(dir, 'labels.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `COPY (SELECT 'r04' AS id, 'water' AS cls UNION ALL SELECT 'r06', 'forest') TO '${file}' (FORMAT parquet)`,
  );
  c.closeSync();
  db.closeSync();
  assert.deepStrictEqual(await ids(duck.withColumns(file).query({ where: "cls = 'forest'" })), ['r06']);
  assert.deepStrictEqual(
    await ids(duck.withColumns([{ split: 'val', weight: 2 }], { on: 'split' }).query({ where: 'weight = 2' })),
    ['r00', 'r03', 'r06', 'r09'],
  );
});

test('close() of a derived catalog drops the tables it loaded (withColumns rows, rows imported from another backend)', async () => {
  const engine = duck.db;
  const tables = async () =>
    Number((await engine.all("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'gs_%'"))[0].n);
  const before = await tables();
  const labelled = duck.withColumns([{ id: 'r01', label: 1 }]).intersect(mem, { spatialOnly: true });
  assert.ok((await labelled.count()) > 0);
  assert.equal(await tables(), before + 2);
  await labelled.close();
  assert.equal(await tables(), before + 1, 'the intersect dropped the imported memory rows');
});

test('count (cached), bounds, temporalExtent, aggregate, schema, explain', async () => {
  const q = duck.query({ bbox: [9, 44, 15, 47] });
  assert.equal(await q.count(), 8);
  assert.equal(await q.count(), 8);
  assert.deepStrictEqual(await duck.bounds(), [-180, -17, 180, 46]);
  assert.deepStrictEqual(await duck.query({ bbox: [0, 0, 1, 1] }).bounds(), null);
  const ext = await duck.temporalExtent();
  assert.deepStrictEqual(
    [ext?.start?.toISOString(), ext?.end?.toISOString()],
    ['2023-06-01T00:00:00.000Z', '2024-06-01T10:05:00.000Z'],
  );
  assert.deepStrictEqual(ext, await mem.temporalExtent());
  assert.deepStrictEqual(
    await duck.aggregate('SELECT split, count(*) AS n FROM catalog GROUP BY split ORDER BY split'),
    [
      { split: 'train', n: 8n },
      { split: 'val', n: 4n },
    ],
  );
  const schema = await duck.schema();
  assert.deepStrictEqual(
    schema.slice(0, 8).map((c) => c.name),
    ['id', 'assets', 'geometry', 'bbox', 'tmin', 'tmax', 'crs', 'backend'],
  );
  assert.deepStrictEqual(
    schema.find((c) => c.name === 'n_obs'),
    { name: 'n_obs', type: 'BIGINT' },
  );
  assert.match(await q.explain(), /FILTER|SEQ_SCAN/);
});

test('rows(): breaking early releases the connection; many cursors can be opened and abandoned', async () => {
  for (let k = 0; k < 50; k++) {
    for await (const r of duck.rows({ batchSize: 1 })) {
      assert.ok(r.id);
      break;
    }
  }
  assert.equal(await duck.count(), 12);
  const file = join(dir, 'cursor.parquet');
  await duck.toGeoParquet(file);
  const onFile = await openCatalog(file);
  const it = onFile.rows()[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  await it.return?.();
  assert.equal(await onFile.count(), 12);
});

test('materialize() gives an in-memory catalog with the same rows; close() is idempotent and later use fails clearly', async () => {
  const m = await duck.query({ where: 'good' }).materialize();
  assert.equal(m.engine, 'memory');
  assert.deepStrictEqual(await ids(m), await ids(duck.query({ where: 'good' })));
  const tmp = await duckdbCatalogFromRows(rows.slice(0, 2), { threads: 1, memoryLimit: '256MB' });
  assert.equal(await tmp.count(), 2);
  await tmp.close();
  await tmp.close();
  await assert.rejects(tmp.bounds(), (e: unknown) => (e as { code?: string }).code === 'CLOSED');
});
