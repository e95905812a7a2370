/**
 * Differential test at the antimeridian: footprints of UTM zone 60 / zone 1 rasters (MultiPolygons
 * split at ±180 with a -180..180 bbox when they straddle it) and small polygons either side; queries
 * with EPSG:4326 boxes crossing ±180 (xmin > xmax) and UTM boxes straddling it. Memory = DuckDB = oracle.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { normalizeQuery } from '../../src/catalog/query-plan.js';
import type { CatalogQuery, CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import type { BBox } from '../../src/geo/bbox.js';
import { type Geometry, geometryBBox, geometryIntersectsBBox } from '../../src/geo/geometry.js';
import { overlapsInterval } from '../../src/geo/interval.js';
import { footprintWgs84, transformPoint } from '../../src/geo/transform.js';
import { readWkb, writeWkb } from '../../src/geo/wkb.js';
import { randomGeometry, randomInterval, rng, type Rng } from './memory-fixtures.js';

const DAY = 86_400_000;

function utmBox(r: Rng, zoneCrs: string, lon: number, lat: number, size: number): BBox {
  const [x, y] = transformPoint('EPSG:4326', zoneCrs, [lon, lat]);
  return [x, y, x + size, y + size * (0.5 + r())];
}

function makeRows(n: number): CatalogRow[] {
  const r = rng('antimeridian-rows');
  const rows: CatalogRow[] = [];
  for (let i = 0; i < n; i++) {
    const lat = -50 + r() * 100;
    const k = r();
    let geometry: Geometry;
    let bbox: BBox;
    let crs: string;
    if (k < 0.7) {
      crs = k < 0.4 ? 'EPSG:32660' : 'EPSG:32601';
      const lon = crs === 'EPSG:32660' ? 178 + r() * 1.9 : -180 + r() * 1.5;
      const fp = footprintWgs84(utmBox(r, crs, lon, lat, 5_000 + r() * 150_000), crs);
      geometry = fp.geometry;
      bbox = fp.bbox;
    } else {
      crs = 'EPSG:4326';
      // centres keep the random shapes (up to ~0.35 deg west and ~0.9 deg east of them) inside ±180
      geometry = randomGeometry(r, r() < 0.5 ? 178 + r() * 0.6 : -179.4 + r() * 0.6, lat);
      bbox = geometryBBox(geometry);
    }
    const t = Date.UTC(2023, 0, 1) + Math.floor(r() * 700) * DAY;
    rows.push({
      id: `am${i}`,
      assets: { image: { href: `am${i}.tif` } },
      geometry: writeWkb(geometry),
      bbox,
      tmin: r() < 0.1 ? null : new Date(t),
      tmax: r() < 0.1 ? null : new Date(t + Math.floor(r() * 30) * DAY),
      crs,
      backend: 'raster',
      extras: { zone: crs },
    });
  }
  return rows;
}

const rows = makeRows(2000);
const geoms = rows.map((row) => readWkb(row.geometry));
let mem: GeoCatalog;
let duck: GeoCatalog;

before(async () => {
  mem = catalogFromRows(rows);
  duck = await catalogFromRows(rows, { engine: 'duckdb' });
});

after(async () => {
  await mem?.close();
  await duck?.close();
});

async function ids(cat: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const row of cat.rows()) out.push(row.id);
  return out.sort();
}

function oracle(q: CatalogQuery): string[] {
  const n = normalizeQuery(q);
  return rows
    .filter(
      (row, i) =>
        (!n.boxes || n.boxes.some((b) => geometryIntersectsBBox(geoms[i], b))) &&
        (!n.interval || overlapsInterval(row.tmin, row.tmax, n.interval, n.includeUndated)),
    )
    .map((row) => row.id)
    .sort();
}

test('the catalog really straddles the antimeridian', () => {
  const spanning = rows.filter((row) => row.bbox[0] === -180 && row.bbox[2] === 180);
  assert.ok(spanning.length > 50, `footprints split at ±180 (${spanning.length})`);
  assert.ok(geoms.some((g) => g.type === 'MultiPolygon'));
});

test('queries crossing ±180 (EPSG:4326 xmin > xmax or past 180, UTM zone 60 and 1 boxes): memory = DuckDB = oracle', async () => {
  const r = rng('antimeridian-queries');
  let crossing = 0;
  let nonEmpty = 0;
  for (let k = 0; k < 24; k++) {
    const lat = -45 + r() * 90;
    const h = 0.05 + r() * 2;
    const kind = k % 4;
    let q: CatalogQuery;
    if (kind === 0) q = { bbox: [179 + r() * 0.99, lat, -180 + r() * 0.99, lat + h] };
    else if (kind === 1)
      q = {
        bbox: r() < 0.5 ? [179 + r() * 0.5, lat, 179.6 + r() * 0.4, lat + h] : [-180, lat, -180 + r() * 0.8, lat + h],
      };
    else {
      const crs = kind === 2 ? 'EPSG:32660' : 'EPSG:32601';
      q = {
        bbox: utmBox(r, crs, kind === 2 ? 179.2 + r() * 0.7 : -179.9 + r() * 0.7, lat, 10_000 + r() * 120_000),
        crs,
      };
    }
    if (r() < 0.5) q.interval = randomInterval(r);
    if (q.interval && r() < 0.5) q.includeUndated = true;
    const n = normalizeQuery(q);
    if (n.boxes!.length === 2) crossing++;
    const expected = oracle(q);
    if (expected.length > 0) nonEmpty++;
    assert.deepEqual(await ids(mem.query(q)), expected, `memory ${JSON.stringify(q)}`);
    assert.deepEqual(await ids(duck.query(q)), expected, `duckdb ${JSON.stringify(q)}`);
  }
  for (const q of [{ bbox: [179.3, -20, 180.6, 20] }, { bbox: [-181, -30, -179.5, 30] }] as CatalogQuery[]) {
    const expected = oracle(q);
    assert.ok(expected.length > 0);
    assert.deepEqual(await ids(mem.query(q)), expected, `memory ${JSON.stringify(q)}`);
    assert.deepEqual(await ids(duck.query(q)), expected, `duckdb ${JSON.stringify(q)}`);
  }
  assert.ok(crossing >= 8, `queries split at the antimeridian (${crossing})`);
  assert.ok(nonEmpty >= 12, `queries with matches (${nonEmpty})`);
});

test('self-intersect across the antimeridian: memory = DuckDB', async () => {
  const q: CatalogQuery = { bbox: [179.5, -10, -179.5, 10] };
  const a = await ids(mem.query(q).intersect(mem, { spatialOnly: true }));
  const b = await ids(duck.query(q).intersect(duck, { spatialOnly: true }));
  assert.ok(a.length > 0);
  assert.deepEqual(b, a);
});
