/**
 * Differential tests (acceptance of issue 2): on a seeded random 10^4-row catalog with mixed footprints
 * (rectangles, triangles, rotated rectangles whose bbox corners are empty, MultiPolygons) and NULL /
 * half-NULL times, the DuckDB and memory backends return identical row sets for random queries,
 * intersects and unions, and both equal a brute-force oracle over all rows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { normalizeQuery, timeRangesOverlap } from '../../src/catalog/query-plan.js';
import type { CatalogQuery, CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { bboxIntersects } from '../../src/geo/bbox.js';
import { geometriesIntersect, geometryIntersectsBBox, type Geometry } from '../../src/geo/geometry.js';
import { overlapsInterval } from '../../src/geo/interval.js';
import { readWkb } from '../../src/geo/wkb.js';
import { randomBox, randomQuery, randomRows, rng } from './memory-fixtures.js';

const N = 10_000;
const rows = randomRows(N, 'differential-catalog');
const geoms = rows.map((r) => readWkb(r.geometry));
const rightRows = randomRows(250, 'differential-right', 'b');

let mem: GeoCatalog;
let duck: GeoCatalog;
let memRight: GeoCatalog;
let duckRight: GeoCatalog;

before(async () => {
  mem = catalogFromRows(rows);
  duck = await catalogFromRows(rows, { engine: 'duckdb' });
  memRight = catalogFromRows(rightRows);
  duckRight = await catalogFromRows(rightRows, { engine: 'duckdb' });
});

after(async () => {
  for (const c of [mem, duck, memRight, duckRight]) await c?.close();
});

/** Everything a backend must reproduce, as one comparable string per row. */
function rowKey(r: CatalogRow): string {
  const assets = Object.keys(r.assets)
    .sort()
    .map((k) => `${k}=${r.assets[k].href}#${r.assets[k].band ?? 1}`);
  const extras = Object.keys(r.extras)
    .sort()
    .map((k) => `${k}=${JSON.stringify(r.extras[k])}`);
  return [
    r.id,
    r.bbox.join(','),
    r.tmin?.getTime() ?? 'null',
    r.tmax?.getTime() ?? 'null',
    r.crs,
    Buffer.from(r.geometry).toString('hex'),
    assets.join(';'),
    extras.join(';'),
  ].join(' | ');
}

async function keys(cat: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const r of cat.rows({ batchSize: 1000 })) out.push(rowKey(r));
  return out.sort();
}

async function ids(cat: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const r of cat.rows({ batchSize: 1000 })) out.push(r.id);
  return out.sort();
}

/** Brute force over all rows, with no index: the ids a query must return. */
function oracleQuery(q: CatalogQuery, extra: (r: CatalogRow) => boolean = () => true): string[] {
  const n = normalizeQuery(q);
  return rows
    .filter((r, i) => {
      if (n.boxes && !n.boxes.some((b) => geometryIntersectsBBox(geoms[i], b))) return false;
      if (n.interval && !overlapsInterval(r.tmin, r.tmax, n.interval, n.includeUndated)) return false;
      return extra(r);
    })
    .map((r) => r.id)
    .sort();
}

function oracleIntersect(
  left: CatalogRow[],
  leftGeoms: Geometry[],
  right: CatalogRow[],
  spatialOnly: boolean,
): string[] {
  const rg = right.map((r) => readWkb(r.geometry));
  const out: string[] = [];
  left.forEach((l, i) => {
    right.forEach((r, j) => {
      if (!bboxIntersects(l.bbox, r.bbox)) return;
      if (!spatialOnly && !timeRangesOverlap(l.tmin, l.tmax, r.tmin, r.tmax)) return;
      if (geometriesIntersect(leftGeoms[i], rg[j])) out.push(`${l.id}|${r.id}`);
    });
  });
  return out.sort();
}

test('the same 10^4 rows come back from both backends', async () => {
  assert.equal(await mem.count(), N);
  assert.equal(await duck.count(), N);
  const [a, b] = [await keys(mem), await keys(duck)];
  assert.deepEqual(a, b);
  assert.deepEqual(a, rows.map(rowKey).sort());
  assert.deepEqual(await mem.bounds(), await duck.bounds());
  assert.deepEqual(await mem.temporalExtent(), await duck.temporalExtent());
  // same columns; same types up to DuckDB's quoting of struct field names
  const unquote = (cols: { name: string; type: string }[]) =>
    cols.map((c) => ({ name: c.name, type: c.type.replaceAll('"', '') }));
  assert.deepEqual(unquote(await mem.schema()), unquote(await duck.schema()));
});

test('random bbox (EPSG:4326 and UTM) / interval / includeUndated queries: memory = DuckDB = oracle', async () => {
  const r = rng('differential-queries');
  let nonEmpty = 0;
  let bboxOnlyMisses = 0;
  for (let k = 0; k < 30; k++) {
    const q = randomQuery(r);
    const expected = oracleQuery(q);
    const label = `query ${k} ${JSON.stringify(q)}`;
    const m = mem.query(q);
    assert.deepEqual(await ids(m), expected, `memory, ${label}`);
    assert.deepEqual(await keys(duck.query(q)), await keys(m), `duckdb vs memory, ${label}`);
    if (expected.length > 0) nonEmpty++;
    const n = normalizeQuery(q);
    if (n.boxes)
      bboxOnlyMisses +=
        rows.filter((row) => n.boxes!.some((b) => bboxIntersects(row.bbox, b))).length -
        oracleQuery({ bbox: q.bbox, crs: q.crs }).length;
  }
  assert.ok(nonEmpty >= 15, `most random queries match rows (${nonEmpty})`);
  assert.ok(bboxOnlyMisses > 0, 'some rows overlap a query box by bbox only, so bbox-only filtering would be wrong');
});

