import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { createMosaic, mergeLayer, mosaicComplete } from '../../src/loaders/mosaic.js';
import { openerOf, syntheticRaster } from './loader-synthetic.js';

test('mergeLayer keeps the first valid pixel and counts what each layer supplied', () => {
  const m = createMosaic(2, 1, 3);
  assert.equal(mergeLayer(m, Float32Array.from([1, 2, 3, 10, 20, 30]), Uint8Array.from([1, 0, 1])), 2);
  assert.equal(mosaicComplete(m), false);
  assert.equal(mergeLayer(m, Float32Array.from([7, 8, 9, 70, 80, 90]), Uint8Array.from([1, 1, 1])), 1);
  assert.deepEqual(Array.from(m.data), [1, 8, 3, 10, 80, 30]);
  assert.equal(mosaicComplete(m), true);
});

// West raster: x 0..8, nodata (-1) in its column 6; east raster: x 6..14. Both 4 rows.
const west = () =>
  syntheticRaster({
    href: 'mem://west',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    value: (_b, x) => (x === 6 ? -1 : 100 + x),
    nodata: -1,
  });
const east = () =>
  syntheticRaster({
    href: 'mem://east',
    crs: 'EPSG:3857',
    transform: [6, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    value: (_b, x) => 200 + x,
  });
const slice: GeoSlice = { bounds: [4, 3, 16, 4], crs: 'EPSG:3857', resolution: [1, 1] };

test('rows mosaic in the order given: first valid pixel wins, nodata falls through, uncovered is masked', async () => {
  const w = west(),
    e = east();
  const a = await loadSlice(['mem://west', 'mem://east'], slice, { open: openerOf(w, e) });
  // columns x = 4..15: west 4,5 | nodata at 6 -> east col 0 | west 7 | east cols 2..7 | nothing at 14,15
  assert.deepEqual(Array.from(a.data), [104, 105, 200, 107, 202, 203, 204, 205, 206, 207, 0, 0]);
  assert.deepEqual(Array.from(a.mask!), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  assert.deepEqual(a.sources, ['mem://west', 'mem://east']);
  const b = await loadSlice(['mem://east', 'mem://west'], slice, { open: openerOf(west(), east()) });
  assert.deepEqual(Array.from(b.data), [104, 105, 200, 201, 202, 203, 204, 205, 206, 207, 0, 0]);
});

test('later rows are not read once the mosaic is complete', async () => {
  const w = west(),
    e = east();
  const inside: GeoSlice = { bounds: [0, 0, 4, 4], crs: 'EPSG:3857', resolution: [1, 1] };
  const chip = await loadSlice(['mem://west', 'mem://east'], inside, { open: openerOf(w, e) });
  assert.deepEqual(chip.sources, ['mem://west']);
  assert.equal(e.reads.length, 0);
});

test('a slice where every overlapping pixel is nodata is an all-invalid chip with validFraction 0', async () => {
  const w = west();
  const column6: GeoSlice = { bounds: [6, 0, 7, 4], crs: 'EPSG:3857', resolution: [1, 1] };
  const chip = await loadSlice(['mem://west'], column6, { open: openerOf(w) });
  assert.equal(chip.validFraction, 0);
  assert.deepEqual(Array.from(chip.mask ?? []), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(chip.data), [0, 0, 0, 0]);
});

test('a first row that is all nodata, or lacks one band file here, leaves nothing behind for the next rows', async () => {
  const { writeWkb } = await import('../../src/geo/wkb.js');
  const base = {
    geometry: writeWkb({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ],
    }),
    bbox: [0, 0, 1, 1] as [number, number, number, number],
    tmin: null,
    tmax: null,
    crs: 'EPSG:3857',
    backend: 'raster' as const,
    extras: {},
  };
  const blank = syntheticRaster({
    href: 'mem://blank',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    value: () => -1,
    nodata: -1,
  });
  const red = syntheticRaster({
    href: 'mem://red',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    value: () => 5,
  });
  const farNir = syntheticRaster({
    href: 'mem://far',
    crs: 'EPSG:3857',
    transform: [100, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    value: () => 6,
  });
  const good = syntheticRaster({
    href: 'mem://good',
    crs: 'EPSG:3857',
    transform: [0, 1, 0, 4, 0, -1],
    width: 8,
    height: 4,
    value: (b) => 70 + b,
    bands: 2,
  });
  const open = openerOf(blank, red, farNir, good);
  const rows = [
    { ...base, id: 'blank', assets: { red: { href: 'mem://blank' }, nir: { href: 'mem://blank' } } },
    { ...base, id: 'partial', assets: { red: { href: 'mem://red' }, nir: { href: 'mem://far' } } },
    { ...base, id: 'good', assets: { red: { href: 'mem://good', band: 1 }, nir: { href: 'mem://good', band: 2 } } },
  ];
  const s: GeoSlice = { bounds: [0, 0, 4, 4], crs: 'EPSG:3857', resolution: [1, 1] };
  for (const order of [
    [0, 1, 2],
    [1, 0, 2],
    [1, 2],
  ]) {
    const chip = await loadSlice(
      order.map((i) => rows[i]),
      s,
      { open, bands: ['red', 'nir'] },
    );
    assert.deepEqual(chip.sources, ['good'], `order ${order}`);
    assert.deepEqual([...new Set(chip.data.slice(0, 16))], [70]);
    assert.deepEqual([...new Set(chip.data.slice(16))], [71]);
    assert.ok(maskOf(chip).every((m) => m === 1));
  }
  // nothing valid remains once the partial row is dropped: an all-invalid chip of zeros, never masked-valid zeros
  const empty = await loadSlice([rows[0], rows[1]], s, { open, bands: ['red', 'nir'] });
  assert.equal(empty.validFraction, 0);
  assert.ok(empty.mask!.every((m) => m === 0));
  assert.ok(empty.data.every((v) => v === 0));
  assert.deepEqual(empty.sources, []);
});
