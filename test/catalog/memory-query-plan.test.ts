import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boxesIn4326,
  isGeoSlice,
  normalizeQuery,
  rowTimeRange,
  splitAntimeridian,
  timeRangesOverlap,
  wrapLongitudes,
} from '../../src/catalog/query-plan.js';
import { CatalogError } from '../../src/errors.js';
import { transformPoint } from '../../src/geo/transform.js';

const d = (s: string) => new Date(s);

test('normalizeQuery: 4326 boxes pass through, antimeridian boxes split, OGC:CRS84 counts as 4326', () => {
  assert.deepEqual(normalizeQuery({ bbox: [10, 45, 11, 46] }).boxes, [[10, 45, 11, 46]]);
  assert.deepEqual(normalizeQuery({ bbox: [170, -10, -170, 10] }).boxes, [
    [170, -10, 180, 10],
    [-180, -10, -170, 10],
  ]);
  assert.deepEqual(normalizeQuery({ bbox: [10, 45, 11, 46], crs: 'OGC:CRS84' }).boxes, [[10, 45, 11, 46]]);
  assert.deepEqual(splitAntimeridian([1, 2, 3, 4]), [[1, 2, 3, 4]]);
  assert.deepEqual(normalizeQuery({ bbox: [170, 0, 190, 10] }).boxes, [
    [170, 0, 180, 10],
    [-180, 0, -170, 10],
  ]);
  assert.deepEqual(normalizeQuery({ bbox: [-190, 0, -185, 10] }).boxes, [[170, 0, 175, 10]]);
  assert.deepEqual(normalizeQuery({ bbox: [-200, 0, 200, 10] }).boxes, [[-180, 0, 180, 10]]);
  assert.deepEqual(wrapLongitudes([540, 0, 541, 1]), [-180, 0, -179, 1]);
  const empty = normalizeQuery({});
  assert.deepEqual(empty, { boxes: null, interval: null, includeUndated: false, where: null, params: undefined });
});

test('normalizeQuery: a UTM box becomes the EPSG:4326 box containing its densified edges', () => {
  const [b] = boxesIn4326([500000, 5000000, 600000, 5100000], 'EPSG:32633');
  for (const [x, y] of [
    [500000, 5000000],
    [600000, 5000000],
    [550000, 5100000],
    [600000, 5050000],
  ]) {
    const [lon, lat] = transformPoint('EPSG:32633', 'EPSG:4326', [x, y]);
    assert.ok(
      lon >= b[0] - 1e-9 && lon <= b[2] + 1e-9 && lat >= b[1] - 1e-9 && lat <= b[3] + 1e-9,
      `${x},${y} -> ${lon},${lat} inside ${b}`,
    );
  }
  // A UTM zone 60 box straddling 180 degrees comes back as two boxes.
  const boxes = boxesIn4326([700000, 0, 900000, 100000], 'EPSG:32660');
  assert.equal(boxes.length, 2);
  assert.equal(boxes[0][2], 180);
  assert.equal(boxes[1][0], -180);
});

test('normalizeQuery: slices use bounds, crs and interval; bad input is BAD_QUERY', () => {
  const slice = {
    bounds: [0, 0, 10, 10] as [number, number, number, number],
    crs: 'EPSG:4326',
    resolution: [1, 1] as [number, number],
    interval: { start: d('2024-01-01'), end: null },
  };
  assert.ok(isGeoSlice(slice));
  assert.ok(!isGeoSlice({ bbox: [0, 0, 1, 1] }));
  assert.deepEqual(normalizeQuery(slice), {
    boxes: [[0, 0, 10, 10]],
    interval: { start: d('2024-01-01'), end: null },
    includeUndated: false,
    where: null,
    params: undefined,
  });
  const bad = (q: unknown) => assert.throws(() => normalizeQuery(q as never), CatalogError);
  bad(null);
  bad({ box: [0, 0, 1, 1] });
  bad({ crs: 'EPSG:32633' });
  bad({ where: '' });
  bad({ where: 'x > 1', params: 3 });
  bad({ params: { a: 1 } });
  bad({ includeUndated: 'yes' });
  bad({ interval: { start: 'yesterday', end: null } });
  bad({ bbox: [0, 0, 1] });
  bad({ bbox: [5, 0, 1, 1], crs: 'EPSG:32633' });
});

test('row time ranges: one NULL bound takes the other, both NULL is undated', () => {
  assert.deepEqual(rowTimeRange(d('2024-01-01'), null), [d('2024-01-01').getTime(), d('2024-01-01').getTime()]);
  assert.equal(rowTimeRange(null, null), null);
  assert.ok(timeRangesOverlap(d('2024-01-01'), d('2024-01-10'), d('2024-01-10'), null));
  assert.ok(!timeRangesOverlap(d('2024-01-01'), d('2024-01-10'), d('2024-01-11'), d('2024-01-12')));
  assert.ok(!timeRangesOverlap(null, null, d('2024-01-01'), d('2024-01-10')));
});
