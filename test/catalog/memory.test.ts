import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { CatalogError } from '../../src/errors.js';
import type { BBox } from '../../src/geo/bbox.js';
import { geometryBBox, type Geometry } from '../../src/geo/geometry.js';
import { interval } from '../../src/geo/interval.js';
import { transformPoint } from '../../src/geo/transform.js';
import { writeWkb } from '../../src/geo/wkb.js';

function poly(coords: [number, number][]): Geometry {
  return { type: 'Polygon', coordinates: [[...coords, coords[0]]] };
}

function row(
  id: string,
  g: Geometry,
  t: [string | null, string | null] = ['2024-06-01', '2024-06-01'],
  extras: Record<string, unknown> = {},
): CatalogRow {
  return {
    id,
    assets: { B04: { href: `${id}/B04.tif` } },
    geometry: writeWkb(g),
    bbox: geometryBBox(g),
    tmin: t[0] === null ? null : new Date(t[0]),
    tmax: t[1] === null ? null : new Date(t[1]),
    crs: 'EPSG:32633',
    backend: 'raster',
    extras,
  };
}

/** A diamond centred on (cx, cy): its bbox corners are empty. */
function diamond(cx: number, cy: number, r: number): Geometry {
  return poly([
    [cx - r, cy],
    [cx, cy - r],
    [cx + r, cy],
    [cx, cy + r],
  ]);
}

async function collect(it: AsyncIterable<CatalogRow>): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of it) out.push(r);
  return out;
}

async function ids(cat: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const r of cat.rows()) out.push(r.id);
  return out.sort();
}

const base = [
  row('diamond', diamond(15, 47, 1), ['2024-01-10', '2024-01-20'], { cloud_pct: 5, split: 'train' }),
  row(
    'square',
    poly([
      [10, 40],
      [11, 40],
      [11, 41],
      [10, 41],
    ]),
    ['2024-06-01', '2024-06-01'],
    { cloud_pct: 50 },
  ),
  row(
    'undated',
    poly([
      [14, 46],
      [16, 46],
      [16, 48],
      [14, 48],
    ]),
    [null, null],
    { split: 'val' },
  ),
  row(
    'halfdated',
    poly([
      [14.5, 46.5],
      [15.5, 46.5],
      [15.5, 47.5],
      [14.5, 47.5],
    ]),
    ['2024-03-01', null],
  ),
  row(
    'east',
    poly([
      [179, -1],
      [180, -1],
      [180, 1],
      [179, 1],
    ]),
  ),
  row('west', {
    type: 'MultiPolygon',
    coordinates: [
      [
        [
          [-180, -1],
          [-179, -1],
          [-179, 1],
          [-180, 1],
          [-180, -1],
        ],
      ],
    ],
  }),
];

test('count, bounds, temporalExtent and missing extras become NULL', async () => {
  const cat = catalogFromRows(base);
  assert.equal(cat.engine, 'memory');
  assert.equal(cat.source, 'rows(6)');
  assert.equal(await cat.count(), 6);
  assert.deepEqual(await cat.bounds(), [-180, -1, 180, 48]);
  assert.deepEqual(await cat.temporalExtent(), { start: new Date('2024-01-10'), end: new Date('2024-06-01') });
  const all: CatalogRow[] = [];
  for await (const r of cat.rows({ batchSize: 2 })) all.push(r);
  assert.deepEqual(all.find((r) => r.id === 'square')!.extras, { cloud_pct: 50, split: null });
  assert.deepEqual(all.find((r) => r.id === 'east')!.extras, { cloud_pct: null, split: null });
  assert.equal(await catalogFromRows([]).bounds(), null);
  assert.equal(await catalogFromRows([]).temporalExtent(), null);
});

test('bbox query refines the R-tree hits with the exact footprint', async () => {
  const cat = catalogFromRows(base);
  // The north-east corner of the diamond's bbox is empty; the box touches only the bbox there.
  const corner: BBox = [15.8, 47.8, 16.2, 48.2];
  assert.deepEqual(await ids(cat.query({ bbox: corner })), ['undated']);
  assert.deepEqual(await ids(cat.query({ bbox: [15.4, 47.4, 15.6, 47.6] })), ['diamond', 'halfdated', 'undated']);
  // touching the tip of the diamond counts
  assert.deepEqual(await ids(cat.query({ bbox: [16, 47, 16.5, 47.1] })), ['diamond', 'undated']);
  assert.equal(await cat.query({ bbox: [0, 0, 1, 1] }).count(), 0);
});

test('a bbox crossing the antimeridian (xmin > xmax) matches both sides', async () => {
  const cat = catalogFromRows(base);
  assert.deepEqual(await ids(cat.query({ bbox: [179.5, -0.5, -179.5, 0.5] })), ['east', 'west']);
  assert.deepEqual(await ids(cat.query({ bbox: [179.5, -0.5, 179.9, 0.5] })), ['east']);
});

