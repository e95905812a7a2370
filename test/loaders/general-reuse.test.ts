/**
 * A loader recycles the arrays of the general path (composites, source layers, warp-plan
 * coordinates, scratch layers) from one slice to the next. Recycled arrays hold the previous chip's
 * pixels, so a stream of different slices back to back — warped from a neighbouring UTM zone,
 * mosaicked across both zones, on the native grid, half outside every raster, over nodata patches —
 * must give exactly the chips a standalone `loadSlice` (fresh arrays) gives for each slice alone,
 * which equal a one-date `temporal: 'stack'` (the general composite of every source, where a mosaic
 * may start from the native-grid read of its first source):
 * four-band pixel-interleaved uint16 files, nearest and bilinear, float32 and uint16 chips, one file
 * per scene and two files per scene whose bands alternate in the chip.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import type { BBox } from '../../src/geo/bbox.js';
import { describeSlice, type GeoSlice } from '../../src/geo/slice.js';
import { footprintWgs84 } from '../../src/geo/transform.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { type Chip, maskOf } from '../../src/loaders/chip.js';
import { loadSlice, type LoadSliceOptions } from '../../src/loaders/load-slice.js';
import { createLoader } from '../../src/loaders/loader.js';
import { openRaster } from '../../src/loaders/raster.js';

/**
 * A 33N scene whose west edge is x = 276000 and a 32N scene covering the ground west of it, 4 bands
 * each (uint16, nodata 0, nodata patches), each written twice (`a-*` and `b-*`).
 */
const MAKE = `
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds
d = sys.argv[1]
rng = np.random.default_rng(3)
def write(name, crs, x0, y0, w, h):
    a = rng.integers(1, 60000, (4, h, w))
    a[:, 20:45, 30:70] = 0
    a[2, 60:90, 10:40] = 0
    for p in ('a', 'b'):
        with rasterio.open(f'{d}/{p}-{name}.tif', 'w', driver='GTiff', width=w, height=h, count=4, dtype='uint16',
                           crs=crs, transform=from_origin(x0, y0, 10, 10), nodata=0, tiled=True, blockxsize=64,
                           blockysize=64, compress='deflate', predictor=2, interleave='pixel') as f:
            f.write(a.astype('uint16'))
write('z33', 'EPSG:32633', 276000, 5320000, 160, 150)
l, b, r, t = transform_bounds('EPSG:32633', 'EPSG:32632', 274500, 5318400, 276300, 5320000)
write('z32', 'EPSG:32632', np.floor(l / 10) * 10, np.ceil(t / 10) * 10, int((r - l) / 10) + 2, int((t - b) / 10) + 2)
`;

/** 48 x 40 chips in EPSG:32633 whose top-left corner is at (x, y). */
const at = (x: number, y: number): GeoSlice => ({
  bounds: [x, y - 400, x + 480, y],
  crs: 'EPSG:32633',
  resolution: [10, 10],
});
const SLICES: GeoSlice[] = [
  at(276100, 5319800), // native grid of the 33N scene
  at(275000, 5319500), // warped from 32N
  at(275800, 5319300), // across both scenes
  at(275300, 5320200), // half north of both scenes
  at(276050, 5319000), // 33N, over its nodata patches
  at(274700, 5319900), // warped, over the 32N nodata patches
  at(275900, 5319950), // across both scenes and past their north edge
  at(275004, 5319401), // warped, off the 10 m lattice
];

