/**
 * The DuckDB grid (partition) join behind `intersect`, against brute force on inputs built to hit its
 * edge cases: rows of very different sizes (many touching one cell, some more than 64 cells, one
 * spanning the world), points (zero extent), bboxes ending exactly on cell edges, and undated rows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import seedrandom from 'seedrandom';
import { duckdbCatalogFromRows } from '../../src/catalog/duckdb/from-rows.js';
import { timeRangesOverlap } from '../../src/catalog/query-plan.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { bboxIntersects, type BBox } from '../../src/geo/bbox.js';
import { type Geometry, geometriesIntersect, geometryBBox } from '../../src/geo/geometry.js';
import { readWkb, writeWkb } from '../../src/geo/wkb.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function row(id: string, g: Geometry, t: number | null): CatalogRow {
  return {
    id,
    assets: { B1: { href: `${id}.tif` } },
    geometry: writeWkb(g),
    bbox: geometryBBox(g),
    tmin: t === null ? null : new Date(T0 + t * DAY),
    tmax: t === null ? null : new Date(T0 + (t + 30) * DAY),
    crs: 'EPSG:4326',
    backend: 'raster',
    extras: {},
  };
}

function quad(cx: number, cy: number, s: number, r: () => number): Geometry {
  const j = () => (r() - 0.5) * 0.6 * s;
  const ring: [number, number][] = [
    [cx - s + j(), cy - s + j()],
    [cx + s + j(), cy - s + j()],
    [cx + s + j(), cy + s + j()],
    [cx - s + j(), cy + s + j()],
  ];
  return { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
}

function box(b: BBox): Geometry {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [b[0], b[1]],
        [b[2], b[1]],
        [b[2], b[3]],
        [b[0], b[3]],
        [b[0], b[1]],
      ],
    ],
  };
}

function make(seed: string, prefix: string, n: number, size: number): CatalogRow[] {
  const r = seedrandom(seed);
  const rows: CatalogRow[] = [];
  for (let i = 0; i < n; i++) {
    const t = r() < 0.05 ? null : Math.floor(r() * 300);
    const kind = r();
    const cx = 10 + r() * 4;
    const cy = 45 + r() * 4;
    if (kind < 0.05) rows.push(row(`${prefix}${i}`, { type: 'Point', coordinates: [cx, cy] }, t));
    else if (kind < 0.08) rows.push(row(`${prefix}${i}`, quad(cx, cy, size * (10 + r() * 20), r), t));
    else if (kind < 0.12) {
      // A bbox on exact multiples of the size (cell edges when the cell size is a round number).
      const x = 10 + Math.floor(r() * 40) * size;
      const y = 45 + Math.floor(r() * 40) * size;
      rows.push(row(`${prefix}${i}`, box([x, y, x + size, y + size]), t));
    } else rows.push(row(`${prefix}${i}`, quad(cx, cy, size * (0.5 + r()), r), t));
  }
  rows.push(row(`${prefix}world`, box([-180, -85, 180, 85]), 10));
  return rows;
}

test('the grid join equals brute force on mixed sizes, points, huge and world-spanning rows', async () => {
  const left = make('grid-left', 'L', 1500, 0.05);
  const right = make('grid-right', 'R', 2500, 0.01);
  const lg = left.map((r) => readWkb(r.geometry));
  const rg = right.map((r) => readWkb(r.geometry));
  const expected: string[] = [];
  left.forEach((l, i) =>
    right.forEach((r, j) => {
      if (!bboxIntersects(l.bbox, r.bbox) || !timeRangesOverlap(l.tmin, l.tmax, r.tmin, r.tmax)) return;
      if (geometriesIntersect(lg[i], rg[j])) expected.push(`${l.id}|${r.id}`);
    }),
  );
  assert.ok(expected.length > 1000, `pairs: ${expected.length}`);
  assert.ok(expected.some((p) => p.startsWith('Lworld|')) && expected.some((p) => p.endsWith('|Rworld')));
  const a = await duckdbCatalogFromRows(left);
  const b = await duckdbCatalogFromRows(right);
  const got: string[] = [];
  for await (const r of a.intersect(b).rows()) got.push(r.id);
  assert.equal(new Set(got).size, got.length, 'every pair comes out once');
  assert.deepEqual(got.sort(), expected.sort());
  await a.close();
  await b.close();
});
