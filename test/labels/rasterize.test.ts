// rasterize() on hand-made shapes with answers worked out by hand (pixel centres, holes, multipolygons,
// lines, points, dtype rounding and clamping, fill, add) and its refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { rasterize } from '../../src/labels/rasterize.js';
import type { VectorGeometry } from '../../src/vector/geometry.js';

// 10 × 10 pixels of 1 unit; row 0 is y in [9, 10].
const grid: GeoSlice = { bounds: [0, 0, 10, 10], crs: 'EPSG:3857', resolution: [1, 1] };
const square = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
const at = (data: ArrayLike<number>, row: number, col: number) => data[row * 10 + col];

test('a polygon covers the pixels whose centre it contains', () => {
  // x in [1.4, 4.6] covers centres 1.5..4.5 (4 columns); y in [2.6, 5.5] covers centres 3.5, 4.5 (and 5.5 on the edge).
  const r = rasterize([{ geometry: { type: 'Polygon', coordinates: [square(1.4, 2.6, 4.6, 5.5)] } }], grid);
  assert.deepEqual(r.shape, [1, 10, 10]);
  assert.equal(r.dtype, 'uint8');
  assert.equal(sum(r.data), 4 * 3);
  assert.equal(at(r.data, 10 - 5 - 1, 1), 1); // y centre 4.5
  assert.equal(at(r.data, 10 - 3, 1), 0); // y centre 2.5 is outside
});

test('holes are left out and multipolygon members are burnt; WKB and GeoJSON give the same', () => {
  const donut: VectorGeometry = { type: 'Polygon', coordinates: [square(0, 0, 6, 6), square(2, 2, 4, 4)] };
  const multi: VectorGeometry = {
    type: 'MultiPolygon',
    coordinates: [[square(0, 0, 6, 6), square(2, 2, 4, 4)], [square(7, 7, 9, 9)]],
  };
  const a = rasterize([{ geometry: donut }], grid);
  assert.equal(sum(a.data), 36 - 4);
  assert.equal(at(a.data, 10 - 3 - 1, 3), 0);
  const b = rasterize([{ geometry: writeWkb(multi as never) }], grid);
  assert.equal(sum(b.data), 36 - 4 + 4);
  assert.deepEqual(rasterize([{ geometry: multi }], grid).data, b.data);
});

test('all touched burns every pixel the outline passes through', () => {
  const r = rasterize([{ geometry: { type: 'Polygon', coordinates: [square(1.4, 2.6, 4.6, 5.5)] } }], grid, {
    allTouched: true,
  });
  // columns 1..4, rows covering y 2.6..5.5 -> y pixels 2, 3, 4, 5.
  assert.equal(sum(r.data), 4 * 4);
});

test('lines and points', () => {
  const line = rasterize(
    [
      {
        geometry: {
          type: 'LineString',
          coordinates: [
            [0.5, 5.5],
            [9.5, 5.5],
          ],
        },
      },
    ],
    grid,
  );
  assert.equal(sum(line.data), 10);
  assert.equal(at(line.data, 4, 0), 1);
  const diag = rasterize(
    [
      {
        geometry: {
          type: 'LineString',
          coordinates: [
            [0.5, 9.5],
            [9.5, 0.5],
          ],
        },
      },
    ],
    grid,
  );
  for (let i = 0; i < 10; i++) assert.equal(at(diag.data, i, i), 1);
  assert.equal(sum(diag.data), 10);
  const pts = rasterize(
    [
      {
        geometry: {
          type: 'MultiPoint',
          coordinates: [
            [0.2, 0.2],
            [9.99, 9.99],
            [20, 20],
            [5, 5],
          ],
        },
      },
    ],
    grid,
    { burn: 7 },
  );
  assert.equal(sum(pts.data), 21);
  assert.equal(at(pts.data, 9, 0), 7);
  assert.equal(at(pts.data, 0, 9), 7);
  assert.equal(at(pts.data, 5, 5), 7); // (5, 5) lies on a corner: the pixel to its lower right in grid order
});

test('attributes, order, dtype rounding/clamping, fill and add', () => {
  const features = [
    { geometry: { type: 'Polygon', coordinates: [square(0, 0, 5, 10)] } as VectorGeometry, properties: { v: 300 } },
    { geometry: { type: 'Polygon', coordinates: [square(3, 0, 10, 10)] } as VectorGeometry, properties: { v: 2.6 } },
  ];
  const r = rasterize(features, grid, { attribute: 'v', fill: 9 });
  assert.equal(at(r.data, 0, 0), 255); // clamped
  assert.equal(at(r.data, 0, 4), 3); // the later feature wins, 2.6 rounds to 3
  const f = rasterize(features, grid, { attribute: 'v', dtype: 'float32', mergeAlg: 'add', fill: 0.5 });
  assert.ok(f.data instanceof Float32Array);
  assert.equal(at(f.data, 0, 4), Math.fround(300 + 2.6 + 0.5));
  const empty = rasterize([], grid, { fill: 4, dtype: 'int16' });
  assert.ok(empty.data.every((v) => v === 4));
});

test('features in another CRS are reprojected', () => {
  const utm: GeoSlice = { bounds: [500000, 5760000, 500100, 5760100], crs: 'EPSG:32633', resolution: [10, 10] };
  // A lon/lat box around the grid's centre.
  const r = rasterize([{ geometry: { type: 'Polygon', coordinates: [square(14.9, 51.9, 15.1, 52.1)] } }], utm, {
    crs: 'EPSG:4326',
  });
  assert.equal(sum(r.data), 100);
  const far = rasterize([{ geometry: { type: 'Point', coordinates: [-170, -80] } }], utm, { crs: 'EPSG:4326' });
  assert.equal(sum(far.data), 0);
});

test('bad input is refused with typed errors', () => {
  const poly = { geometry: { type: 'Polygon', coordinates: [square(0, 0, 5, 5)] } as VectorGeometry };
  assert.throws(() => rasterize([poly], grid, { attribute: 'v' }), { code: 'BAD_ATTRIBUTE', subject: 'feature 0' });
  assert.throws(() => rasterize([poly], grid, { burn: 1, attribute: 'v' }), { code: 'BAD_OPTION' });
  assert.throws(() => rasterize([poly], grid, { dtype: 'int64' as never }), { code: 'BAD_OPTION' });
  assert.throws(() => rasterize([poly], grid, { mergeAlg: 'max' as never }), { code: 'BAD_OPTION' });
  assert.throws(() => rasterize([{ geometry: { type: 'Polygon', coordinates: 'x' } as never }], grid), {
    code: 'BAD_FEATURE',
  });
  assert.throws(() => rasterize([{ geometry: new Uint8Array([1, 3, 0]) }], grid), { code: 'INVALID_WKB' });
  assert.throws(() => rasterize([poly], { ...grid, resolution: [3, 3] }), { code: 'INVALID_SLICE' });
});
