// buildVectorCatalog over every vector fixture (GeoParquet 1.0/1.1 WKB and GeoArrow, GeoJSON, and
// FlatGeobuf / GeoJSON-seq written from them by ogr2ogr): per-file rows carry the feature counts of the
// fixture manifest / ogrinfo and footprints covering GDAL's extents; per-feature rows carry every
// feature with the geometry GDAL reads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { CatalogRow } from '../../src/catalog/types.js';
import { transformBBox } from '../../src/geo/transform.js';
import { buildVectorCatalog } from '../../src/vector/build-vector-catalog.js';
import { readVectorWkb } from '../../src/vector/geometry.js';
import { openVectorLayer } from '../../src/vector/open.js';
import type { LayerFeature } from '../../src/vector/types.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const skip = !existsSync(`${SHARED}vector`) && 'shared fixtures absent (../shared/fixtures)';
const G = `${SHARED}geoparquet/`;
const V = `${SHARED}vector/`;
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gs-vector-'));
  if (skip) return;
  execFileSync('ogr2ogr', ['-f', 'FlatGeobuf', join(dir, 'planes.fgb'), `${V}rareplanes_10_104005000FDC8300.geojson`]);
  execFileSync('ogr2ogr', ['-f', 'GeoJSONSeq', join(dir, 'buildings.geojsonl'), `${V}geotiff_labels.geojson`]);
  execFileSync('ogr2ogr', ['-f', 'FlatGeobuf', join(dir, 'buildings_utm.fgb'), `${V}geotiff_labels.geojson`]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Feature count and extent as GDAL's ogrinfo reports them. */
function ogrSummary(path: string): { count: number; extent: [number, number, number, number] } {
  const out = execFileSync('ogrinfo', ['-so', '-al', path], { encoding: 'utf8' });
  const count = Number(/Feature Count: (\d+)/.exec(out)?.[1]);
  const m = /Extent: \(([-\d.e]+), ([-\d.e]+)\) - \(([-\d.e]+), ([-\d.e]+)\)/.exec(out);
  assert.ok(m, `no extent in ogrinfo output for ${path}`);
  return { count, extent: [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] };
}

async function rowsOf(out: string, inputs: string[], granularity: 'file' | 'feature') {
  const { catalog, rows } = await buildVectorCatalog(inputs, { out, granularity });
  const list: CatalogRow[] = [];
  for await (const r of catalog.rows()) list.push(r);
  await catalog.close();
  assert.equal(list.length, rows);
  return list;
}

test('per-file rows: counts, fields, CRS and footprints of every vector fixture', { skip }, async () => {
  const manifest: Record<string, number> = {
    'natural-earth_countries_geo': 177,
    'natural-earth_countries_native': 177,
    'natural-earth_cities_geo': 243,
    'example_v1.1.0': 5,
    'example-crs_vermont-utm_geo': 1,
  };
  const gdal = [
    `${V}geotiff_labels.geojson`,
    `${V}rareplanes_10_104005000FDC8300.geojson`,
    join(dir, 'planes.fgb'),
    join(dir, 'buildings.geojsonl'),
    join(dir, 'buildings_utm.fgb'),
  ];
  const inputs = [...Object.keys(manifest).map((k) => `${G}${k}.parquet`), ...gdal];
  const rows = await rowsOf(join(dir, 'files.parquet'), inputs, 'file');
  assert.equal(rows.length, inputs.length);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [id, n] of Object.entries(manifest)) {
    const r = byId.get(id)!;
    assert.equal(Number(r.extras.feature_count), n, id);
    assert.equal(r.extras.format, 'geoparquet');
  }
  assert.equal(byId.get('example-crs_vermont-utm_geo')!.crs, 'EPSG:32618');
  assert.deepEqual(byId.get('natural-earth_countries_geo')!.extras.fields, ['name', 'continent']);
  for (const path of gdal) {
    const id = path
      .split('/')
      .pop()!
      .replace(/\.[^.]+$/, '');
    const r = byId.get(id)!;
    const { count, extent } = ogrSummary(path);
    assert.equal(Number(r.extras.feature_count), count, id);
    assert.equal(r.backend, 'vector');
    assert.deepEqual(r.assets.vector, { href: path });
    // The footprint (EPSG:4326) covers GDAL's extent (printed with 6 decimals) transformed to EPSG:4326.
    const e = transformBBox(extent, r.crs, 'EPSG:4326');
    for (let k = 0; k < 2; k++) assert.ok(r.bbox[k] <= e[k] + 1e-6 && r.bbox[k + 2] >= e[k + 2] - 1e-6, `${id} bbox`);
  }
  assert.equal(byId.get('geotiff_labels')!.crs, 'EPSG:32616');
  assert.equal(byId.get('buildings_utm')!.crs, 'EPSG:32616');
  assert.equal(byId.get('planes')!.extras.format, 'flatgeobuf');
  assert.equal(byId.get('buildings')!.extras.format, 'geojsonseq');
});

