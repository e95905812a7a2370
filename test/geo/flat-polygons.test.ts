import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bboxToPolygon, type Geometry } from '../../src/geo/geometry.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { flatPolygons, insideFlatPolygons } from '../../src/geo/flat-polygons.js';

const square = (x0: number, y0: number, x1: number, y1: number) => bboxToPolygon([x0, y0, x1, y1]);

test('flatPolygons: polygons and multipolygons in either byte order; other WKB gives null', () => {
  const multi: Geometry = {
    type: 'MultiPolygon',
    coordinates: [
      square(0, 0, 1, 1).coordinates,
      [
        [
          [5, 5],
          [7, 5],
          [7, 8],
          [5, 5],
        ],
        [
          [5.5, 5.2],
          [6.5, 5.2],
          [6.5, 5.4],
          [5.5, 5.2],
        ],
      ],
    ],
  };
  const fp = flatPolygons(writeWkb(multi))!;
  assert.deepEqual(fp.bbox, [0, 0, 7, 8]);
  assert.deepEqual(fp.ringEnds, [5, 9, 13]);
  assert.deepEqual(fp.polygonEnds, [1, 3]);
  assert.deepEqual(fp.xy.slice(10, 14), [5, 5, 7, 5]);
  // big-endian, hand-encoded: a triangle (byte order 0, type 3, 1 ring of 4 points)
  const be = new DataView(new ArrayBuffer(13 + 4 * 16));
  be.setUint8(0, 0);
  be.setUint32(1, 3);
  be.setUint32(5, 1);
  be.setUint32(9, 4);
  [
    [0, 0],
    [2, 0],
    [0, 2],
    [0, 0],
  ].forEach(([x, y], i) => {
    be.setFloat64(13 + 16 * i, x);
    be.setFloat64(21 + 16 * i, y);
  });
  const tri = new Uint8Array(be.buffer);
  assert.deepEqual(flatPolygons(tri)?.bbox, [0, 0, 2, 2]);
  assert.equal(insideFlatPolygons(flatPolygons(tri)!, 0.5, 0.5), true);
  assert.equal(insideFlatPolygons(flatPolygons(tri)!, 1.5, 1.5), false);
  assert.equal(insideFlatPolygons(fp, 6, 5.25), false, 'in the hole');
  assert.equal(insideFlatPolygons(fp, 6, 6), true);
  const poly = writeWkb(square(0, 0, 1, 1));
  assert.equal(flatPolygons(poly.subarray(0, poly.byteLength - 3)), null, 'truncated');
  assert.equal(flatPolygons(writeWkb({ type: 'Point', coordinates: [1, 2] })), null, 'point');
});