test('a bbox in a projected CRS is transformed to EPSG:4326', async () => {
  const cat = catalogFromRows(base);
  const [x, y] = transformPoint('EPSG:4326', 'EPSG:32633', [15, 47]);
  assert.deepEqual(await ids(cat.query({ bbox: [x - 1000, y - 1000, x + 1000, y + 1000], crs: 'EPSG:32633' })), [
    'diamond',
    'halfdated',
    'undated',
  ]);
  const [cx, cy] = transformPoint('EPSG:4326', 'EPSG:32633', [15.9, 47.9]);
  assert.deepEqual(await ids(cat.query({ bbox: [cx - 500, cy - 500, cx + 500, cy + 500], crs: 'EPSG:32633' })), [
    'undated',
  ]);
});

test('interval overlap: undated rows only with includeUndated, half-dated rows use their known time', async () => {
  const cat = catalogFromRows(base);
  const jan = interval('2024-01-15', '2024-02-01');
  assert.deepEqual(await ids(cat.query({ interval: jan })), ['diamond']);
  assert.deepEqual(await ids(cat.query({ interval: jan, includeUndated: true })), ['diamond', 'undated']);
  assert.deepEqual(await ids(cat.query({ interval: interval('2024-03-01', '2024-03-01') })), ['halfdated']);
  assert.deepEqual(await ids(cat.query({ interval: interval('2024-06-01', null) })), ['east', 'square', 'west']);
  assert.deepEqual(await ids(cat.query({ interval: interval(null, '2024-01-10') })), ['diamond']);
});

test('a GeoSlice query uses its bounds, crs and interval', async () => {
  const cat = catalogFromRows(base);
  const slice = {
    bounds: [15.4, 47.4, 15.6, 47.6] as BBox,
    crs: 'EPSG:4326',
    resolution: [0.1, 0.1] as [number, number],
  };
  assert.deepEqual(await ids(cat.query(slice)), ['diamond', 'halfdated', 'undated']);
  assert.deepEqual(await ids(cat.query({ ...slice, interval: interval('2024-01-01', '2024-01-31') })), ['diamond']);
});

test('queries compose (AND) and run lazily', async () => {
  const cat = catalogFromRows(base);
  const q = cat.query({ bbox: [14, 46, 16, 48] }).query({ interval: interval('2024-01-01', '2024-12-31') });
  assert.deepEqual(await ids(q), ['diamond', 'halfdated']);
  assert.equal(await q.count(), 2);
  const closed = catalogFromRows(base);
  await closed.close();
  const lazy = cat.intersect(closed); // nothing runs yet
  await assert.rejects(lazy.count(), (e: unknown) => e instanceof CatalogError && e.code === 'CLOSED');
});

test('bad queries are typed errors', () => {
  const cat = catalogFromRows(base);
  const badQuery = (e: unknown) => e instanceof CatalogError && e.code === 'BAD_QUERY';
  assert.throws(() => cat.query({ bbx: [0, 0, 1, 1] } as never), badQuery);
  assert.throws(() => cat.query({ bbox: [0, 1, 1, 0] }), badQuery);
  assert.throws(() => cat.query({ bbox: [0, 0, Number.NaN, 1] }), badQuery);
  assert.throws(() => cat.query({ params: [1] }), badQuery);
  assert.throws(
    () => cat.query({ interval: { start: new Date('2024-02-01'), end: new Date('2024-01-01') } }),
    badQuery,
  );
  assert.throws(
    () => cat.query({ bbox: [0, 0, 1, 1], crs: 'EPSG:999999' }),
    (e: unknown) => e instanceof Error && 'code' in e && e.code === 'UNKNOWN_CRS',
  );
  assert.throws(
    () => cat.rows({ batchSize: 0 }),
    (e: unknown) => e instanceof CatalogError && e.code === 'BAD_OPTION',
  );
});

test('invalid rows are rejected naming the row index and id', () => {
  const good = base[0];
  const check = (r: unknown, pattern: RegExp) =>
    assert.throws(
      () => catalogFromRows([good, r as CatalogRow]),
      (e: unknown) => e instanceof CatalogError && e.code === 'INVALID_ROW' && pattern.test(e.message),
    );
  check({ ...good, id: 'x', geometry: new Uint8Array([1, 3, 0]) }, /row 1 \(id "x"\): geometry is not valid WKB/);
  check({ ...good, id: '' }, /row 1: id must be a non-empty string/);
  check({ ...good, id: 'y', bbox: [15, 47, 14, 48] }, /id "y".*bbox has min > max/);
  check({ ...good, id: 'y', bbox: [14.5, 46, 16, 48] }, /bbox .* does not contain the footprint/);
  check({ ...good, id: 'z', tmin: new Date('2025-01-01') }, /tmin .* is after tmax/);
  check({ ...good, id: 'z', tmax: new Date('nope') }, /tmax must be a valid Date or null/);
  check({ ...good, id: 'a', assets: { B04: { band: 1 } } }, /assets\.B04 must be/);
  check({ ...good, id: 'a', extras: { bbox: 1 } }, /extras\.bbox reuses a core column name/);
  check({ ...good, id: 'a', crs: '' }, /crs must be a non-empty string/);
});