test('per-feature rows carry each feature with the geometry and properties GDAL reads', { skip }, async () => {
  for (const path of [
    `${V}rareplanes_10_104005000FDC8300.geojson`,
    join(dir, 'planes.fgb'),
    join(dir, 'buildings.geojsonl'),
  ]) {
    const rows = await rowsOf(join(dir, 'features.parquet'), [path], 'feature');
    const ref = JSON.parse(
      execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', path], { encoding: 'utf8', maxBuffer: 1 << 26 }),
    ).features as { geometry: { coordinates: number[][][] }; properties: Record<string, unknown> }[];
    assert.equal(rows.length, ref.length, path);
    for (const r of rows) {
      const i = Number(r.extras.feature_index);
      const g = readVectorWkb(r.extras.feature_wkb as Uint8Array, r.id);
      assert.equal(g?.type, 'Polygon');
      const mine = (g as { coordinates: number[][][] }).coordinates[0];
      const theirs = ref[i].geometry.coordinates[0];
      assert.equal(mine.length, theirs.length);
      mine.forEach((p, k) => {
        assert.ok(Math.abs(p[0] - theirs[k][0]) < 1e-9 && Math.abs(p[1] - theirs[k][1]) < 1e-9, `${r.id} vertex ${k}`);
      });
      for (const key of ['subclass', 'building'])
        if (key in ref[i].properties) assert.equal(r.extras[key], ref[i].properties[key], `${r.id} ${key}`);
      assert.equal(r.backend, 'vector');
    }
  }
});

test('GeoArrow (native) and WKB encodings of the countries read the same geometries', { skip }, async () => {
  const wkb = await openVectorLayer(`${G}natural-earth_countries_geo.parquet`);
  const native = await openVectorLayer(`${G}natural-earth_countries_native.parquet`);
  const a: LayerFeature[] = [];
  for await (const f of wkb.features()) a.push(f);
  const b: LayerFeature[] = [];
  for await (const f of native.features()) b.push(f);
  assert.equal(a.length, 177);
  assert.equal(b.length, 177);
  for (let i = 0; i < a.length; i++) {
    const ga = a[i].geometry;
    const gb = b[i].geometry;
    // The native file stores every country as a MultiPolygon.
    const polys = ga.type === 'Polygon' ? [ga.coordinates] : (ga as { coordinates: unknown }).coordinates;
    assert.deepEqual((gb as { coordinates: unknown }).coordinates, polys, a[i].properties.name as string);
  }
  // The bbox query prunes: Europe's box gets the European countries only.
  const some: unknown[] = [];
  for await (const f of wkb.features({ bbox: [5, 45, 15, 55] })) some.push(f.properties.name);
  assert.ok(some.includes('Germany') && some.includes('Switzerland') && !some.includes('Brazil'));
});

test('bad inputs are refused with typed errors naming the file', { skip }, async () => {
  await assert.rejects(buildVectorCatalog(join(dir, 'nothing-*.geojson'), { out: join(dir, 'x.parquet') }), {
    code: 'NOT_FOUND',
  });
  await assert.rejects(openVectorLayer(`${SHARED}cog/RGB.byte.tif`), { code: 'UNSUPPORTED_FORMAT' });
  const built = await buildVectorCatalog([`${G}naip.parquet`, `${V}rareplanes_10_104005000FDC8300.geojson`], {
    out: join(dir, 'skip.parquet'),
    onError: 'skip',
  });
  await built.catalog.close();
  assert.equal(built.rows, 2); // naip.parquet is a GeoParquet 0.4 file of footprints: also a vector layer
  assert.equal(built.skipped.length, 0);
  assert.ok(readFileSync(`${V}geotiff_labels.geojson`).length > 0);
});
