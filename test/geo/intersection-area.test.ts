import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bboxToPolygon, type Geometry } from '../../src/geo/geometry.js';
import { intersectionArea } from '../../src/geo/intersection-area.js';

const square = (x0: number, y0: number, x1: number, y1: number) => bboxToPolygon([x0, y0, x1, y1]);

test('intersectionArea: overlaps, shared edges, holes, containment, clockwise input', () => {
  assert.equal(intersectionArea(square(0, 0, 2, 1), square(1, 0, 3, 3)), 1);
  assert.equal(intersectionArea(square(0, 0, 2, 2), square(0, 0, 2, 2)), 4);
  assert.equal(intersectionArea(square(0, 0, 1, 1), square(1, 0, 2, 1)), 0, 'touching squares');
  assert.equal(intersectionArea(square(0, 0, 10, 10), square(2, 2, 3, 4)), 2, 'containment');
  const holed: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [0, 4],
        [4, 4],
        [4, 0],
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
  assert.equal(intersectionArea(holed, square(0, 0, 4, 2)), 8 - 2);
  const tri: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [4, 0],
        [0, 4],
        [0, 0],
      ],
    ],
  };
  assert.ok(Math.abs(intersectionArea(tri, square(0, 0, 2, 2)) - 4) < 1e-12, 'square under the hypotenuse');
  assert.ok(Math.abs(intersectionArea(tri, square(1, 1, 3, 3)) - 2) < 1e-12, 'the hypotenuse halves the square');
  const cw: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [0, 4],
        [4, 0],
        [0, 0],
      ],
    ],
  };
  assert.ok(Math.abs(intersectionArea(cw, square(1, 1, 3, 3)) - 2) < 1e-12, 'clockwise ring');
  const multi: Geometry = {
    type: 'MultiPolygon',
    coordinates: [square(0, 0, 1, 1).coordinates, square(2, 0, 3, 1).coordinates],
  };
  assert.equal(intersectionArea(multi, square(0.5, 0, 2.5, 1)), 1);
  assert.equal(intersectionArea({ type: 'Point', coordinates: [0, 0] }, square(-1, -1, 1, 1)), 0);
});
