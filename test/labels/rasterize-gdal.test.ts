// rasterize() against gdal_rasterize (GDAL is the oracle) on the Natural Earth countries (polygons, and
// their rings as lines) and cities (points), on grids in EPSG:4326 and EPSG:3035 (features reprojected
// on the fly), with and without all-touched. Required: >= 99.9% equal pixels, 100% for points.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { rasterize } from '../../src/labels/rasterize.js';
import { parseGeoJsonGeometry, type VectorGeometry } from '../../src/vector/geometry.js';
import { openVectorLayer } from '../../src/vector/open.js';
import { agreement, gdalRasterize } from './gdal-rasterize.js';

const DIR = fileURLToPath(new URL('../../../shared/fixtures/geoparquet/', import.meta.url));
const skip = !existsSync(DIR) && 'shared fixtures absent (../shared/fixtures/geoparquet)';

type F = { geometry: VectorGeometry; properties: Record<string, unknown> };
const countries: F[] = [];
let rings: F[] = [];
const cities: F[] = [];

before(async () => {
  if (skip) return;
  let n = 0;
  for await (const f of (await openVectorLayer(`${DIR}natural-earth_countries_geo.parquet`)).features())
    countries.push({ geometry: f.geometry, properties: { ...f.properties, class_id: ++n } });
  rings = countries.map((f) => {
    const g = f.geometry as Extract<VectorGeometry, { type: 'Polygon' | 'MultiPolygon' }>;
    const lines = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
    return { geometry: { type: 'MultiLineString', coordinates: lines }, properties: f.properties };
  });
  n = 0;
  for await (const f of (await openVectorLayer(`${DIR}natural-earth_cities_geo.parquet`)).features())
    cities.push({ geometry: f.geometry, properties: { ...f.properties, class_id: (++n % 200) + 1 } });
  assert.equal(countries.length, 177);
  assert.equal(cities.length, 243);
});

const GRIDS: [string, GeoSlice][] = [
  ['EPSG:4326 world 0.5°', { bounds: [-180, -90, 180, 90], crs: 'EPSG:4326', resolution: [0.5, 0.5] }],
  ['EPSG:4326 Europe 0.1°', { bounds: [-25, 34, 45, 72], crs: 'EPSG:4326', resolution: [0.1, 0.1] }],
  ['EPSG:3035 10 km', { bounds: [2500000, 1400000, 7500000, 5500000], crs: 'EPSG:3035', resolution: [10000, 10000] }],
];

for (const [name, grid] of GRIDS) {
  for (const allTouched of [false, true]) {
    for (const kind of ['polygons', 'lines', 'points'] as const) {
      test(`rasterize ${kind} on ${name}${allTouched ? ', all touched' : ''} agrees with gdal_rasterize`, {
        skip,
      }, (t) => {
        const features = kind === 'polygons' ? countries : kind === 'lines' ? rings : cities;
        // densify: false transforms vertices only, as gdal_rasterize does when it reprojects.
        const opts = { attribute: 'class_id', allTouched, crs: 'EPSG:4326', densify: false as const };
        const mine = rasterize(features, grid, { ...opts, dtype: 'uint16' });
        const gdal = gdalRasterize(features, grid, { ...opts, ot: 'UInt16' });
        const { share, differ } = agreement(mine.data, gdal);
        const burnt = gdal.reduce((s, v) => s + (v ? 1 : 0), 0);
        t.diagnostic(
          `agreement ${(share * 100).toFixed(4)}% (${differ} of ${gdal.length} pixels differ; ${burnt} burnt)`,
        );
        assert.ok(burnt > 0, 'the oracle burnt nothing: the grid misses the features');
        assert.ok(share >= (kind === 'points' ? 1 : 0.999), `only ${(share * 100).toFixed(3)}% equal`);
      });
    }
  }
}

test('densified reprojection agrees with gdal_rasterize on segmentized input (EPSG:3035)', { skip }, (t) => {
  const grid = GRIDS[2][1];
  const dir = mkdtempSync(join(tmpdir(), 'gs-seg-'));
  try {
    // GDAL's reference: the countries segmentized in EPSG:4326 every 0.05° by ogr2ogr, then rasterized.
    const src = join(dir, 'in.geojson');
    const seg = join(dir, 'seg.geojson');
    writeFileSync(
      src,
      JSON.stringify({
        type: 'FeatureCollection',
        features: countries.map((f) => ({ type: 'Feature', properties: f.properties, geometry: f.geometry })),
      }),
    );
    execFileSync('ogr2ogr', ['-q', '-segmentize', '0.05', '-f', 'GeoJSON', seg, src]);
    const segmented = (
      JSON.parse(readFileSync(seg, 'utf8')).features as { geometry: unknown; properties: Record<string, unknown> }[]
    ).map((f, i) => ({ geometry: parseGeoJsonGeometry(f.geometry, `segmentized ${i}`), properties: f.properties }));
    for (const allTouched of [false, true]) {
      const mine = rasterize(countries, grid, { attribute: 'class_id', allTouched, crs: 'EPSG:4326', dtype: 'uint16' });
      const gdal = gdalRasterize(segmented, grid, {
        attribute: 'class_id',
        allTouched,
        crs: 'EPSG:4326',
        ot: 'UInt16',
      });
      const { share, differ } = agreement(mine.data, gdal);
      t.diagnostic(`allTouched ${allTouched}: agreement ${(share * 100).toFixed(4)}% (${differ} pixels differ)`);
      assert.ok(share >= 0.999, `only ${(share * 100).toFixed(3)}% equal`);
      // Without densification the straight chords differ from the curved edges somewhere.
      const chords = rasterize(countries, grid, {
        attribute: 'class_id',
        allTouched,
        crs: 'EPSG:4326',
        dtype: 'uint16',
        densify: false,
      });
      assert.ok(
        agreement(chords.data, gdal).differ > differ,
        'densifying should move the result towards the curved edges',
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('burn constant, add merge and float dtype agree with gdal_rasterize', { skip }, (t) => {
  const grid = GRIDS[1][1];
  const mine = rasterize(countries, grid, { burn: 3, dtype: 'uint8' });
  assert.equal(agreement(mine.data, gdalRasterize(countries, grid, { burn: 3, ot: 'Byte' })).share, 1);
  // Overlapping squares added up: each covers the other partly.
  const squares: F[] = [0, 1, 2].map((k) => ({
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [k * 3 - 10, 40],
          [k * 3 + 2, 40],
          [k * 3 + 2, 55.3],
          [k * 3 - 10, 55.3],
          [k * 3 - 10, 40],
        ],
      ],
    },
    properties: { w: 1.5 + k },
  }));
  const withW = [...countries, ...squares.map((s) => ({ ...s, properties: { class_id: s.properties.w } }))];
  const addW = rasterize(withW, grid, { attribute: 'class_id', mergeAlg: 'add', dtype: 'float32', fill: 0.25 });
  const gdal = gdalRasterize(withW, grid, { attribute: 'class_id', add: true, ot: 'Float32', init: 0.25 });
  const { share, differ } = agreement(addW.data, gdal);
  t.diagnostic(`add/float32: agreement ${(share * 100).toFixed(4)}% (${differ} pixels differ)`);
  assert.equal(share, 1);
  assert.throws(() => rasterize(squares, grid, { attribute: 'class_id' }), { code: 'BAD_ATTRIBUTE' });
});
