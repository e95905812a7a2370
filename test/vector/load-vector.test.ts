// loadVector against GDAL: the features that intersect a slice are those ogr2ogr -clipsrc keeps (GEOS
// intersection), from per-file catalogs (GeoJSON, FlatGeobuf in UTM, GeoJSON-seq in EPSG:4326 that
// has to be reprojected) and a per-feature catalog; clipped areas match GDAL's clipped polygons.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { memoryCatalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { geometryArea, type Geometry } from '../../src/geo/geometry.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { buildVectorCatalog } from '../../src/vector/build-vector-catalog.js';
import { loadVector } from '../../src/vector/load-vector.js';

const V = fileURLToPath(new URL('../../../shared/fixtures/vector/', import.meta.url));
const skip = !existsSync(V) && 'shared fixtures absent (../shared/fixtures/vector)';
const LABELS = `${V}geotiff_labels.geojson`;
let dir = '';
const closers: GeoCatalog[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gs-loadvector-'));
  if (skip) return;
  execFileSync('ogr2ogr', ['-f', 'FlatGeobuf', join(dir, 'labels_utm.fgb'), LABELS]);
  execFileSync('ogr2ogr', ['-f', 'GeoJSONSeq', join(dir, 'labels_wgs84.geojsonl'), LABELS]);
});
after(async () => {
  for (const c of closers) await c.close();
  rmSync(dir, { recursive: true, force: true });
});

/** GDAL's answer: osm_id -> clipped area of each feature intersecting the box. */
function gdalClip(b: number[]): Map<string, number> {
  const out = execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-clipsrc', ...b.map(String), '/vsistdout/', LABELS], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const m = new Map<string, number>();
  for (const f of JSON.parse(out).features as { geometry: Geometry; properties: { osm_id: string } }[])
    m.set(String(f.properties.osm_id), geometryArea(f.geometry));
  return m;
}

const slices: GeoSlice[] = [
  { bounds: [733700, 3724800, 733828, 3724928], crs: 'EPSG:32616', resolution: [0.5, 0.5] },
  { bounds: [733601, 3724689, 733857, 3724945], crs: 'EPSG:32616', resolution: [1, 1] },
  { bounds: [733900, 3725000, 734051, 3725139], crs: 'EPSG:32616', resolution: [0.5, 0.5] },
];

test('loadVector returns the features GDAL finds intersecting each slice, from every kind of catalog', {
  skip,
}, async () => {
  const catalogs: [string, GeoCatalog][] = [];
  const tolerance = new Map<GeoCatalog, number>();
  for (const [name, inputs, granularity, tol] of [
    ['per-file GeoJSON', [LABELS], 'file', 1e-9],
    ['per-file FlatGeobuf', [join(dir, 'labels_utm.fgb')], 'file', 1e-9],
    // ogr2ogr writes GeoJSON-seq in EPSG:4326 with 7 decimals (~1 cm): areas move by up to ~0.1%.
    ['per-file GeoJSON-seq (EPSG:4326)', [join(dir, 'labels_wgs84.geojsonl')], 'file', 2e-3],
    ['per-feature', [LABELS], 'feature', 1e-9],
  ] as const) {
    const { catalog } = await buildVectorCatalog([...inputs], {
      out: join(dir, `${catalogs.length}.parquet`),
      granularity,
    });
    closers.push(catalog);
    catalogs.push([name, catalog]);
    tolerance.set(catalog, tol);
  }
  for (const slice of slices) {
    const ref = gdalClip(slice.bounds);
    assert.ok(ref.size > 0);
    for (const [name, catalog] of catalogs) {
      const features = await loadVector(catalog, slice, { clip: true });
      const got = new Map(features.map((f) => [String(f.properties.osm_id), geometryArea(f.geometry as Geometry)]));
      assert.deepEqual([...got.keys()].sort(), [...ref.keys()].sort(), `${name} ${JSON.stringify(slice.bounds)}`);
      for (const [id, area] of ref) {
        const tol = tolerance.get(catalog)! * area + 1e-6;
        assert.ok(Math.abs(got.get(id)! - area) <= tol, `${name} ${id}: ${got.get(id)} vs ${area}`);
      }
    }
  }
});

test('raster rows are ignored and a vector row without its asset is refused', { skip }, async () => {
  const { catalog } = await buildVectorCatalog([LABELS], { out: join(dir, 'mixed.parquet'), granularity: 'file' });
  closers.push(catalog);
  const rows: CatalogRow[] = [];
  for await (const r of catalog.rows()) rows.push(r);
  const raster: CatalogRow = {
    ...rows[0],
    id: 'image',
    assets: { image: { href: `${V}sample_geotiff.tif` } },
    backend: 'raster',
    extras: {},
  };
  const mixed = memoryCatalogFromRows([rows[0], raster]);
  const n = (await loadVector(mixed, slices[0])).length;
  assert.equal(n, gdalClip(slices[0].bounds).size);
  const broken = memoryCatalogFromRows([{ ...rows[0], assets: { a: { href: 'x' }, b: { href: 'y' } } }]);
  await assert.rejects(loadVector(broken, slices[0]), { code: 'BAD_ROW' });
});
