/**
 * Empty windows: a slice inside a raster whose pixels are all nodata is a fully masked chip (like
 * rasterio's masked read), not NO_COVERAGE; `chips`/`batches` drop chips below `minValidFraction`
 * and count them. A chip whose every pixel is valid has no mask. Also: without `bands`, a row's
 * asset gives every band of its file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogRow } from '../../src/catalog/types.js';
import { LoaderError } from '../../src/errors.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { createLoader } from '../../src/loaders/loader.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { openerOf, syntheticRaster } from './loader-synthetic.js';

/** 8x4 raster, columns 0-3 nodata (-1), columns 4-7 valid = 10 * band + x. */
const half = () =>
  syntheticRaster({
    href: 'mem://half',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    bands: 3,
    value: (b, x) => (x < 4 ? -1 : 10 * b + x),
    nodata: -1,
  });

const at = (x0: number, x1: number): GeoSlice => ({ bounds: [x0, 0, x1, 4], crs: 'EPSG:3857', resolution: [1, 1] });

test('an all-nodata window inside the raster is a fully masked chip; outside every raster is NO_COVERAGE', async () => {
  const chip = await loadSlice(['mem://half'], at(0, 4), { open: openerOf(half()) });
  assert.equal(chip.validFraction, 0);
  assert.deepEqual(chip.shape, [3, 4, 4]);
  assert.ok(chip.mask?.every((m) => m === 0));
  const mixed = await loadSlice(['mem://half'], at(2, 6), { open: openerOf(half()) });
  assert.equal(mixed.validFraction, 0.5);
  await assert.rejects(
    loadSlice(['mem://half'], at(20, 24), { open: openerOf(half()) }),
    (e: unknown) => e instanceof LoaderError && e.code === 'NO_COVERAGE',
  );
});

test('chips/batches skip chips below minValidFraction (default: only empty ones) and count them', async () => {
  const slices = [at(0, 4), at(2, 6), at(4, 8), at(1, 5)]; // valid fractions 0, 0.5, 1, 0.25
  const byDefault = createLoader({ sources: ['mem://half'], open: openerOf(half()) });
  const kept = [];
  for await (const c of byDefault.chips(slices)) kept.push(c.validFraction);
  assert.deepEqual(kept, [0.5, 1, 0.25]);
  assert.deepEqual(byDefault.stats, { loaded: 4, skippedEmpty: 1, failed: 0 });
  await byDefault.close();

  const strict = createLoader({ sources: ['mem://half'], open: openerOf(half()), minValidFraction: 0.5 });
  const shapes = [];
  for await (const b of strict.batches(slices, { batchSize: 8 })) shapes.push(b.shape);
  assert.deepEqual(shapes, [[2, 3, 4, 4]]);
  assert.deepEqual(strict.stats, { loaded: 4, skippedEmpty: 2, failed: 0 });
  await strict.close();

  const all = createLoader({ sources: ['mem://half'], open: openerOf(half()), minValidFraction: 0 });
  let n = 0;
  for await (const _ of all.chips(slices)) n++;
  assert.equal(n, 4);
  await all.close();
  assert.throws(
    () => createLoader({ sources: ['mem://half'], minValidFraction: 2 }),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
});

test('a chip whose every pixel is valid has no mask (maskOf gives ones), on every path and from a loader', async () => {
  const open = openerOf(half());
  const ones = (n: number) => Array.from({ length: n }, () => 1);
  const paths = [
    { what: 'native grid', opts: {}, plane: 16 },
    { what: 'native grid, uint8 chips', opts: { dtype: 'uint8' }, plane: 16 },
    { what: 'warped (half-pixel shift, bilinear)', opts: { resampling: 'bilinear' }, plane: 12, shift: 0.5 },
  ] as const;
  for (const p of paths) {
    const d = 'shift' in p ? p.shift : 0;
    const full = await loadSlice(['mem://half'], at(4 + d, 8 - d), { open, ...p.opts });
    assert.equal(full.validFraction, 1, p.what);
    assert.ok(!('mask' in full), `${p.what}: no mask`);
    assert.deepEqual(Array.from(maskOf(full)), ones(p.plane), `${p.what}: maskOf`);
    const part = await loadSlice(['mem://half'], at(2, 6), { open, ...p.opts });
    assert.deepEqual(Array.from(maskOf(part)).slice(0, 4), [0, 0, 1, 1], `${p.what}: a partly valid chip's mask`);
    assert.equal(part.mask, maskOf(part), `${p.what}: maskOf gives the chip's own mask`);
  }
  // a loader recycles the masks it drops; partly valid chips after them keep their own
  const loader = createLoader({ sources: ['mem://half'], open, concurrency: 3 });
  const slices = [at(4, 8), at(2, 6), at(4, 8), at(3, 7), at(4, 8), at(1, 5)];
  const masks: (number[] | undefined)[] = [];
  for await (const c of loader.chips(slices)) masks.push(c.mask && Array.from(c.mask.subarray(0, 4)));
  assert.deepEqual(masks, [undefined, [0, 0, 1, 1], undefined, [0, 1, 1, 1], undefined, [0, 0, 0, 1]]);
  const batches = [];
  for await (const b of loader.batches(slices, { batchSize: 6 })) batches.push(b);
  const [batch] = batches;
  assert.deepEqual(
    Array.from({ length: 6 }, (_, i) => Array.from(batch.mask.subarray(i * 16, i * 16 + 4))),
    [ones(4), [0, 0, 1, 1], ones(4), [0, 1, 1, 1], ones(4), [0, 0, 0, 1]],
  );
  await loader.close();
});

test('without bands, a row asset without a band index gives every band of its file', async () => {
  const row: CatalogRow = {
    id: 'r',
    assets: { image: { href: 'mem://half' } },
    geometry: writeWkb({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [8, 0],
          [8, 4],
          [0, 4],
          [0, 0],
        ],
      ],
    }),
    bbox: [0, 0, 8, 4],
    tmin: null,
    tmax: null,
    crs: 'EPSG:3857',
    backend: 'raster',
    extras: {},
  };
  const chip = await loadSlice([row], at(4, 8), { open: openerOf(half()) });
  assert.deepEqual(chip.shape, [3, 4, 4]);
  assert.deepEqual([chip.data[0], chip.data[16], chip.data[32]], [4, 14, 24]);
  const one = await loadSlice([{ ...row, assets: { image: { href: 'mem://half', band: 2 } } }], at(4, 8), {
    open: openerOf(half()),
  });
  assert.deepEqual(one.shape, [1, 4, 4]);
  assert.equal(one.data[0], 14);
});