describe('recycled arrays of the general path', () => {
  let dir = '';
  const rows: Record<'one' | 'two', CatalogRow[]> = { one: [], two: [] };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'geoslice-reuse-'));
    execFileSync('/usr/bin/python3', ['-c', MAKE, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    for (const zone of ['z33', 'z32']) {
      const a = join(dir, `a-${zone}.tif`);
      const b = join(dir, `b-${zone}.tif`);
      const r = await openRaster(a);
      const { width, height, transform: t, crs } = r.info;
      await r.close();
      const bounds: BBox = [t[0], t[3] + t[5] * height, t[0] + t[1] * width, t[3]];
      const fp = footprintWgs84(bounds, crs as string);
      const base = {
        geometry: writeWkb(fp.geometry),
        bbox: fp.bbox,
        tmin: new Date('2024-06-01'),
        tmax: new Date('2024-06-01'),
        crs: crs as string,
        backend: 'raster' as const,
        extras: {},
      };
      rows.one.push({ ...base, id: `one-${zone}`, assets: { img: { href: a } } });
      // the chip's bands alternate between two files: [a1, b2, a3, b4]
      rows.two.push({
        ...base,
        id: `two-${zone}`,
        assets: {
          a1: { href: a, band: 1 },
          b2: { href: b, band: 2 },
          a3: { href: a, band: 3 },
          b4: { href: b, band: 4 },
        },
      });
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: { name: string; rows: 'one' | 'two'; opts: LoadSliceOptions }[] = [
    { name: 'nearest, float32 chips', rows: 'one', opts: {} },
    { name: 'bilinear, uint16 chips', rows: 'one', opts: { resampling: 'bilinear', dtype: 'uint16' } },
    { name: 'nearest, bands alternating between two files', rows: 'two', opts: { bands: ['a1', 'b2', 'a3', 'b4'] } },
  ];
  for (const c of cases) {
    it(`${c.name}: batches of back-to-back slices equal standalone loads`, async () => {
      const catalog = catalogFromRows(rows[c.rows]);
      const want: Chip[] = [];
      for (const s of SLICES) {
        // the rows the loader looks up, in its order (the mosaic's first valid pixel wins)
        const found: CatalogRow[] = [];
        for await (const r of catalog.query(s).rows()) found.push(r);
        const chip = await loadSlice(found, s, c.opts);
        // the one-date stack composites every source on the general path (no native-grid read)
        const stack = await loadSlice(found, s, { ...c.opts, temporal: 'stack' });
        assert.deepEqual(stack.shape, [1, ...chip.shape]);
        assert.deepEqual(stack.data, chip.data, `${describeSlice(s)}: mosaic vs one-date stack`);
        assert.deepEqual(stack.mask, chip.mask, `${describeSlice(s)}: mosaic vs one-date stack mask`);
        want.push(chip);
      }
      // chips warped, mosaicked and partly empty must differ from one another, or reuse could hide
      assert.ok(want.some((w) => (w.validFraction ?? 1) < 1) && want.some((w) => w.validFraction === 1));
      const loader = createLoader({ catalog, concurrency: 3, prefetch: 2, minValidFraction: 0, ...c.opts });
      try {
        // two epochs: the second one runs entirely on recycled arrays
        for (let epoch = 0; epoch < 2; epoch++) {
          let i = 0;
          for await (const batch of loader.batches(SLICES, { batchSize: 3 })) {
            const per = batch.data.length / batch.slices.length;
            const plane = batch.mask.length / batch.slices.length;
            for (let k = 0; k < batch.slices.length; k++, i++) {
              const w = want[i];
              assert.deepEqual(batch.slices[k], SLICES[i]);
              assert.deepEqual(
                batch.data.subarray(k * per, (k + 1) * per),
                Float32Array.from(w.data as ArrayLike<number>),
                `epoch ${epoch} slice ${i}: data`,
              );
              assert.deepEqual(
                batch.mask.subarray(k * plane, (k + 1) * plane),
                maskOf(w),
                `epoch ${epoch} slice ${i}: mask`,
              );
            }
          }
          assert.equal(i, SLICES.length);
        }
        // and single chips (not recycled by a batch) after the recycling
        for (const [i, s] of SLICES.entries()) {
          const got = await loader.load(s);
          assert.deepEqual(got.data, want[i].data, `load ${i}`);
          assert.deepEqual(got.mask, want[i].mask, `load ${i}: mask`);
          assert.equal(got.validFraction, want[i].validFraction, `load ${i}: validFraction`);
        }
      } finally {
        await loader.close();
      }
    });
  }
});
