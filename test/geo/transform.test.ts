import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GeoError } from '../../src/errors.js';
import type { BBox } from '../../src/geo/bbox.js';
import { geometryArea, geometryBBox, pointInGeometry, type MultiPolygonGeometry } from '../../src/geo/geometry.js';
import { footprintWgs84, transformBBox, transformPoint } from '../../src/geo/transform.js';

interface Expected {
  points: { from: string; to: string; input: [number, number][]; expected: [number, number][] }[];
  bounds: { from: string; to: string; input: BBox; expected: BBox }[];
}
// Made by GDAL 3.6 through rasterio: test/fixtures/geo/make-transform-expectations.py
const gdal = JSON.parse(
  readFileSync(new URL('../fixtures/geo/transform-expected.json', import.meta.url), 'utf8'),
) as Expected;

/** Tolerance: 1e-7 degrees (about 1 cm) or 1 cm; the Swiss grid's Helmert shift is rounded in proj4js to 1e-6 deg / 10 cm. */
function tol(crs: string, other: string): number {
  const geographic = crs === 'EPSG:4326' || crs === 'EPSG:4277';
  const national = [crs, other].includes('EPSG:2056');
  return geographic ? (national ? 1e-6 : 1e-7) : national ? 0.1 : 0.01;
}

test('points match GDAL for UTM, Web Mercator, polar, national and equal-area CRSs', () => {
  for (const c of gdal.points) {
    c.input.forEach((p, i) => {
      const got = transformPoint(c.from, c.to, p);
      const want = c.expected[i];
      const t = tol(c.to, c.from);
      assert.ok(
        Math.abs(got[0] - want[0]) <= t && Math.abs(got[1] - want[1]) <= t,
        `${c.from}->${c.to} ${p}: got ${got}, GDAL ${want}`,
      );
    });
  }
});

test('bboxes with densified edges match GDAL transform_bounds (antimeridian and poles included)', () => {
  for (const c of gdal.bounds) {
    const got = transformBBox(c.input, c.from, c.to);
    const t = c.to === 'EPSG:4326' ? 1e-6 : 0.01;
    got.forEach((v, i) =>
      assert.ok(Math.abs(v - c.expected[i]) <= t, `${c.from}->${c.to} ${c.input}: got ${got}, GDAL ${c.expected}`),
    );
  }
});

test('densification widens the box beyond the transformed corners', () => {
  const b: BBox = [14, 50, 16, 52];
  const corners = transformBBox(b, 'EPSG:4326', 'EPSG:32633', 0);
  const dense = transformBBox(b, 'EPSG:4326', 'EPSG:32633', 21);
  // the southern edge (a parallel) sags south of its corners in UTM
  assert.ok(dense[1] < corners[1] - 400, `${dense[1]} vs ${corners[1]}`);
  assert.ok(dense[0] <= corners[0] && dense[2] >= corners[2]);
});

test('an EPSG:4326 box crossing the antimeridian (xmin > xmax) transforms as one box', () => {
  const b = transformBBox([179, 0, -179, 1], 'EPSG:4326', 'EPSG:32660');
  const direct = transformBBox([179, 0, 181, 1], 'EPSG:4326', 'EPSG:32660');
  assert.deepEqual(b, direct);
  assert.ok(b[2] - b[0] > 200000 && b[2] - b[0] < 250000);
});

test('a footprint crossing the antimeridian is split into a MultiPolygon at ±180', () => {
  const { geometry, bbox } = footprintWgs84([300000, 0, 900000, 1000000], 'EPSG:32660');
  assert.equal(geometry.type, 'MultiPolygon');
  const parts = (geometry as MultiPolygonGeometry).coordinates;
  assert.equal(parts.length, 2);
  const [west, east] = parts.map((p) => geometryBBox({ type: 'Polygon', coordinates: p }));
  assert.equal(west[2], 180);
  assert.equal(east[0], -180);
  assert.ok(Math.abs(west[0] - 175.18047749123266) < 1e-6);
  assert.ok(Math.abs(east[2] - -179.36284552195994) < 1e-6);
  assert.deepEqual([bbox[0], bbox[2]], [-180, 180]);
  assert.ok(Math.abs(bbox[3] - 9.046553130557037) < 1e-9 && bbox[1] === 0);
  assert.ok(pointInGeometry(geometry, 179.9, 5) && pointInGeometry(geometry, -179.9, 5));
  assert.ok(!pointInGeometry(geometry, 0, 5));
  // total area close to the unsplit footprint's (about 5.8 x 9 degrees)
  const area = geometryArea(geometry);
  assert.ok(area > 45 && area < 55, String(area));
});

test('a polar footprint containing the south pole reaches -90 over all longitudes', () => {
  const { geometry, bbox } = footprintWgs84([-1000000, -1000000, 1000000, 1000000], 'EPSG:3031');
  assert.deepEqual([bbox[0], bbox[1], bbox[2]], [-180, -90, 180]);
  assert.ok(Math.abs(bbox[3] - -77.03740063459344) < 1e-6);
  for (const lon of [-179, -90, 0, 45, 179]) assert.ok(pointInGeometry(geometry, lon, -85), `lon ${lon}`);
  assert.ok(!pointInGeometry(geometry, 0, -70));
  // corners of the square are at about -77.0; mid-edges at about -81.1
  assert.ok(pointInGeometry(geometry, 45, -77.2) && !pointInGeometry(geometry, 0, -80));
});

test('a north polar footprint (EPSG:3413) reaches +90', () => {
  const { bbox, geometry } = footprintWgs84([-500000, -500000, 500000, 500000], 'EPSG:3413');
  assert.deepEqual([bbox[0], bbox[2], bbox[3]], [-180, 180, 90]);
  assert.ok(Math.abs(bbox[1] - 83.47926098750534) < 1e-6);
  assert.ok(pointInGeometry(geometry, 100, 89));
});

test('a footprint away from poles and the antimeridian is a polygon whose bbox matches transformBBox', () => {
  const bounds: BBox = [101985.0, 2611485.0, 339315.0, 2826915.0];
  const { geometry, bbox } = footprintWgs84(bounds, 'EPSG:32618');
  assert.equal(geometry.type, 'Polygon');
  assert.deepEqual(bbox, transformBBox(bounds, 'EPSG:32618', 'EPSG:4326'));
  assert.equal(geometry.type === 'Polygon' && geometry.coordinates[0].length, 4 * 22 + 1);
});

test('points outside a projection and bad boxes give typed errors', () => {
  assert.throws(
    () => transformPoint('EPSG:3031', 'EPSG:4326', [Infinity, 0]),
    (e: unknown) => e instanceof GeoError && e.code === 'TRANSFORM_FAILED',
  );
  assert.throws(
    () => transformBBox([1, 1, 0, 0], 'EPSG:32633', 'EPSG:4326'),
    (e: unknown) => e instanceof GeoError && e.code === 'INVALID_BBOX',
  );
  assert.throws(
    () => footprintWgs84([0, 0, 1, 1], 'EPSG:12345678'),
    (e: unknown) => e instanceof GeoError && e.code === 'UNKNOWN_CRS',
  );
});
