/**
 * The memory backend searches a projected slice with a cheap EPSG:4326 cover (corners + edge
 * midpoints, padded) and tests against the exact densified boxes only near footprint edges. These
 * tests check that the rows it selects are exactly those of the exact boxes (brute force over the
 * same footprints), with footprint edges placed within millimetres of the slice's exact box, and
 * that the cover contains the exact boxes everywhere it is used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogFromRows } from '../../src/catalog/index.js';
import { normalizeQuery, planQuery, type SpatialPlan } from '../../src/catalog/query-plan.js';
import { filterRelation } from '../../src/catalog/memory/filter.js';
import { geometryContainsBBox as containsBox } from '../../src/geo/geometry.js';
import { makeRelation } from '../../src/catalog/memory/relation.js';
import type { MemoryCatalog } from '../../src/catalog/memory/catalog.js';
import { matchingRows } from '../../src/catalog/memory/matching-rows.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import type { BBox } from '../../src/geo/bbox.js';
import { geometryBBox, geometryIntersectsBBox, type Geometry, type Position } from '../../src/geo/geometry.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { transformPoint } from '../../src/geo/transform.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { rng, type Rng } from './memory-fixtures.js';

const within = (inner: BBox, outer: BBox): boolean =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];

/** A UTM slice of `size` metres at a random place of `zone` (north or south), or null when off the zone's valid area. */
function utmSlice(r: Rng, size: number): GeoSlice {
  const zone = 1 + Math.floor(r() * 60);
  const south = r() < 0.5;
  const x = 160_000 + r() * (680_000 - size);
  const y = south ? 1_000_000 + r() * 8_000_000 : r() * 9_300_000;
  return {
    bounds: [x, y, x + size, y + size],
    crs: `EPSG:${south ? 327 : 326}${String(zone).padStart(2, '0')}`,
    resolution: [size / 256, size / 256],
  };
}

test('the cover of a projected slice contains its exact EPSG:4326 boxes (all UTM zones, 10 m .. 100 km)', () => {
  const r = rng('cover');
  let cheap = 0;
  for (let i = 0; i < 3000; i++) {
    const size = 10 ** (1 + r() * 4);
    const s = utmSlice(r, size);
    const plan = planQuery(s).spatial!;
    const exact = normalizeQuery(s).boxes!;
    assert.deepEqual(plan.exact(), exact);
    if (!plan.coverIsExact) {
      cheap++;
      assert.equal(plan.cover.length, 1);
      for (const b of exact) assert.ok(within(b, plan.cover[0]), `${JSON.stringify(s)}: ${b} outside ${plan.cover}`);
    }
  }
  assert.ok(cheap > 2000, `the cheap cover is used for most small slices (${cheap} of 3000)`);
});

/** A footprint whose boundary passes `gap` degrees inside (< 0) or outside (> 0) one edge of `b`, or cuts a corner. */
function edgeFootprint(r: Rng, b: BBox): Geometry {
  const [x0, y0, x1, y1] = b;
  const w = x1 - x0;
  const h = y1 - y0;
  const gap = (r() - 0.5) * 2 * 10 ** -(4 + r() * 6); // down to 1e-10 degrees (~10 um)
  const far = 0.5;
  const kind = Math.floor(r() * 6);
  let ring: Position[];
  if (kind === 0)
    ring = rect(x1 + gap, y0 - far, x1 + far, y1 + far); // east of the box
  else if (kind === 1)
    ring = rect(x0 - far, y0 - far, x0 - gap, y1 + far); // west
  else if (kind === 2)
    ring = rect(x0 - far, y1 + gap, x1 + far, y1 + far); // north
  else if (kind === 3)
    ring = rect(x0 - far, y0 - far, x1 + far, y0 - gap); // south
  else if (kind === 4) {
    // a triangle whose long edge passes near the box's north-east corner
    const cx = x1 + gap;
    const cy = y1 + gap;
    ring = [
      [cx + far, cy - far * (h / w)],
      [cx - far, cy + far * (h / w)],
      [cx + far, cy + far],
      [cx + far, cy - far * (h / w)],
    ];
  } else ring = rect(x0 - far, y0 - far, x1 + far, y1 + far); // around the box (contains it)
  // keep footprints inside the EPSG:4326 range (slices near 180 degrees or the poles)
  const clamp = (v: number, lim: number): number => Math.max(-lim, Math.min(lim, v));
  return { type: 'Polygon', coordinates: [ring.map(([x, y]): Position => [clamp(x, 180), clamp(y, 90)])] };
}