test('rows are copies: mutating them does not change the catalog', async () => {
  const cat = catalogFromRows(base);
  for await (const r of cat.rows()) {
    r.extras.split = 'mutated';
    r.bbox[0] = 999;
  }
  for await (const r of cat.rows()) {
    assert.notEqual(r.extras.split, 'mutated');
    assert.notEqual(r.bbox[0], 999);
  }
});

test('intersect follows the documented output semantics', async () => {
  const left = catalogFromRows([
    row(
      'L',
      poly([
        [0, 0],
        [2, 0],
        [2, 2],
        [0, 2],
      ]),
      ['2024-01-01', '2024-01-31'],
      { split: 'train', score: 1 },
    ),
  ]);
  const rights = [
    row(
      'R1',
      poly([
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
      ]),
      ['2024-01-15', '2024-02-15'],
      { split: 'val', label: 'forest' },
    ),
    row(
      'R2',
      poly([
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
      ]),
      ['2024-03-01', '2024-03-02'],
      { split: 'test', label: 'water' },
    ),
    // bbox overlaps L but the triangle stays outside L's square
    row(
      'R3',
      poly([
        [2.5, 1.5],
        [3, 1],
        [3, 3],
      ]),
      ['2024-01-15', '2024-01-15'],
      { split: 'test', label: 'x' },
    ),
    row(
      'R4',
      poly([
        [1.5, 1.5],
        [1.6, 1.5],
        [1.6, 1.6],
        [1.5, 1.6],
      ]),
      [null, null],
      { split: 'val', label: 'urban' },
    ),
  ];
  rights[0].assets = { B04: { href: 'r1/B04.tif' }, mask: { href: 'r1/mask.tif', band: 2 } };
  rights[0].backend = 'vector'; // the pair keeps the left row's backend
  const right = catalogFromRows(rights);
  const joined: CatalogRow[] = [];
  for await (const r of left.intersect(right).rows()) joined.push(r);
  assert.equal(joined.length, 1);
  assert.deepEqual(joined[0], {
    id: 'L|R1',
    assets: { B04: { href: 'L/B04.tif' }, right_B04: { href: 'r1/B04.tif' }, mask: { href: 'r1/mask.tif', band: 2 } },
    geometry: joined[0].geometry,
    bbox: [1, 1, 2, 2],
    tmin: new Date('2024-01-15'),
    tmax: new Date('2024-01-31'),
    crs: 'EPSG:32633',
    backend: 'raster',
    extras: { split: 'train', score: 1, right_split: 'val', label: 'forest', left_id: 'L', right_id: 'R1' },
  });
  assert.deepEqual(await ids(left.intersect(right, { spatialOnly: true })), ['L|R1', 'L|R2', 'L|R4']);
  const undatedPair = (await collect(left.intersect(right, { spatialOnly: true }).rows())).find(
    (r) => r.id === 'L|R4',
  )!;
  assert.equal(undatedPair.tmin, null);
  assert.equal(undatedPair.tmax, null);
  assert.throws(() => left.intersect(right, { spatialOnly: 'yes' as never }), CatalogError);
});

test('union keeps duplicates and fills missing extras with NULL', async () => {
  const a = catalogFromRows([base[0], base[1]]);
  const b = catalogFromRows([row('diamond', diamond(15, 47, 1), ['2024-01-10', '2024-01-20'], { label: 'x' })]);
  const u = a.union(b);
  assert.equal(await u.count(), 3);
  const rows = await collect(u.rows());
  assert.deepEqual(
    rows.map((r) => r.extras),
    [
      { cloud_pct: 5, split: 'train', label: null },
      { cloud_pct: 50, split: null, label: null },
      { cloud_pct: null, split: null, label: 'x' },
    ],
  );
  assert.deepEqual((await u.schema()).slice(8), [
    { name: 'cloud_pct', type: 'DOUBLE' },
    { name: 'split', type: 'VARCHAR' },
    { name: 'label', type: 'VARCHAR' },
  ]);
  assert.deepEqual(await ids(u.query({ bbox: [15.4, 47.4, 15.6, 47.6] })), ['diamond', 'diamond']);
});

