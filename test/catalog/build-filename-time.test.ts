import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilenameTime } from '../../src/catalog/builders/filename-time.js';
import { BuildError } from '../../src/errors.js';

const iso = (r: { tmin: Date | null; tmax: Date | null }) => [
  r.tmin?.toISOString() ?? null,
  r.tmax?.toISOString() ?? null,
];

test('dates in file names, in every supported layout', () => {
  assert.deepEqual(iso(parseFilenameTime('/d/S2A_20240601_B04.tif', /_(?<date>\d{8})_/)), [
    '2024-06-01T00:00:00.000Z',
    '2024-06-01T00:00:00.000Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('x_2024-02-29.tif', /_(?<date>[\d-]{10})/, 'YYYY-MM-DD')), [
    '2024-02-29T00:00:00.000Z',
    '2024-02-29T00:00:00.000Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('S2B_MSIL2A_20230115T101329_N0509.tif', /_(?<date>\d{8}T\d{6})_/)), [
    '2023-01-15T10:13:29.000Z',
    '2023-01-15T10:13:29.000Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('MOD09.A2021032.tif', /\.A(?<date>\d{7})/, 'YYYYDDD')), [
    '2021-02-01T00:00:00.000Z',
    '2021-02-01T00:00:00.000Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('mosaic_202402.tif', /_(?<date>\d{6})/)), [
    '2024-02-01T00:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('landcover_2021.tif', /_(?<date>\d{4})/)), [
    '2021-01-01T00:00:00.000Z',
    '2021-12-31T23:59:59.999Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('comp_20240101_20240131.tif', /_(?<start>\d{8})_(?<end>\d{8})/)), [
    '2024-01-01T00:00:00.000Z',
    '2024-01-31T00:00:00.000Z',
  ]);
  assert.deepEqual(iso(parseFilenameTime('comp_2020_2022.tif', /_(?<start>\d{4})_(?<end>\d{4})/)), [
    '2020-01-01T00:00:00.000Z',
    '2022-12-31T23:59:59.999Z',
  ]);
  assert.deepEqual(
    iso(parseFilenameTime('undated.tif', /_(?<date>\d{8})/)),
    [null, null],
    'no match: unknown time, not an error',
  );
});

test('impossible dates and regexes without groups are typed errors naming the file', () => {
  for (const [name, re] of [
    ['a_20230229.tif', /_(?<date>\d{8})/],
    ['a_20241301.tif', /_(?<date>\d{8})/],
    ['a_2021366.tif', /_(?<date>\d{7})/],
    ['a_12345.tif', /_(?<date>\d{5})/],
  ] as const) {
    assert.throws(
      () => parseFilenameTime(name, re),
      (e: unknown) => e instanceof BuildError && e.code === 'BAD_DATE' && e.message.includes(name),
      name,
    );
  }
  assert.throws(
    () => parseFilenameTime('a_2024_2020.tif', /_(?<start>\d{4})_(?<end>\d{4})/),
    (e: unknown) => e instanceof BuildError && e.code === 'BAD_DATE' && /after/.test(e.message),
  );
  assert.throws(
    () => parseFilenameTime('a_20240101.tif', /_(\d{8})/),
    (e: unknown) => e instanceof BuildError && e.code === 'BAD_OPTION',
  );
});