/** A raster row with one `image` asset, footprint `g`, dated `t` (null: undated). */
function rowOf(id: string, href: string, g: Geometry, t: Date | null, crs: string): CatalogRow {
  return {
    id,
    assets: { image: { href } },
    geometry: writeWkb(g),
    bbox: geometryBBox(g),
    tmin: t,
    tmax: t,
    crs,
    backend: 'raster',
    extras: {},
  };
}

function rect(x0: number, y0: number, x1: number, y1: number): Position[] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ];
}

test('rows selected for projected slices equal a brute-force test against the exact boxes, footprint edges within 1e-10 degrees', async () => {
  const r = rng('edges');
  for (let round = 0; round < 40; round++) {
    const slices = Array.from({ length: 10 }, () => utmSlice(r, 10 ** (2 + r() * 3)));
    const rows: CatalogRow[] = [];
    const geoms: Geometry[] = [];
    for (const s of slices) {
      const exact = normalizeQuery(s).boxes!;
      for (let k = 0; k < 12; k++) {
        const g = edgeFootprint(r, exact[Math.floor(r() * exact.length)]);
        geoms.push(g);
        rows.push(rowOf(`r${rows.length}`, `/x/${rows.length}.tif`, g, null, s.crs));
      }
    }
    const cat = catalogFromRows(rows);
    for (const s of slices) {
      const exact = normalizeQuery(s).boxes!;
      const want = rows.filter((_, i) => exact.some((b) => geometryIntersectsBBox(geoms[i], b))).map((x) => x.id);
      const got: string[] = [];
      for await (const row of cat.query(s).rows()) got.push(row.id);
      assert.deepEqual(got, want, JSON.stringify(s));
    }
    await cat.close();
  }
});

test('slices across the antimeridian select the rows on both sides (exact boxes, no cover)', async () => {
  // UTM 60N at 45 degrees north: 180 degrees east is near x = 736 km
  const s: GeoSlice = { bounds: [730_000, 5_000_000, 740_000, 5_010_000], crs: 'EPSG:32660', resolution: [10, 10] };
  const [lon0] = transformPoint('EPSG:32660', 'EPSG:4326', [730_000, 5_005_000]);
  const [lon1] = transformPoint('EPSG:32660', 'EPSG:4326', [740_000, 5_005_000]);
  assert.ok(lon0 > 179 && lon1 < -179, 'the slice crosses 180 degrees');
  const plan = planQuery(s).spatial!;
  assert.equal(plan.coverIsExact, true);
  assert.equal(plan.cover, plan.exact());
  assert.equal(plan.exact().length, 2);
  const g = (x0: number, x1: number): Geometry => ({ type: 'Polygon', coordinates: [rect(x0, 44, x1, 46)] });
  const geoms = [g(179.5, 180), g(-180, -179.5), g(170, 171)];
  const rows: CatalogRow[] = geoms.map((geom, i) => rowOf(`r${i}`, `/x/${i}.tif`, geom, null, 'EPSG:4326'));
  const cat = catalogFromRows(rows);
  const got: string[] = [];
  for await (const row of cat.query(s).rows()) got.push(row.id);
  assert.deepEqual(got, ['r0', 'r1']);
  await cat.close();
});

