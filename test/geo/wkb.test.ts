import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GeoError } from '../../src/errors.js';
import type { Geometry } from '../../src/geo/geometry.js';
import { readWkb, writeWkb } from '../../src/geo/wkb.js';

// Made by GDAL/OGR 3.6: test/fixtures/geo/make-wkb-cases.py
const fixture = JSON.parse(readFileSync(new URL('../fixtures/geo/wkb-cases.json', import.meta.url), 'utf8')) as {
  cases: {
    wkt: string;
    type: string;
    coordinates: unknown;
    iso_ndr: string;
    iso_xdr: string;
    legacy_ndr: string;
    legacy_xdr: string;
  }[];
};
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

test('reads OGR-made WKB: ISO and legacy Z, little and big endian, Z/M dropped', () => {
  for (const c of fixture.cases) {
    for (const flavour of ['iso_ndr', 'iso_xdr', 'legacy_ndr', 'legacy_xdr'] as const) {
      const g = readWkb(hex(c[flavour]));
      assert.deepEqual(g, { type: c.type, coordinates: c.coordinates }, `${c.wkt} (${flavour})`);
    }
  }
});

test('writes the same bytes as OGR for 2D geometries (little-endian ISO)', () => {
  for (const c of fixture.cases.filter((x) => !/ [ZM]+ /.test(x.wkt))) {
    const g = { type: c.type, coordinates: c.coordinates } as Geometry;
    assert.equal(Buffer.from(writeWkb(g)).toString('hex'), c.iso_ndr, c.wkt);
  }
});

test('reads EWKB with an SRID and a Z flag', () => {
  // POINT Z (1 2 3) with SRID 4326: type 0xA0000001 (Z | SRID | Point), then the SRID
  const b = Buffer.alloc(1 + 4 + 4 + 24);
  b.writeUInt8(1, 0);
  b.writeUInt32LE(0xa0000001, 1);
  b.writeUInt32LE(4326, 5);
  b.writeDoubleLE(1, 9);
  b.writeDoubleLE(2, 17);
  b.writeDoubleLE(3, 25);
  assert.deepEqual(readWkb(new Uint8Array(b)), { type: 'Point', coordinates: [1, 2] });
});

test('round trips random polygons and multipolygons exactly', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 360 - 180;
  for (let i = 0; i < 200; i++) {
    const ring = (): [number, number][] => {
      const pts: [number, number][] = Array.from({ length: 3 + (i % 7) }, () => [rnd(), rnd() / 2]);
      return [...pts, [pts[0][0], pts[0][1]]];
    };
    const g: Geometry =
      i % 3 === 0
        ? { type: 'Point', coordinates: [rnd(), rnd() / 2] }
        : i % 3 === 1
          ? { type: 'Polygon', coordinates: [ring(), ring()] }
          : { type: 'MultiPolygon', coordinates: [[ring()], [ring(), ring()]] };
    assert.deepEqual(readWkb(writeWkb(g)), g);
  }
});

function expectInvalid(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(
    () => readWkb(bytes),
    (e: unknown) => {
      assert.ok(e instanceof GeoError, String(e));
      assert.equal(e.code, 'INVALID_WKB');
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('invalid or truncated WKB gives INVALID_WKB saying what is wrong', () => {
  const poly = writeWkb({
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 0],
      ],
    ],
  });
  for (let n = 0; n < poly.length; n++) expectInvalid(poly.subarray(0, n), /truncated|invalid WKB/);
  expectInvalid(new Uint8Array(0), /truncated/);
  expectInvalid(hex('0201000000000000000000f03f0000000000000040'), /byte order/);
  expectInvalid(hex('01ff000000000000000000f03f0000000000000040'), /unknown geometry type/);
  expectInvalid(
    hex('0102000000020000000000000000000000000000000000000000000000000000000000f03f000000000000f03f'),
    /LineString is not supported/,
  );
  expectInvalid(new Uint8Array([...poly, 0]), /trailing/);
  expectInvalid(hex('0101000000000000000000f87f000000000000f87f'), /empty/);
  // a ring count of 2^32 - 1 must not allocate: it is refused against the remaining length
  expectInvalid(hex('0103000000ffffffff'), /ring count/);
  // a MultiPolygon whose member is a Point
  expectInvalid(hex('01060000000100000001010000000000000000000000000000000000000000'), /not a Polygon/);
  assert.throws(
    () => readWkb('0101' as never),
    (e: unknown) => e instanceof GeoError && e.code === 'INVALID_WKB',
  );
});
