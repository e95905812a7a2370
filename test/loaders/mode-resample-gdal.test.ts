/**
 * `resampling: 'mode'` against `gdalwarp -r mode` (GDAL 3.6) on class rasters made here (Byte and UInt16
 * classes in blobs with noise and nodata holes): downsampling by 2, 3 and 2.5 on the raster's own CRS
 * (also with an origin off the source grid), and reprojected to EPSG:4326 and EPSG:3035. Agreement =
 * same validity and, where valid, the same class.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { transformBBox } from '../../src/geo/transform.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';

const W = 150;
const H = 120;
const X0 = 500000;
const Y0 = 4000000;

const MAKE = `
import sys, numpy as np
from osgeo import gdal
gdal.UseExceptions()
d = sys.argv[1]
rng = np.random.default_rng(15)
yy, xx = np.mgrid[0:${H}, 0:${W}]
cls = ((xx // 17 + yy // 13) % 5).astype(np.int32)
noise = rng.random((${H}, ${W})) < 0.3
cls[noise] = rng.integers(0, 7, noise.sum())
hole = (xx - 40) ** 2 + (yy - 70) ** 2 < 150
for name, gt, off in (('byte', gdal.GDT_Byte, 0), ('uint16', gdal.GDT_UInt16, 1000)):
    f = gdal.GetDriverByName('GTiff').Create(f'{d}/{name}.tif', ${W}, ${H}, 1, gt)
    f.SetGeoTransform([${X0}, 10, 0, ${Y0}, 0, -10]); f.SetProjection('EPSG:32633')
    a = cls + off
    a[hole] = 255 if name == 'byte' else 65535
    f.GetRasterBand(1).WriteArray(a)
    f.GetRasterBand(1).SetNoDataValue(255 if name == 'byte' else 65535)
    f = None
`;

interface Case {
  name: string;
  slice: GeoSlice;
  exact: boolean;
}

function grid(crs: string, bounds: [number, number, number, number], res: number): GeoSlice {
  return { crs, bounds, resolution: [res, res] };
}

const CASES: Case[] = [
  { name: 'downsample x2', slice: grid('EPSG:32633', [X0, Y0 - 1200, X0 + 1500, Y0], 20), exact: true },
  { name: 'downsample x3', slice: grid('EPSG:32633', [X0, Y0 - 1200, X0 + 1500, Y0], 30), exact: true },
  { name: 'downsample x2.5', slice: grid('EPSG:32633', [X0, Y0 - 1200, X0 + 1500, Y0], 25), exact: true },
  {
    name: 'downsample x2.7, origin off the grid, past the edges',
    slice: grid('EPSG:32633', [X0 - 81, Y0 - 1269, X0 + 1539, Y0 + 27], 27),
    exact: true,
  },
];

describe('mode resampling vs gdalwarp -r mode', () => {
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'geoslice-mode-'));
    execFileSync('/usr/bin/python3', ['-c', MAKE, tmp]);
    // reprojected grids: the raster's extent in the target CRS, pixels about 2.2 source pixels wide
    const box: [number, number, number, number] = [X0 + 50, Y0 - 1150, X0 + 1450, Y0 - 50];
    const geo = transformBBox(box, 'EPSG:32633', 'EPSG:4326');
    const r = 0.00025;
    const g4326: [number, number, number, number] = [
      Math.floor(geo[0] / r) * r,
      Math.floor(geo[1] / r) * r,
      Math.ceil(geo[2] / r) * r,
      Math.ceil(geo[3] / r) * r,
    ];
    CASES.push({ name: 'reprojected to EPSG:4326', slice: grid('EPSG:4326', g4326, r), exact: false });
    const laea = transformBBox(box, 'EPSG:32633', 'EPSG:3035');
    const g3035: [number, number, number, number] = [
      Math.floor(laea[0] / 25) * 25,
      Math.floor(laea[1] / 25) * 25,
      Math.ceil(laea[2] / 25) * 25,
      Math.ceil(laea[3] / 25) * 25,
    ];
    CASES.push({ name: 'reprojected to EPSG:3035', slice: grid('EPSG:3035', g3035, 25), exact: false });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function gdalMode(file: string, s: GeoSlice, w: number, h: number): { values: Float64Array; alpha: Uint8Array } {
    const out = join(tmp, 'mode.tif');
    const te = s.bounds.map(String);
    execFileSync('gdalwarp', [
      ...['-q', '-overwrite', '-r', 'mode', '-ot', 'Float64', '-dstalpha', '-t_srs', s.crs, '-te', ...te],
      ...['-ts', String(w), String(h), file, out],
    ]);
    const py = `import sys, rasterio, numpy as np, base64
a = rasterio.open(sys.argv[1]).read()
print(base64.b64encode(a[0].astype(np.float64).tobytes()).decode()); print(base64.b64encode((a[1] > 0).astype(np.uint8).tobytes()).decode())`;
    const [v, m] = execFileSync('/usr/bin/python3', ['-c', py, out]).toString().trim().split('\n');
    const vb = Buffer.from(v, 'base64');
    const mb = Buffer.from(m, 'base64');
    return {
      values: new Float64Array(vb.buffer.slice(vb.byteOffset, vb.byteOffset + vb.byteLength)),
      alpha: new Uint8Array(mb),
    };
  }

  for (const dtype of ['byte', 'uint16']) {
    it(`${dtype}: every case agrees with gdalwarp (exactly on the raster's own CRS)`, async () => {
      const file = join(tmp, `${dtype}.tif`);
      const figures: string[] = [];
      for (const c of CASES) {
        const chip = await loadSlice([file], c.slice, { resampling: 'mode', dtype: 'float64', overviews: 'none' });
        const [, h, w] = chip.shape;
        const gd = gdalMode(file, c.slice, w, h);
        const mask = maskOf(chip);
        let agree = 0;
        let valid = 0;
        for (let i = 0; i < w * h; i++) {
          const ours = mask[i];
          if (gd.alpha[i]) valid++;
          if (ours !== gd.alpha[i]) continue;
          if (!ours || chip.data[i] === gd.values[i]) agree++;
        }
        const share = agree / (w * h);
        figures.push(`${c.name}: ${agree}/${w * h} (${(100 * share).toFixed(2)}%)`);
        assert.ok(valid > (w * h) / 2, `${c.name}: the grid covers the raster`);
        if (c.exact) assert.equal(agree, w * h, `${c.name}: ${figures.at(-1)}`);
        else assert.ok(share >= 0.99, `${c.name}: ${figures.at(-1)}`);
      }
      if (process.env.GEOSLICE_PRINT_FIGURES) console.log(dtype, figures.join('; '));
    });
  }

  it('nearest differs from mode on the same downsampled grid (the test is not vacuous)', async () => {
    const file = join(tmp, 'byte.tif');
    const s = CASES[1].slice;
    const mode = await loadSlice([file], s, { resampling: 'mode', dtype: 'float64' });
    const near = await loadSlice([file], s, { resampling: 'nearest', dtype: 'float64' });
    let differ = 0;
    for (let i = 0; i < mode.data.length; i++) if (mode.data[i] !== near.data[i]) differ++;
    assert.ok(differ > mode.data.length / 10, `${differ} pixels differ`);
  });
});
