// Valid-data footprints: polygonizing masks (areas equal the set-cell counts, holes kept), and the
// samplers' `footprint: 'valid'` on rasters with nodata edges (the demo's sample archive, RGB.byte.tif,
// the solaris image, the sea-ice grid with 72% NaN): with it no chip is without valid pixels. The test
// prints the share of chips without any valid pixel before and after, loaded by the loader.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import seedrandom from 'seedrandom';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import type { GeoCatalog } from '../../src/catalog/types.js';
import { polygonizeMask } from '../../src/footprints/polygonize.js';
import { geometryArea } from '../../src/geo/geometry.js';
import { createLoader } from '../../src/loaders/loader.js';
import { randomSampler } from '../../src/samplers/random.js';
import { gridSampler } from '../../src/samplers/grid.js';
import { ensureSampleArchive } from '../../examples/sample-archive.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const skipShared = !existsSync(`${SHARED}cog`) && 'shared fixtures absent (../shared/fixtures)';
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gs-footprint-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('polygonizeMask: areas equal the set cells, holes and separate parts kept', () => {
  const rng = seedrandom('masks');
  for (let trial = 0; trial < 50; trial++) {
    const [w, h] = [3 + Math.floor(rng() * 20), 3 + Math.floor(rng() * 20)];
    const cells = Uint8Array.from({ length: w * h }, () => (rng() < 0.6 ? 1 : 0));
    const polys = polygonizeMask(cells, w, h, 0);
    const area = polys.reduce((s, p) => s + geometryArea({ type: 'Polygon', coordinates: p }), 0);
    assert.equal(
      area,
      cells.reduce((s, v) => s + v, 0),
      `trial ${trial} (${w}×${h})`,
    );
  }
  // A ring of cells: one polygon with one hole.
  const ring = Uint8Array.from({ length: 25 }, (_, i) =>
    i % 5 > 0 && i % 5 < 4 && i > 4 && i < 20 && i !== 12 ? 1 : 0,
  );
  const [p] = polygonizeMask(ring, 5, 5, 0);
  assert.equal(p.length, 2);
});

/** Share of chips without any valid pixel, loading every sampled slice. */
async function emptyShare(catalog: GeoCatalog, footprint: 'bbox' | 'valid', size: number, seed: number) {
  const loader = createLoader({ catalog, concurrency: 2 });
  let empty = 0;
  let n = 0;
  try {
    const slices = randomSampler(catalog, { size, length: 200, seed, footprint });
    for await (const s of slices) {
      n++;
      try {
        const chip = await loader.load(s);
        if (chip.mask && !chip.mask.some((v) => v)) empty++;
      } catch (e) {
        if ((e as { code?: string }).code !== 'NO_COVERAGE') throw e;
        empty++;
      }
    }
  } finally {
    await loader.close();
  }
  return { share: empty / n, empty, n };
}

async function measure(
  t: { diagnostic: (s: string) => void },
  name: string,
  files: string[],
  size: number,
  gridCrs?: string,
) {
  const { catalog } = await buildRasterCatalog(files, {
    out: join(dir, `${name}.parquet`),
    footprint: 'valid',
    workers: 0,
    progress: false,
  });
  try {
    const before = await emptyShare(catalog, 'bbox', size, 1);
    const after = await emptyShare(catalog, 'valid', size, 1);
    t.diagnostic(
      `${name}: chips without valid pixels ${(before.share * 100).toFixed(1)}% (${before.empty}/${before.n}) with footprint 'bbox' -> ${(after.share * 100).toFixed(1)}% (${after.empty}/${after.n}) with 'valid'`,
    );
    assert.equal(after.empty, 0, `${name}: ${after.empty} chips without valid pixels`);
    // The grid sampler keeps only cells over valid data too.
    const loader = createLoader({ catalog, concurrency: 2 });
    try {
      for await (const s of gridSampler(catalog, { size, footprint: 'valid', crs: gridCrs })) {
        const chip = await loader.load(s).catch((e) => {
          throw new Error(`${name}: grid chip ${JSON.stringify(s.bounds)} failed: ${(e as Error).message}`);
        });
        assert.ok(chip.mask?.some((v) => v) ?? true);
      }
    } finally {
      await loader.close();
    }
    return { before, after };
  } finally {
    await catalog.close();
  }
}

test('footprint valid: no chip without valid pixels on the demo sample archive', async (t) => {
  const archive = await ensureSampleArchive(); // the examples' cache (.cache/sample-archive), shared with their tests
  // The scenes of UTM zone 32 (the grid sampler needs one CRS).
  const zone32 = archive.scenes.filter((_, i) => i < 6);
  await measure(t, 'demo sample archive (nodata corners)', zone32, 64, 'EPSG:32632');
});

test('footprint valid: no chip without valid pixels on third-party rasters with nodata edges', {
  skip: skipShared,
}, async (t) => {
  await measure(t, 'RGB.byte.tif (nodata 0 collar)', [`${SHARED}cog/RGB.byte.tif`], 32);
  await measure(t, 'bremen_sea_ice (72% NaN)', [`${SHARED}cog/bremen_sea_ice_conc_2022_9_9.tif`], 32);
  await measure(t, 'nz_habitat (4% valid, nodata -9999)', [`${SHARED}cog2/nz_habitat_anticross_4326_1deg.tif`], 4);
});
