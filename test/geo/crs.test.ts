import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GeoError } from '../../src/errors.js';
import { normalizeCrs, resolveCrs } from '../../src/geo/crs.js';
import { transformPoint } from '../../src/geo/transform.js';

test('resolves WGS 84 in all its spellings to EPSG:4326 (lon/lat)', () => {
  for (const s of [
    4326,
    '4326',
    'EPSG:4326',
    'epsg:4326',
    'EPSG::4326',
    'OGC:CRS84',
    'CRS84',
    'urn:ogc:def:crs:OGC:1.3:CRS84',
    'urn:ogc:def:crs:EPSG::4326',
    'http://www.opengis.net/def/crs/EPSG/0/4326',
    { id: { authority: 'OGC', code: 'CRS84' } },
  ]) {
    const r = resolveCrs(s);
    assert.equal(r.code, 'EPSG:4326', String(s));
    assert.equal(r.geographic, true);
  }
});

test('resolves projected codes with their proj4 definitions', () => {
  const merc = resolveCrs('EPSG:3857');
  assert.equal(merc.geographic, false);
  assert.match(merc.proj4, /\+proj=merc/);
  const ant = resolveCrs(3031);
  assert.match(ant.proj4, /\+proj=stere \+lat_0=-90 \+lat_ts=-71/);
  assert.equal(ant.name, 'WGS 84 / Antarctic Polar Stereographic');
  assert.match(resolveCrs(2056).proj4, /\+proj=somerc/);
});

test('every UTM zone resolves, north and south', () => {
  for (let zone = 1; zone <= 60; zone++) {
    const north = resolveCrs(`EPSG:${32600 + zone}`);
    const south = resolveCrs(32700 + zone);
    assert.match(north.proj4, new RegExp(`\\+proj=utm \\+zone=${zone} `));
    assert.match(south.proj4, new RegExp(`\\+zone=${zone} \\+south`));
    // the central meridian maps to easting 500000 in every zone
    const lon = -183 + 6 * zone;
    assert.ok(Math.abs(transformPoint('EPSG:4326', north.code, [lon, 10])[0] - 500000) < 1e-6);
  }
});

test('PROJJSON objects (and JSON strings) resolve through their EPSG id', () => {
  const projjson = { type: 'ProjectedCRS', name: 'WGS 84 / UTM zone 18N', id: { authority: 'EPSG', code: 32618 } };
  assert.equal(normalizeCrs(projjson), 'EPSG:32618');
  assert.equal(normalizeCrs(JSON.stringify(projjson)), 'EPSG:32618');
  assert.equal(normalizeCrs({ ids: [{ authority: 'EPSG', code: '2056' }] }), 'EPSG:2056');
});

test('a proj4 string is its own code', () => {
  const def = '+proj=longlat +ellps=bessel +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7 +no_defs';
  const r = resolveCrs(def);
  assert.equal(r.code, def);
  assert.equal(r.geographic, true);
  const [x, y] = transformPoint(def, 'EPSG:4326', [10, 50]);
  assert.ok(Math.abs(x - 10) < 0.01 && Math.abs(y - 50) < 0.01);
});

test('unknown codes and garbage give a typed UNKNOWN_CRS error naming the input', () => {
  for (const bad of [
    'EPSG:999999',
    999999,
    'EPSG:abc',
    'not a crs',
    -5,
    1.5,
    { id: { authority: 'ESRI', code: 1 } },
    '{broken',
  ]) {
    assert.throws(
      () => resolveCrs(bad as never),
      (e: unknown) => {
        assert.ok(e instanceof GeoError);
        assert.equal(e.code, 'UNKNOWN_CRS');
        assert.ok(e.message.includes(typeof bad === 'object' ? 'ESRI' : String(bad)), e.message);
        return true;
      },
    );
  }
});

test('a CRS with no 2D definition (vertical) is refused with a reason', () => {
  assert.throws(
    () => resolveCrs('EPSG:5703'),
    (e: unknown) => e instanceof GeoError && e.code === 'UNKNOWN_CRS' && /no 2D proj4 definition/.test(e.message),
  );
});

test('a national grid whose datum grid is not installed is flagged, not silently NaN', () => {
  const r = resolveCrs('EPSG:27700');
  if (r.missingGrid) {
    assert.equal(r.missingGrid, 'OSTN15_NTv2_OSGBtoETRS.gsb');
    assert.doesNotMatch(r.proj4, /nadgrids/);
  }
  const [lon, lat] = transformPoint('EPSG:27700', 'EPSG:4326', [530000, 180000]);
  // central London, within the ~100 m of a missing datum shift
  assert.ok(Math.abs(lon - -0.1284) < 0.003 && Math.abs(lat - 51.504) < 0.003, `${lon} ${lat}`);
});
