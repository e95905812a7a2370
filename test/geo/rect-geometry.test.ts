import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bboxToPolygon, type Geometry, type Position } from '../../src/geo/geometry.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { flatPolygons } from '../../src/geo/flat-polygons.js';
import { convexInsidePolygons, rectInsideGeometry, rectOverlapsGeometry } from '../../src/geo/rect-geometry.js';

const square = (x0: number, y0: number, x1: number, y1: number) => bboxToPolygon([x0, y0, x1, y1]);

test('rect tests are exact at boundaries and holes', () => {
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
  assert.equal(rectInsideGeometry([0, 0, 1, 4], holed), true, 'touching the outer ring and the hole');
  assert.equal(rectInsideGeometry([0.5, 0.5, 1.5, 1.5], holed), false, 'overlaps the hole');
  assert.equal(rectInsideGeometry([1.5, 1.5, 2.5, 2.5], holed), false, 'inside the hole');
  assert.equal(rectInsideGeometry([-1, 1, 5, 1.5], holed), false, 'spans the polygon');
  assert.equal(rectOverlapsGeometry([4, 0, 5, 1], holed), false, 'shares an edge only');
  assert.equal(rectOverlapsGeometry([1.5, 1.5, 2.5, 2.5], holed), false, 'inside the hole');
  assert.equal(rectOverlapsGeometry([-1, -1, 5, 5], holed), true, 'contains it');
  assert.equal(rectOverlapsGeometry([3.9, 3.9, 9, 9], holed), true);
  assert.equal(rectOverlapsGeometry([0, 0, 1, 1], { type: 'Point', coordinates: [1, 1] }), true);
});

test('convex polygon test: rotated quads, touching, holes, orientation, non-convex input', () => {
  const convexInside = (c: Position[], g: Geometry) => convexInsidePolygons(c, flatPolygons(writeWkb(g))!);
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
  const diamond = (cx: number, cy: number, r: number): Position[] => [
    [cx, cy - r],
    [cx + r, cy],
    [cx, cy + r],
    [cx - r, cy],
  ];
  assert.equal(convexInside(diamond(0.5, 2, 0.5), holed), true, 'touches the outer ring and the hole at corners');
  assert.equal(convexInside(diamond(0.5, 2, 0.5).reverse(), holed), true, 'clockwise');
  assert.equal(convexInside(diamond(0.5, 2, 0.6), holed), false, 'crosses the outer ring');
  assert.equal(convexInside(diamond(0.8, 2, 0.4), holed), false, 'crosses into the hole');
  assert.equal(convexInside(diamond(2, 2, 0.5), holed), false, 'inside the hole');
  assert.equal(convexInside(diamond(2, 2, 3), holed), false, 'contains the polygon');
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1, 0.5],
        [1, 3.5],
        [0, 4],
      ],
      holed,
    ),
    true,
    'edges along the outer ring and the hole',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1.5, 0.5],
        [1.5, 3.5],
        [0, 4],
      ],
      holed,
    ),
    false,
    'reaches into the hole',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      holed,
    ),
    true,
    'an axis-aligned square on the corner',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [2, 0],
        [0.5, 0.5],
        [0, 2],
      ],
      square(0, 0, 4, 4),
    ),
    false,
    'not convex',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1, 1],
        [2, 2],
        [0, 2],
      ],
      square(0, 0, 4, 4),
    ),
    false,
    'collinear corners',
  );
  for (let i = 0; i < 200; i++) {
    // agrees with rectInsideGeometry on axis-aligned boxes
    const x = (i % 17) * 0.3 - 0.5;
    const y = (i % 13) * 0.35 - 0.5;
    const r: [number, number, number, number] = [x, y, x + 0.5 + (i % 3) * 0.5, y + 0.5];
    assert.equal(
      convexInside(
        [
          [r[0], r[1]],
          [r[2], r[1]],
          [r[2], r[3]],
          [r[0], r[3]],
        ],
        holed,
      ),
      rectInsideGeometry(r, holed),
      `box ${r}`,
    );
  }
});
