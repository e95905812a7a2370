import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bboxToPolygon, geometryArea, type Geometry } from '../../src/geo/geometry.js';
import { bboxEqualArea, equalAreaArea, toEqualArea, wkbEqualArea } from '../../src/geo/equal-area.js';
import { writeWkb } from '../../src/geo/wkb.js';
test('equal-area footprint areas', () => {
  const box = bboxToPolygon([10, 40, 12, 41]);
  assert.ok(Math.abs(equalAreaArea(box) - bboxEqualArea([10, 40, 12, 41])) < 1e-3, 'a box equals its bbox area');
  assert.ok(
    Math.abs(equalAreaArea(box) - geometryArea(toEqualArea(box))) < 1e-3,
    'equals the planar area of the projected polygon',
  );
  // the authalic sphere's area of a 1°x1° cell at the equator: R² · (π/180) · sin(1°)
  assert.ok(Math.abs(bboxEqualArea([0, 0, 1, 1]) / 1.2364e10 - 1) < 1e-3, `${bboxEqualArea([0, 0, 1, 1])}`);
  const holed: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
        [0, 0],
      ],
      [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
        [1, 1],
      ],
    ],
  };
  assert.ok(
    Math.abs(equalAreaArea(holed) - (bboxEqualArea([0, 0, 4, 4]) - bboxEqualArea([1, 1, 3, 3]))) < 1e-3,
    'holes are subtracted',
  );
});

test('area straight from WKB equals the decoded area; other WKB falls back', () => {
  const multi: Geometry = {
    type: 'MultiPolygon',
    coordinates: [
      bboxToPolygon([0, 0, 1, 1]).coordinates,
      [
        [
          [5, 5],
          [7, 5],
          [7, 8],
          [5, 5],
        ],
      ],
    ],
  };
  for (const g of [bboxToPolygon([10, 40, 12, 41]), multi]) {
    const fast = wkbEqualArea(writeWkb(g));
    assert.ok(fast !== null && Math.abs(fast - equalAreaArea(g)) < 1e-3, `${g.type}: ${fast} vs ${equalAreaArea(g)}`);
  }
  const be = writeWkb(bboxToPolygon([0, 0, 1, 1]));
  assert.equal(wkbEqualArea(be.subarray(0, be.byteLength - 3)), null, 'truncated');
  assert.equal(wkbEqualArea(writeWkb({ type: 'Point', coordinates: [1, 2] })), null, 'point');
});
