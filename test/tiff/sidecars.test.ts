/**
 * External sidecars read like GDAL: a `.msk` file's mask (written by rasterio with
 * GDAL_TIFF_INTERNAL_MASK=NO, compared with rasterio's dataset_mask) and a `.ovr` file's overviews
 * (made by gdaladdo -ro, compared with rasterio's overview read).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openRaster } from '../../src/loaders/raster.js';

const dir = mkdtempSync(join(tmpdir(), 'geoslice-sidecars-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PY = `
import json, sys
import numpy as np, rasterio
from rasterio.transform import from_origin
path = sys.argv[1]
with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=False):
    with rasterio.open(path, 'w', driver='GTiff', width=40, height=30, count=2, dtype='uint16',
                       crs='EPSG:32633', transform=from_origin(500000, 4100000, 10, 10)) as d:
        d.write(np.arange(2400, dtype='uint16').reshape(2, 30, 40))
        m = np.zeros((30, 40), dtype='uint8'); m[5:20, 3:30] = 255; m[7, 7] = 0
        d.write_mask(m)
with rasterio.open(path) as s:
    print(json.dumps((s.dataset_mask() > 0).astype(int).ravel().tolist()))
`;

test('a .msk sidecar is the per-dataset mask, like rasterio dataset_mask', async () => {
  const file = join(dir, 'masked.tif');
  const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY, file]).toString()) as number[];
  const reader = await openRaster(file);
  try {
    assert.equal(reader.info.hasMask, true);
    const got = await reader.readWindow(0, 0, 0, 40, 30, [0, 1]);
    assert.deepEqual(Array.from(got.mask ?? []), expected);
  } finally {
    await reader.close();
  }
});

test('a .ovr sidecar adds overview levels, read like rasterio overview_level', async () => {
  const file = join(dir, 'ovr.tif');
  execFileSync(
    'gdal_translate',
    [
      '-q',
      '-outsize',
      '64',
      '48',
      '-co',
      'TILED=NO',
      'test/fixtures/loaders/codecs/gt_none_int16_3b_striped.tif',
      file,
    ],
    {
      cwd: join(import.meta.dirname, '../..'),
    },
  );
  execFileSync('gdaladdo', ['-q', '-ro', '-r', 'nearest', file, '2', '4']);
  const expected = JSON.parse(
    execFileSync('/usr/bin/python3', [
      '-c',
      `import json,rasterio\nwith rasterio.open('${file}', overview_level=1) as o: print(json.dumps([o.width, o.height, o.read(2).ravel().tolist()]))`,
    ]).toString(),
  ) as [number, number, number[]];
  const reader = await openRaster(file);
  try {
    assert.deepEqual(
      reader.info.levels.map((l) => [l.width, l.height]),
      [
        [64, 48],
        [32, 24],
        [16, 12],
      ],
    );
    const [w, h, band2] = expected;
    const got = await reader.readWindow(2, 0, 0, w, h, [1]);
    assert.deepEqual(Array.from(got.data[0] as ArrayLike<number>), band2);
  } finally {
    await reader.close();
  }
});
