import assert from 'node:assert/strict';
import { test } from 'node:test';
import proj4 from 'proj4';
import { resolveCrs } from '../../src/geo/crs.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { planWarp, sliceGrid } from '../../src/loaders/warp.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { openerOf, syntheticRaster } from './loader-synthetic.js';

const UTM = 'EPSG:32633';
const raster = (over: Partial<Parameters<typeof syntheticRaster>[0]> = {}) =>
  syntheticRaster({
    href: 'mem://a.tif',
    crs: UTM,
    transform: [500000, 10, 0, 4100000, 0, -10],
    width: 64,
    height: 64,
    value: (b, x, y) => b * 10000 + y * 100 + x,
    bands: 2,
    ...over,
  });
const slice = (bounds: [number, number, number, number], res = 10, crs = UTM): GeoSlice => ({
  bounds,
  crs,
  resolution: [res, res],
});

test('a slice on the raster grid is an exact copy, reading only its window', async () => {
  for (const resampling of ['nearest', 'bilinear'] as const) {
    const r = raster();
    const chip = await loadSlice(['mem://a.tif'], slice([500100, 4099640, 500260, 4099800]), {
      open: openerOf(r),
      resampling,
    });
    assert.deepEqual(chip.shape, [2, 16, 16]);
    for (let b = 0; b < 2; b++)
      for (let j = 0; j < 16; j++)
        for (let i = 0; i < 16; i++) {
          assert.equal(chip.data[b * 256 + j * 16 + i], b * 10000 + (20 + j) * 100 + (10 + i));
        }
    assert.ok(maskOf(chip).every((m) => m === 1));
    assert.deepEqual(r.reads, [{ level: 0, x0: 10, y0: 20, w: 16, h: 16, bands: [0, 1] }]);
  }
});

test('pixels past the raster edge are masked, not zero-filled silently', async () => {
  const r = raster();
  // 8 px west of the raster, 8 px inside
  const chip = await loadSlice(['mem://a.tif'], slice([499920, 4099840, 500080, 4100000]), {
    open: openerOf(r),
    bands: [1],
  });
  assert.deepEqual(chip.shape, [1, 16, 16]);
  for (let j = 0; j < 16; j++)
    for (let i = 0; i < 16; i++) {
      const inside = i >= 8;
      assert.equal(maskOf(chip)[j * 16 + i], inside ? 1 : 0);
      assert.equal(chip.data[j * 16 + i], inside ? j * 100 + (i - 8) : 0);
    }
});

test('a coarser slice reads the fitting overview (coarsest not coarser than requested)', async () => {
  const cases: [number, number][] = [
    [10, 0],
    [15, 0],
    [20, 1],
    [30, 1],
    [40, 2],
    [80, 2],
  ];
  for (const [res, level] of cases) {
    const r = raster({ overviews: [2, 4] });
    await loadSlice(['mem://a.tif'], slice([500000, 4100000 - 8 * res, 500000 + 8 * res, 4100000], res), {
      open: openerOf(r),
    });
    assert.equal(r.reads[0].level, level, `resolution ${res}`);
  }
  // aligned with the 20 m overview: exactly its pixels
  const r = raster({ overviews: [2, 4] });
  const chip = await loadSlice(['mem://a.tif'], slice([500000, 4099680, 500320, 4100000], 20), {
    open: openerOf(r),
    resampling: 'bilinear',
  });
  for (let j = 0; j < 16; j++) for (let i = 0; i < 16; i++) assert.equal(chip.data[j * 16 + i], r.pixel(1, 0, i, j));
});

test('nearest downsampling without overviews takes the pixel under each centre (GDAL convention)', async () => {
  const r = raster();
  const chip = await loadSlice(['mem://a.tif'], slice([500000, 4099680, 500320, 4100000], 20), {
    open: openerOf(r),
    bands: [1],
  });
  for (let j = 0; j < 16; j++)
    for (let i = 0; i < 16; i++) assert.equal(chip.data[j * 16 + i], (2 * j + 1) * 100 + 2 * i + 1);
});

test('bilinear on a half-pixel shifted grid averages neighbours; nearest does not shift', async () => {
  const r = raster();
  const s = slice([500105, 4099840, 500265, 4100000]);
  const bil = await loadSlice(['mem://a.tif'], s, { open: openerOf(r), bands: [1], resampling: 'bilinear' });
  const near = await loadSlice(['mem://a.tif'], s, { open: openerOf(r), bands: [1] });
  for (let j = 0; j < 16; j++)
    for (let i = 0; i < 16; i++) {
      assert.ok(Math.abs(bil.data[j * 16 + i] - (j * 100 + i + 10.5)) < 1e-3);
      assert.equal(near.data[j * 16 + i], j * 100 + i + 11);
    }
});

test('reprojection agrees with an exact per-pixel inverse map', async () => {
  const r = raster({ width: 200, height: 200, value: (_b, x, y) => x + 1000 * y, bands: 1 });
  resolveCrs(UTM);
  const fwd = proj4('EPSG:4326', UTM);
  const s: GeoSlice = { bounds: [15.0025, 37.03, 15.0205, 37.044], crs: 'EPSG:4326', resolution: [0.0001, 0.0001] };
  for (const resampling of ['nearest', 'bilinear'] as const) {
    const chip = await loadSlice(['mem://a.tif'], s, { open: openerOf(r), resampling });
    const [, h, w] = chip.shape;
    let agree = 0,
      valid = 0;
    for (let j = 0; j < h; j++)
      for (let i = 0; i < w; i++) {
        const [X, Y] = fwd.forward([s.bounds[0] + (i + 0.5) * 1e-4, s.bounds[3] - (j + 0.5) * 1e-4]);
        const sx = (X - 500000) / 10,
          sy = (4100000 - Y) / 10;
        const inside = sx >= 0 && sy >= 0 && sx < 200 && sy < 200;
        const p = j * w + i;
        if (!inside) continue;
        valid++;
        if (resampling === 'nearest') {
          if (maskOf(chip)[p] === 1 && chip.data[p] === Math.floor(sx) + 1000 * Math.floor(sy)) agree++;
        } else if (maskOf(chip)[p] === 1) {
          // a linear field is reproduced up to the approximate transformer's 0.125 px tolerance
          const ex = Math.min(199, Math.max(0, sx - 0.5)),
            ey = Math.min(199, Math.max(0, sy - 0.5));
          if (Math.abs(chip.data[p] - (ex + 1000 * ey)) <= 0.13 * 1001) agree++;
        }
      }
    assert.ok(valid > 0.5 * w * h, `valid ${valid} of ${w * h}`);
    assert.ok(valid > 0.5 * w * h, 'the slice mostly overlaps the raster');
    assert.ok(agree / valid >= 0.99, `${resampling}: ${agree}/${valid}`);
  }
});

test('planWarp finds no window for a slice far from the raster', () => {
  const plan = planWarp(
    sliceGrid(slice([600000, 4000000, 600160, 4000160])),
    { transform: [500000, 10, 0, 4100000, 0, -10], width: 64, height: 64 },
    null,
    'nearest',
  );
  assert.equal(plan.window, null);
});