test('queries with where + params (named and positional) and GeoSlice queries agree', async () => {
  const r = rng('differential-where');
  for (let k = 0; k < 6; k++) {
    const max = Math.round(r() * 100);
    const split = ['train', 'val', 'test'][k % 3];
    const q: CatalogQuery = { ...randomQuery(r), where: 'cloud_pct < $max AND split = $split', params: { max, split } };
    const expected = oracleQuery(
      q,
      (row) => row.extras.cloud_pct !== null && (row.extras.cloud_pct as number) < max && row.extras.split === split,
    );
    const m = mem.query(q);
    assert.deepEqual(await ids(m), expected, `memory ${JSON.stringify(q)}`);
    assert.deepEqual(await keys(duck.query(q)), await keys(m), `duckdb vs memory ${JSON.stringify(q)}`);
  }
  const lo = 20;
  const hi = 40;
  const positional: CatalogQuery = { bbox: [13, 45, 15, 47], where: 'cloud_pct BETWEEN ? AND ?', params: [lo, hi] };
  const expected = oracleQuery(
    positional,
    (row) => typeof row.extras.cloud_pct === 'number' && row.extras.cloud_pct >= lo && row.extras.cloud_pct <= hi,
  );
  assert.deepEqual(await ids(mem.query(positional)), expected);
  assert.deepEqual(await ids(duck.query(positional)), expected);
  for (let k = 0; k < 4; k++) {
    const b = randomBox(r);
    const slice = {
      bounds: b,
      crs: 'EPSG:4326',
      resolution: [(b[2] - b[0]) / 16, (b[3] - b[1]) / 16] as [number, number],
      interval: k % 2 ? { start: new Date('2023-06-01'), end: new Date('2024-06-01') } : undefined,
    };
    assert.deepEqual(await ids(mem.query(slice)), await ids(duck.query(slice)), `slice ${JSON.stringify(b)}`);
  }
});

test('intersect (spatialOnly true and false): memory = DuckDB = oracle, also across backends', async () => {
  for (const spatialOnly of [false, true]) {
    const expected = oracleIntersect(rows, geoms, rightRows, spatialOnly);
    assert.ok(expected.length > 100, `the join has pairs (${expected.length})`);
    const m = mem.intersect(memRight, { spatialOnly });
    assert.deepEqual(await ids(m), expected, `memory, spatialOnly ${spatialOnly}`);
    assert.deepEqual(
      await keys(duck.intersect(duckRight, { spatialOnly })),
      await keys(m),
      `duckdb, spatialOnly ${spatialOnly}`,
    );
    if (!spatialOnly)
      assert.deepEqual(await ids(mem.intersect(duckRight, { spatialOnly })), expected, 'memory x duckdb');
  }
  const q = {
    bbox: [13, 45, 16, 48] as [number, number, number, number],
    interval: { start: new Date('2023-03-01'), end: new Date('2024-03-01') },
  };
  const chainedMem = mem.query(q).intersect(memRight.query({ bbox: q.bbox }));
  const chainedDuck = duck.query(q).intersect(duckRight.query({ bbox: q.bbox }));
  assert.deepEqual(await keys(chainedDuck), await keys(chainedMem));
});

test('union (and union then query): memory = DuckDB', async () => {
  const um = mem.union(memRight);
  const ud = duck.union(duckRight);
  assert.equal(await um.count(), N + rightRows.length);
  assert.deepEqual(await keys(ud), await keys(um));
  const q: CatalogQuery = { bbox: [14, 46, 14.6, 46.5], interval: { start: new Date('2023-01-01'), end: null } };
  assert.deepEqual(await keys(ud.query(q)), await keys(um.query(q)));
  const self = mem.union(mem);
  assert.equal(await self.count(), 2 * N, 'duplicate ids are kept');
});

test('aggregate and withColumns agree', async () => {
  const sql =
    'SELECT split, count(*) AS n, round(avg(cloud_pct), 6) AS avg_cloud FROM catalog WHERE cloud_pct > $min GROUP BY split ORDER BY split';
  assert.deepEqual(await mem.aggregate(sql, { min: 30 }), await duck.aggregate(sql, { min: 30 }));
  const labels = rows
    .filter((_, i) => i % 7 === 0)
    .map((row, i) => ({ id: row.id, label: `class${i % 5}`, split: 'val' }));
  const q = { bbox: [12.5, 44.5, 14, 46] as [number, number, number, number] };
  assert.deepEqual(await keys(duck.withColumns(labels).query(q)), await keys(mem.withColumns(labels).query(q)));
});

test('sql() escape hatch (SELECT and bare WHERE) agrees, and its result composes with queries', async () => {
  const select = 'SELECT * FROM catalog WHERE split = $split AND cloud_pct >= $min';
  const params = { split: 'test', min: 50 };
  const expected = rows
    .filter((r) => r.extras.split === 'test' && typeof r.extras.cloud_pct === 'number' && r.extras.cloud_pct >= 50)
    .map((r) => r.id)
    .sort();
  const m = mem.sql(select, params);
  assert.deepEqual(await ids(m), expected);
  assert.deepEqual(await keys(duck.sql(select, params)), await keys(m));
  const q: CatalogQuery = {
    bbox: [12.5, 44.5, 15, 47],
    interval: { start: new Date('2023-06-01'), end: new Date('2024-01-01') },
  };
  assert.deepEqual(
    await keys(duck.sql('cloud_pct < ?', [20]).query(q)),
    await keys(mem.sql('cloud_pct < ?', [20]).query(q)),
  );
});
