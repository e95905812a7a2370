import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogRow } from '../../src/catalog/types.js';
import { LoaderError } from '../../src/errors.js';
import { interval } from '../../src/geo/interval.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { filterByInterval, groupByDate } from '../../src/loaders/temporal.js';
import { openerOf, syntheticRaster } from './loader-synthetic.js';

const d = (s: string) => new Date(s);

test('groupByDate groups by UTC day, oldest first, keeping order inside a day', () => {
  const items = [
    { id: 'c', tmin: d('2024-06-02T10:00Z'), tmax: null },
    { id: 'a', tmin: d('2024-06-01T12:00Z'), tmax: d('2024-06-01T12:00Z') },
    { id: 'b', tmin: null, tmax: d('2024-06-01T09:00Z') },
  ];
  const g = groupByDate(items, (i) => i.id);
  assert.deepEqual(
    g.map((x) => x.items.map((i) => i.id)),
    [['a', 'b'], ['c']],
  );
  assert.equal(g[0].time.toISOString(), '2024-06-01T09:00:00.000Z');
  assert.throws(
    () => groupByDate([{ tmin: null, tmax: null }], () => 'row r9'),
    (e: unknown) => e instanceof LoaderError && e.code === 'UNDATED' && /row r9/.test(e.message),
  );
});

test('filterByInterval keeps overlapping items; no interval keeps all', () => {
  const items = [
    { tmin: d('2024-01-05'), tmax: d('2024-01-05') },
    { tmin: d('2024-03-01'), tmax: d('2024-03-02') },
    { tmin: null, tmax: null },
  ];
  assert.equal(filterByInterval(items, undefined).length, 3);
  assert.deepEqual(filterByInterval(items, interval('2024-03-02', null)), [items[1]]);
});

function row(id: string, href: string, day: string | null): CatalogRow {
  return {
    id,
    assets: { B: { href } },
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
    bbox: [0, 0, 1, 1],
    tmin: day ? d(day) : null,
    tmax: day ? d(day) : null,
    crs: 'EPSG:3857',
    backend: 'raster',
    extras: {},
  };
}
const raster = (href: string, v: number, width = 4) =>
  syntheticRaster({ href, crs: 'EPSG:3857', transform: [0, 1, 0, 2, 0, -1], width, height: 2, value: () => v });
const slice: GeoSlice = { bounds: [0, 0, 4, 2], crs: 'EPSG:3857', resolution: [1, 1] };

test("temporal 'stack' gives [T, C, H, W], one layer per date, each a mosaic of that day's rows", async () => {
  // June 3 is covered by two half-width rows; June 1 by one row
  const half = raster('mem://j3a', 30, 2);
  const open = openerOf(raster('mem://j1', 10), half, raster('mem://j3b', 31), raster('mem://j2', 20));
  const rows = [
    row('j3a', 'mem://j3a', '2024-06-03'),
    row('j1', 'mem://j1', '2024-06-01'),
    row('j3b', 'mem://j3b', '2024-06-03'),
  ];
  const chip = await loadSlice(rows, slice, { temporal: 'stack', open });
  assert.deepEqual(chip.shape, [2, 1, 2, 4]);
  assert.deepEqual(
    chip.times!.map((t) => t.toISOString().slice(0, 10)),
    ['2024-06-01', '2024-06-03'],
  );
  assert.deepEqual(Array.from(chip.data), [10, 10, 10, 10, 10, 10, 10, 10, 30, 30, 31, 31, 30, 30, 31, 31]);
  assert.equal(maskOf(chip).length, 2 * 8);
  const mosaic = await loadSlice(rows, slice, { open });
  assert.deepEqual(mosaic.shape, [1, 2, 4]);
  // mosaic follows the row order given: j3a, then j1 fills the rest before j3b is reached
  assert.deepEqual(Array.from(mosaic.data), [30, 30, 10, 10, 30, 30, 10, 10]);
});

test("the slice's interval filters rows; nothing in the interval is NO_COVERAGE naming the slice", async () => {
  const open = openerOf(raster('mem://j1', 10), raster('mem://j2', 20));
  const rows = [row('j2', 'mem://j2', '2024-06-02'), row('j1', 'mem://j1', '2024-06-01')];
  const june1 = await loadSlice(rows, { ...slice, interval: interval('2024-06-01', '2024-06-01T23:59:59Z') }, { open });
  assert.equal(june1.data[0], 10);
  await assert.rejects(
    loadSlice(rows, { ...slice, interval: interval('2025-01-01', null) }, { open }),
    (e: unknown) =>
      e instanceof LoaderError && e.code === 'NO_COVERAGE' && e.subject === 'slice EPSG:3857 [0,0,4,2] @1x1',
  );
  await assert.rejects(
    loadSlice([row('u', 'mem://j1', null)], slice, { open, temporal: 'stack' }),
    (e: unknown) => e instanceof LoaderError && e.code === 'UNDATED',
  );
});

test('a row without assets is refused with a typed error naming it', async () => {
  await assert.rejects(
    loadSlice([{ ...row('empty', 'mem://x', '2024-06-01'), assets: {} }], slice),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_BAND' && /row empty/.test(e.message),
  );
});