test('containsBox: inside, outside, an edge through the box, a hole, a multipolygon part', () => {
  const sq: Geometry = { type: 'Polygon', coordinates: [rect(0, 0, 10, 10)] };
  assert.equal(containsBox(sq, [1, 1, 2, 2]), true);
  assert.equal(containsBox(sq, [9, 9, 11, 11]), false);
  assert.equal(containsBox(sq, [20, 20, 21, 21]), false);
  assert.equal(containsBox(sq, [0, 1, 2, 2]), false, 'touching the boundary is not contained (conservative)');
  const holed: Geometry = { type: 'Polygon', coordinates: [rect(0, 0, 10, 10), rect(4, 4, 6, 6)] };
  assert.equal(containsBox(holed, [4.5, 4.5, 5, 5]), false);
  assert.equal(containsBox(holed, [1, 1, 2, 2]), true);
  const multi: Geometry = { type: 'MultiPolygon', coordinates: [[rect(0, 0, 1, 1)], [rect(5, 5, 9, 9)]] };
  assert.equal(containsBox(multi, [6, 6, 7, 7]), true);
  assert.equal(containsBox(multi, [2, 2, 3, 3]), false);
  assert.equal(containsBox({ type: 'Point', coordinates: [1, 1] }, [1, 1, 1, 1]), false);
});

test('a footprint that contains the cover is selected without computing the exact boxes; one near its edge computes them', () => {
  const inside: Geometry = { type: 'Polygon', coordinates: [rect(10, 40, 20, 50)] };
  const edge: Geometry = { type: 'Polygon', coordinates: [rect(15.05, 40, 20, 50)] };
  const rel = makeRelation(
    [inside, edge].map((g, i) => ({
      row: {
        id: `r${i}`,
        assets: {},
        geometry: writeWkb(g),
        bbox: geometryBBox(g),
        tmin: null,
        tmax: null,
        crs: 'EPSG:4326',
        backend: 'raster',
        extras: {},
      },
    })),
    [],
  );
  let computed = 0;
  const plan = (exact: BBox): SpatialPlan => ({
    cover: [[15, 45, 15.1, 45.1]],
    coverIsExact: false,
    exact: () => {
      computed++;
      return [exact];
    },
  });
  const ids = (p: SpatialPlan) =>
    filterRelation(rel, { spatial: p, interval: null, includeUndated: false }).map((e) => e.row.id);
  assert.deepEqual(ids(plan([15.01, 45.01, 15.04, 45.04])), ['r0']);
  assert.equal(computed, 1, 'the edge row needed the exact box');
  assert.deepEqual(ids(plan([15.01, 45.01, 15.06, 45.04])), ['r0', 'r1']);
  const far = makeRelation([rel.entries[0]], []);
  computed = 0;
  filterRelation(far, { spatial: plan([15.01, 45.01, 15.04, 45.04]), interval: null, includeUndated: false });
  assert.equal(computed, 0);
});

test('matchingRows gives the rows of query(slice).rows(), as the catalog own objects', async () => {
  const r = rng('matching');
  const rows: CatalogRow[] = [];
  for (let i = 0; i < 200; i++) {
    const x = 12 + r() * 5;
    const y = 45 + r() * 4;
    const g: Geometry = { type: 'Polygon', coordinates: [rect(x, y, x + 0.2 + r() * 0.5, y + 0.2 + r() * 0.5)] };
    const t = new Date(Date.UTC(2024, 0, 1 + Math.floor(r() * 300)));
    rows.push(rowOf(`m${i}`, `/x/${i}.tif`, g, t, 'EPSG:32633'));
  }
  const cat = catalogFromRows(rows) as MemoryCatalog;
  let matched = 0;
  for (let i = 0; i < 100; i++) {
    const x = 300_000 + r() * 400_000;
    const y = 5_000_000 + r() * 400_000;
    const size = 500 + r() * 30_000;
    const s: GeoSlice = {
      bounds: [x, y, x + size, y + size],
      crs: 'EPSG:32633',
      resolution: [size / 100, size / 100],
      ...(r() < 0.5
        ? { interval: { start: new Date(Date.UTC(2024, 3, 1)), end: new Date(Date.UTC(2024, 6, 1)) } }
        : {}),
    };
    const want: string[] = [];
    for await (const row of cat.query(s).rows()) want.push(row.id);
    const got = await matchingRows(cat, s);
    matched += got.length;
    assert.deepEqual(
      got.map((x) => x.id),
      want,
    );
    const own = (await cat.relation()).entries.map((e) => e.row);
    for (const row of got) assert.ok(own.includes(row));
  }
  assert.ok(matched > 50, `${matched} rows matched`);
  await cat.close();
});
