// samplePoints and readGeometries against rasterio (`DatasetReader.sample`, `rasterio.mask.mask` with
// crop=True, with and without all_touched) on third-party rasters: the Landsat RGB.byte.tif (3 bands,
// nodata 0) with seeded random points and polygons, and the solaris image with its 43 building footprints.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import seedrandom from 'seedrandom';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import type { GeoCatalog } from '../../src/catalog/types.js';
import { readGeometries } from '../../src/labels/read-geometries.js';
import { samplePoints } from '../../src/labels/sample-points.js';
import type { VectorFeature, VectorGeometry } from '../../src/vector/geometry.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const RGB = `${SHARED}cog/RGB.byte.tif`;
const SOLARIS = `${SHARED}vector/sample_geotiff.tif`;
const LABELS = `${SHARED}vector/geotiff_labels.geojson`;
const SCRIPT = fileURLToPath(new URL('../fixtures/labels/rasterio_reads.py', import.meta.url));
const skip = !existsSync(RGB) && 'shared fixtures absent (../shared/fixtures)';

interface Zone {
  count: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}
function rasterio(raster: string, points: number[][], polygons: unknown[], allTouched: boolean) {
  const out = execFileSync('/usr/bin/python3', [SCRIPT], {
    input: JSON.stringify({ raster, points, polygons, all_touched: allTouched }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out) as { points: (number[] | null)[]; zones: (Zone[] | null)[] };
}

let dir = '';
let catalog: GeoCatalog;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-reads-'));
  if (skip) return;
  catalog = (await buildRasterCatalog([RGB, SOLARIS], { out: join(dir, 'c.parquet'), workers: 0, progress: false }))
    .catalog;
});
after(async () => {
  await catalog?.close();
  rmSync(dir, { recursive: true, force: true });
});

// RGB.byte.tif: EPSG:32618, origin (101985, 2826915), 300.0379 m pixels, 791 × 718.
const rng = seedrandom('reads-by-geometry');
const inRgb = (): [number, number] => [101985 + rng() * 791 * 300.0379, 2826915 - rng() * 718 * 300.0379];

test('samplePoints returns the values rasterio samples (nodata as null)', { skip }, async () => {
  const pts = Array.from({ length: 400 }, inRgb);
  const features: VectorFeature[] = pts.map((p, i) => ({
    geometry: { type: 'Point', coordinates: p },
    properties: { i },
  }));
  const ref = rasterio(RGB, pts, [], false).points;
  let valid = 0;
  for await (const s of samplePoints(catalog, features, { crs: 'EPSG:32618' })) {
    assert.equal(s.properties.i, s.index);
    assert.equal(s.samples.length, 1);
    const mine = s.samples[0].values;
    const theirs = ref[s.index]!;
    theirs.forEach((v, b) => assert.equal(mine[b] ?? 0, v, `point ${s.index} band ${b}`));
    if (mine.every((v) => v !== null)) valid++;
  }
  assert.ok(valid > 100 && valid < 400, `${valid} points on data: both nodata and data should be sampled`);
});

test('readGeometries gives rasterio.mask.mask zonal statistics (random polygons and real buildings, all_touched both ways)', {
  skip,
}, async () => {
  const polys: VectorGeometry[] = Array.from({ length: 30 }, () => {
    const [cx, cy] = inRgb();
    const ring = Array.from({ length: 7 }, (_, k) => {
      const a = (k / 7) * 2 * Math.PI;
      const r = 900 + rng() * 6000;
      return [cx + r * Math.cos(a), cy + r * Math.sin(a)] as [number, number];
    });
    return { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
  });
  const buildings = (JSON.parse(readFileSync(LABELS, 'utf8')).features as { geometry: VectorGeometry }[]).map(
    (f) => f.geometry,
  );
  for (const allTouched of [false, true]) {
    for (const [raster, geoms, crs] of [
      [RGB, polys, 'EPSG:32618'],
      [SOLARIS, buildings, 'EPSG:32616'],
    ] as const) {
      const ref = rasterio(raster, [], geoms, allTouched).zones;
      const seen = new Set<number>();
      const input = geoms.map((g, i) => ({ geometry: g, properties: { i } }));
      for await (const r of readGeometries(catalog, input, { crs, allTouched })) {
        if (!r.rowId.startsWith(raster === RGB ? 'RGB' : 'sample')) continue;
        seen.add(r.index);
        const theirs = ref[r.index];
        assert.ok(theirs, `rasterio found no overlap for polygon ${r.index}`);
        r.stats.forEach((s, b) => {
          const t = theirs[b];
          assert.equal(s.count, t.count, `polygon ${r.index} band ${b} count (allTouched ${allTouched})`);
          for (const k of ['mean', 'std', 'min', 'max'] as const) {
            if (t[k] === null) assert.equal(s[k], null);
            else
              assert.ok(
                Math.abs(s[k]! - t[k]!) <= 1e-9 * Math.max(1, Math.abs(t[k]!)),
                `polygon ${r.index} band ${b} ${k}`,
              );
          }
        });
      }
      assert.equal(seen.size, ref.filter((z) => z !== null).length);
    }
  }
});

test('reads by geometry refuse the wrong geometry type', { skip }, async () => {
  const line: VectorFeature = {
    geometry: {
      type: 'LineString',
      coordinates: [
        [0, 0],
        [1, 1],
      ],
    },
  };
  await assert.rejects(
    async () => {
      for await (const _ of samplePoints(catalog, [line])) void _;
    },
    { code: 'NOT_A_POINT' },
  );
  await assert.rejects(
    async () => {
      for await (const _ of readGeometries(catalog, [line])) void _;
    },
    { code: 'NOT_A_POLYGON' },
  );
});