test('materialize, explain and close', async () => {
  const cat = catalogFromRows(base);
  const q = cat.query({ bbox: [14, 46, 16, 48] });
  const m = await q.materialize();
  assert.equal(m.engine, 'memory');
  assert.deepEqual(await ids(m), await ids(q));
  const plan = await q.explain();
  assert.match(plan, /R-tree/);
  assert.match(plan, /exact footprint/);
  await cat.close();
  await cat.close();
  await assert.rejects(cat.count(), (e: unknown) => e instanceof CatalogError && e.code === 'CLOSED');
  assert.equal(await q.count(), 3, 'catalogs derived before close keep working');
});

test('where, sql and aggregate are evaluated by DuckDB over the memory rows, also on derived rows', async () => {
  const cat = catalogFromRows(base);
  assert.deepEqual(await ids(cat.query({ where: 'cloud_pct < $max', params: { max: 10 } })), ['diamond']);
  assert.deepEqual(await ids(cat.query({ bbox: [14, 46, 16, 48], where: "split = 'val' OR cloud_pct IS NOT NULL" })), [
    'diamond',
    'undated',
  ]);
  // a value is data, never SQL
  assert.equal(await cat.query({ where: 'split = ?', params: ["train' OR 1=1 --"] }).count(), 0);
  const orig = (await collect(cat.query({ where: 'cloud_pct = 5' }).rows()))[0];
  assert.deepEqual(orig, { ...base[0], extras: { cloud_pct: 5, split: 'train' } }, 'where keeps the original rows');
  const viaSql = cat.sql('SELECT * FROM catalog WHERE split = $s', { s: 'val' });
  assert.equal(viaSql.engine, 'memory');
  assert.deepEqual(await ids(viaSql), ['undated']);
  assert.deepEqual(
    await ids(viaSql.query({ bbox: [15.9, 47.9, 16, 48] })),
    ['undated'],
    'an sql() result is a memory catalog again',
  );
  assert.deepEqual(await ids(cat.sql('cloud_pct > 10')), ['square']);
  await assert.rejects(
    cat.sql('SELECT id FROM catalog').count(),
    (e: unknown) => e instanceof CatalogError && e.code === 'MISSING_COLUMNS',
  );
  await assert.rejects(
    cat.query({ where: 'no_such_column > 1' }).count(),
    (e: unknown) => e instanceof CatalogError && /no_such_column/.test((e as Error).message),
  );
  const agg = await cat.aggregate(
    'SELECT count(*)::INTEGER AS n, max(cloud_pct) AS m FROM catalog WHERE tmin IS NOT NULL',
  );
  assert.deepEqual(agg, [{ n: 5, m: 50 }]);
  // intersect rows have a bbox smaller than their footprint: DuckDB evaluation must still accept them
  const joined = cat.intersect(cat, { spatialOnly: true }).query({ where: 'left_id <> right_id' });
  assert.deepEqual(await ids(joined), [
    'diamond|halfdated',
    'diamond|undated',
    'halfdated|diamond',
    'halfdated|undated',
    'undated|diamond',
    'undated|halfdated',
  ]);
  assert.equal(await catalogFromRows([]).query({ where: 'x > 1' }).count(), 0);
});

test('bbox/interval queries, intersect and union run without loading DuckDB; where loads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-memory-nodb-'));
  const here = (rel: string) => JSON.stringify(fileURLToPath(new URL(rel, import.meta.url)));
  const script = (where: string) => `
    const loaded = [];
    const dlopen = process.dlopen;
    process.dlopen = (m, f, ...rest) => { loaded.push(f); return dlopen.call(process, m, f, ...rest); };
    const { catalogFromRows } = await import(${here('../../src/catalog/from-rows.ts')});
    const { randomRows } = await import(${here('./memory-fixtures.ts')});
    const cat = catalogFromRows(randomRows(200, 'no-duckdb'));
    const q = cat.query({ bbox: [12, 44, 15, 47], interval: { start: new Date('2023-01-01'), end: null }${where} });
    const n = await q.intersect(cat).union(cat).count();
    console.log(JSON.stringify({ n, duckdb: loaded.some((f) => /duckdb/i.test(f)) }));`;
  try {
    const run = async (where: string) => {
      const file = join(dir, `probe${where ? '-where' : ''}.mjs`);
      writeFileSync(file, script(where));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      });
      return JSON.parse(stdout.trim().split('\n').pop()!) as { n: number; duckdb: boolean };
    };
    const plain = await run('');
    assert.ok(plain.n > 200);
    assert.equal(plain.duckdb, false);
    const withWhere = await run(", where: 'cloud_pct > 1'");
    assert.equal(withWhere.duckdb, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
