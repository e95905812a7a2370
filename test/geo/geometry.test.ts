import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GeoError } from '../../src/errors.js';
import {
  bboxToPolygon,
  geometriesIntersect,
  geometryArea,
  geometryBBox,
  geometryIntersectsBBox,
  pointInGeometry,
  type Geometry,
  type PolygonGeometry,
  type Position,
} from '../../src/geo/geometry.js';

const square = (x0: number, y0: number, x1: number, y1: number) => bboxToPolygon([x0, y0, x1, y1]);
const donut: PolygonGeometry = {
  type: 'Polygon',
  coordinates: [square(0, 0, 10, 10).coordinates[0], square(3, 3, 7, 7).coordinates[0].slice().reverse()],
};
// a diamond whose bbox overlaps the box [0,0,1,1] at a corner while the shape itself does not
const diamond: PolygonGeometry = {
  type: 'Polygon',
  coordinates: [
    [
      [2, 0.5],
      [2.75, 1.25],
      [2, 2],
      [1.25, 1.25],
      [2, 0.5],
    ],
  ],
};

test('bbox of points, polygons and multipolygons; empty is an error', () => {
  assert.deepEqual(geometryBBox({ type: 'Point', coordinates: [3, 4] }), [3, 4, 3, 4]);
  assert.deepEqual(geometryBBox(donut), [0, 0, 10, 10]);
  assert.deepEqual(
    geometryBBox({
      type: 'MultiPolygon',
      coordinates: [square(0, 0, 1, 1).coordinates, square(5, -2, 6, 3).coordinates],
    }),
    [0, -2, 6, 3],
  );
  assert.throws(
    () => geometryBBox({ type: 'Polygon', coordinates: [] }),
    (e: unknown) => e instanceof GeoError && e.code === 'EMPTY_GEOMETRY',
  );
});

test('point in polygon respects holes and counts the boundary as inside', () => {
  assert.ok(pointInGeometry(donut, 1, 1));
  assert.ok(!pointInGeometry(donut, 5, 5), 'inside the hole');
  assert.ok(pointInGeometry(donut, 3, 5), 'on the hole boundary');
  assert.ok(pointInGeometry(donut, 0, 5), 'on the outer boundary');
  assert.ok(!pointInGeometry(donut, 11, 5));
  assert.ok(pointInGeometry(diamond, 2, 1.25) && !pointInGeometry(diamond, 1.3, 0.6));
});

test('polygon/polygon: crossing, containment, holes, touching, disjoint', () => {
  assert.ok(geometriesIntersect(square(0, 0, 2, 2), square(1, 1, 3, 3)), 'overlap');
  assert.ok(geometriesIntersect(square(0, 0, 10, 10), square(4, 4, 5, 5)), 'containment');
  assert.ok(geometriesIntersect(square(4, 4, 5, 5), square(0, 0, 10, 10)), 'contained');
  assert.ok(!geometriesIntersect(donut, square(4, 4, 6, 6)), 'inside the hole');
  assert.ok(geometriesIntersect(donut, square(4, 4, 8, 6)), 'crossing the hole edge');
  assert.ok(geometriesIntersect(square(0, 0, 1, 1), square(1, 0, 2, 1)), 'shared edge');
  assert.ok(geometriesIntersect(square(0, 0, 1, 1), square(1, 1, 2, 2)), 'shared corner');
  assert.ok(!geometriesIntersect(square(0, 0, 1, 1), square(1.0001, 0, 2, 1)), 'gap');
  // a cross: neither contains a vertex of the other, edges cross
  assert.ok(geometriesIntersect(square(0, 4, 10, 6), square(4, 0, 6, 10)), 'cross');
  assert.ok(!geometriesIntersect(square(0, 0, 1.3, 0.7), diamond), 'bboxes overlap, shapes do not');
});

test('geometry/bbox: polygons crossing bbox corners, holes, points, antimeridian boxes', () => {
  assert.ok(!geometryIntersectsBBox(diamond, [0, 0, 1.5, 0.9]), 'corner of the box is outside the diamond');
  assert.ok(geometryIntersectsBBox(diamond, [0, 0, 1.7, 1.3]), 'box corner pokes into the diamond edge');
  assert.ok(!geometryIntersectsBBox(donut, [3.5, 3.5, 6.5, 6.5]), 'box inside the hole');
  assert.ok(geometryIntersectsBBox(donut, [-5, -5, 20, 20]), 'box around everything');
  assert.ok(geometryIntersectsBBox({ type: 'Point', coordinates: [1, 1] }, [1, 1, 2, 2]));
  assert.ok(!geometryIntersectsBBox({ type: 'Point', coordinates: [0.5, 1] }, [1, 1, 2, 2]));
  const nearDateLine = square(179, 0, 180, 1);
  assert.ok(geometryIntersectsBBox(nearDateLine, [179.5, 0, -179, 1]), 'antimeridian box, west part');
  assert.ok(!geometryIntersectsBBox(square(0, 0, 1, 1), [179.5, 0, -179, 1]));
});

test('intersection agrees with a dense raster oracle on random polygons', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const star = (cx: number, cy: number, r: number): PolygonGeometry => {
    const ring: Position[] = [];
    const n = 5 + Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n;
      const rr = r * (0.3 + rnd() * 0.7);
      ring.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
    }
    ring.push([ring[0][0], ring[0][1]]);
    return { type: 'Polygon', coordinates: [ring] };
  };
  let hits = 0;
  for (let i = 0; i < 150; i++) {
    const a = star(rnd() * 10, rnd() * 10, 1 + rnd() * 3);
    const b = star(rnd() * 10, rnd() * 10, 1 + rnd() * 3);
    // oracle: a fine grid of sample points inside both bboxes (misses only near-tangent contacts)
    const ba = geometryBBox(a);
    const bb = geometryBBox(b);
    let both = false;
    for (let x = Math.max(ba[0], bb[0]); x <= Math.min(ba[2], bb[2]) && !both; x += 0.02) {
      for (let y = Math.max(ba[1], bb[1]); y <= Math.min(ba[3], bb[3]) && !both; y += 0.02)
        both = pointInGeometry(a, x, y) && pointInGeometry(b, x, y);
    }
    const exact = geometriesIntersect(a, b);
    if (both) assert.ok(exact, `pair ${i}: the sampled overlap was missed`);
    if (!exact) assert.ok(!both);
    hits += exact ? 1 : 0;
    assert.equal(geometriesIntersect(b, a), exact, 'symmetric');
  }
  assert.ok(hits > 20 && hits < 140, `both outcomes exercised (${hits})`);
});

test('planar area subtracts holes and sums parts', () => {
  assert.equal(geometryArea(square(0, 0, 2, 3)), 6);
  assert.equal(geometryArea(donut), 100 - 16);
  const g: Geometry = { type: 'MultiPolygon', coordinates: [square(0, 0, 1, 1).coordinates, donut.coordinates] };
  assert.equal(geometryArea(g), 85);
  assert.equal(geometryArea({ type: 'Point', coordinates: [0, 0] }), 0);
});
