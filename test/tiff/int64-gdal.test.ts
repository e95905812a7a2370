/**
 * 64-bit integer samples (GDAL 3.5+ Int64/UInt64), written at test time by gdal_translate in strips and
 * tiles, compressed or not, with predictor 2, little- and big-endian, and read back against
 * GDAL's Python bindings (osgeo.gdal; rasterio 1.3 mislabels GDAL 3.6's 64-bit types): raw windows are
 * BigInt64Array/BigUint64Array equal to GDAL's int64/uint64 arrays, values beyond 2^53 included; masks
 * equal GDAL's dataset mask with an exact 64-bit nodata. Warps convert to float64 (as gdalwarp does) and refuse, naming the file, a
 * valid value that has no exact double; they agree with `gdalwarp -ot Float64`. The catalog builder
 * accepts the files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rasterRow } from '../../src/catalog/builders/raster-row.js';
import { GeosliceError } from '../../src/errors.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { openRaster } from '../../src/loaders/raster.js';
import { exactNumber, toNumberSamples } from '../../src/tiff/read/number-samples.js';
import { decodeSamples, makeGdalCases, type OracleFile } from '../fixtures/conformance/gdal-cases.js';

const W = 101;
const H = 77;
const WINDOWS = [
  [0, 0, 0, W, H],
  [0, 13, 9, 40, 30],
  [0, 70, 50, 31, 27],
  [0, -5, -3, 20, 12], // past the top-left corner: nodata/0, masked
];

/**
 * Sources: band 1 random over the whole 64-bit range, band 2 small values (|v| < 2^40, exact as
 * doubles), band 3 small values except a few that are not exact doubles (2^53 + 1 ...) in the last
 * row. Signed and unsigned.
 */
const MAKE_SOURCES = `
import sys, numpy as np
from osgeo import gdal
gdal.UseExceptions()
d = sys.argv[1]
rng = np.random.default_rng(64)
for dt, gt in (('int64', gdal.GDT_Int64), ('uint64', gdal.GDT_UInt64)):
    info = np.iinfo(dt)
    a = np.empty((3, ${H}, ${W}), dtype=dt)
    a[0] = rng.integers(info.min, info.max, (${H}, ${W}), dtype=dt, endpoint=True)
    a[0, 0, :4] = [info.min, info.max, 2**53 + 1, info.max - 1]
    lo = -(2**40) if dt == 'int64' else 0
    a[1] = rng.integers(lo, 2**40, (${H}, ${W}), dtype=dt)
    a[2] = rng.integers(lo, 2**40, (${H}, ${W}), dtype=dt)
    a[2, ${H} - 1, :3] = [2**53 + 1, 2**60, 2**63 - 1]
    a[:, 1, :5] = info.min
    f = gdal.GetDriverByName('GTiff').Create(f'{d}/src-{dt}.tif', ${W}, ${H}, 3, gt)
    f.SetGeoTransform([500000, 10, 0, 4000000, 0, -10])
    f.SetProjection('EPSG:32631')
    for b in range(3):
        f.GetRasterBand(b + 1).WriteArray(a[b])
    f = None
`;

/**
 * GDAL's own view (osgeo.gdal: rasterio 1.3 swaps Int64 and UInt64 with GDAL 3.6): for each file its
 * dtype and, per window, every band (boundless: nodata or 0 outside) and the dataset mask (valid
 * where any band's mask is, as rasterio's dataset_mask; 0 outside).
 */
const ORACLE = `
import sys, json, base64, numpy as np
from osgeo import gdal
gdal.UseExceptions()
req = json.load(open(sys.argv[1]))
out = []
for f in req['files']:
    ds = gdal.Open(f['path'])
    b1 = ds.GetRasterBand(1)
    dt = gdal.GetDataTypeName(b1.DataType).lower()
    nd = b1.GetNoDataValueAsInt64() if dt == 'int64' else (b1.GetNoDataValueAsUInt64() if dt == 'uint64' else None)
    wins = []
    for level, x0, y0, w, h in f['windows']:
        data = np.full((ds.RasterCount, h, w), 0 if nd is None else nd, dtype=dt)
        mask = np.zeros((h, w), dtype=np.uint8)
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(ds.RasterXSize, x0 + w), min(ds.RasterYSize, y0 + h)
        if cx0 < cx1 and cy0 < cy1:
            ys, xs = slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0)
            for b in range(ds.RasterCount):
                band = ds.GetRasterBand(b + 1)
                data[b, ys, xs] = band.ReadAsArray(cx0, cy0, cx1 - cx0, cy1 - cy0)
                mask[ys, xs] |= (band.GetMaskBand().ReadAsArray(cx0, cy0, cx1 - cx0, cy1 - cy0) > 0).astype(np.uint8)
        wins.append({'data': [base64.b64encode(x.tobytes()).decode() for x in data], 'dtype': dt,
                     'mask': base64.b64encode(mask.tobytes()).decode()})
    out.append({'dtype': dt, 'windows': wins})
json.dump({'files': out}, sys.stdout)
`;

const LAYOUTS: [string, string[]][] = [
  ['strip', []],
  [
    'strip-band-lzw-pred2',
    ['-co', 'INTERLEAVE=BAND', '-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=2', '-co', 'BLOCKYSIZE=10'],
  ],
  [
    'tile-deflate-pred2',
    [
      '-co',
      'TILED=YES',
      '-co',
      'BLOCKXSIZE=32',
      '-co',
      'BLOCKYSIZE=16',
      '-co',
      'COMPRESS=DEFLATE',
      '-co',
      'PREDICTOR=2',
    ],
  ],
  ['tile-zstd', ['-co', 'TILED=YES', '-co', 'COMPRESS=ZSTD']],
  [
    'tile-band-packbits-be',
    [
      '-co',
      'TILED=YES',
      '-co',
      'BLOCKXSIZE=48',
      '-co',
      'BLOCKYSIZE=32',
      '-co',
      'INTERLEAVE=BAND',
      '-co',
      'COMPRESS=PACKBITS',
      '-co',
      'ENDIANNESS=BIG',
    ],
  ],
  ['deflate-pred2-be', ['-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=2', '-co', 'ENDIANNESS=BIG']],
];

interface Case {
  name: string;
  src: string;
  args: string[];
  dtype: 'int64' | 'uint64';
}

const CASES: Case[] = [];
for (const dtype of ['int64', 'uint64'] as const) {
  for (const [layout, args] of LAYOUTS)
    CASES.push({
      name: `${dtype}-${layout}.tif`,
      src: `src-${dtype}.tif`,
      args: ['-ot', dtype === 'int64' ? 'Int64' : 'UInt64', ...args],
      dtype,
    });
}
// an exact 64-bit nodata value, held by every band on row 1's first five pixels
CASES.push({
  name: 'int64-nodata-min.tif',
  src: 'src-int64.tif',
  args: ['-ot', 'Int64', '-a_nodata', '-9223372036854775808', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE'],
  dtype: 'int64',
});

describe('int64/uint64 samples against GDAL (osgeo.gdal, gdalwarp)', () => {
  let tmp = '';
  let oracle: OracleFile[] = [];
  before(() => {
    ({ dir: tmp, files: oracle } = makeGdalCases('geoslice-int64-', MAKE_SOURCES, CASES, WINDOWS, ['-c', ORACLE]));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  CASES.forEach((c, k) => {
    it(`${c.name}: raw windows equal GDAL's exactly (BigInt arrays), masks too`, async () => {
      const gdal = oracle[k];
      assert.ok(!gdal.error, gdal.error);
      assert.equal(gdal.dtype, c.dtype);
      const r = await openRaster(join(tmp, c.name));
      try {
        assert.equal(r.info.dtype, c.dtype);
        for (const [i, [level, x0, y0, w, h]] of WINDOWS.entries()) {
          const got = await r.readWindow(level, x0, y0, w, h, [0, 1, 2]);
          const exp = gdal.windows[i];
          assert.deepEqual(
            Array.from(got.mask as Uint8Array),
            Array.from(decodeSamples(exp.mask, 'uint8')),
            `window ${i} mask`,
          );
          exp.data.forEach((d, b) => {
            const have = got.data[b];
            assert.ok(have instanceof (c.dtype === 'int64' ? BigInt64Array : BigUint64Array));
            assert.deepEqual(
              Array.from(have),
              Array.from(decodeSamples(d, exp.dtype)),
              `${c.name} window ${i} band ${b + 1}`,
            );
          });
        }
      } finally {
        await r.close();
      }
    });
  });

  it('the nodata file masks exactly the pixels holding -2^63 on every band (GDAL agrees above)', async () => {
    const r = await openRaster(join(tmp, 'int64-nodata-min.tif'));
    try {
      assert.equal(r.info.nodata, -(2 ** 63));
      const one = await r.readWindow(0, 3, 1, 4, 1, [0, 1, 2]);
      assert.deepEqual(Array.from(one.mask as Uint8Array), [0, 0, 1, 1]);
      // band 1 alone is nodata at (0, 0) too (GDAL's mask over the requested bands)
      assert.deepEqual(Array.from((await r.readWindow(0, 0, 0, 2, 1, [0])).mask as Uint8Array), [0, 1]);
      // outside the raster the fill is the exact nodata value
      const out = await r.readWindow(0, -2, 0, 2, 1, [0]);
      assert.deepEqual(Array.from(out.data[0] as BigInt64Array), [-(2n ** 63n), -(2n ** 63n)]);
    } finally {
      await r.close();
    }
  });

  /** gdalwarp -r near -ot Float64 of one band into a grid; returns values and alpha. */
  function gdalwarp(file: string, band: number, slice: GeoSlice, w: number, h: number) {
    const out = join(tmp, 'warp.tif');
    const one = join(tmp, 'band.vrt');
    execFileSync('gdal_translate', ['-q', '-of', 'VRT', '-b', String(band), file, one]);
    const te = slice.bounds.map(String);
    const args = ['-q', '-overwrite', '-r', 'near', '-ot', 'Float64', '-dstalpha', '-t_srs', slice.crs, '-te', ...te];
    execFileSync('gdalwarp', [...args, '-ts', String(w), String(h), one, out]);
    const py = `import sys, rasterio, numpy as np, base64
a = rasterio.open(sys.argv[1]).read()
print(base64.b64encode(a[0].astype(np.float64).tobytes()).decode()); print(base64.b64encode((a[1] > 0).astype(np.uint8).tobytes()).decode())`;
    const [v, m] = execFileSync('/usr/bin/python3', ['-c', py, out]).toString().trim().split('\n');
    return { values: decodeSamples(v, 'float64') as Float64Array, alpha: decodeSamples(m, 'uint8') as Uint8Array };
  }

  for (const dtype of ['int64', 'uint64'] as const) {
    it(`${dtype}: warps give float64 values equal to gdalwarp -ot Float64 (native window, 2x coarser, reprojected)`, async () => {
      const file = join(tmp, `${dtype}-tile-deflate-pred2.tif`);
      const cases: [GeoSlice, number, number][] = [
        [{ crs: 'EPSG:32631', bounds: [500130, 3999300, 500530, 3999600], resolution: [10, 10] }, 40, 30],
        [{ crs: 'EPSG:32631', bounds: [500000, 3999240, 501000, 4000000], resolution: [20, 20] }, 50, 38],
        [{ crs: 'EPSG:4326', bounds: [3.0003, 36.134, 3.0101, 36.1404], resolution: [0.0002, 0.0002] }, 49, 32],
      ];
      for (const [slice, w, h] of cases) {
        const chip = await loadSlice([file], slice, { bands: [2], dtype: 'float64' });
        assert.deepEqual(chip.shape, [1, h, w]);
        const gd = gdalwarp(file, 2, slice, w, h);
        const mask = maskOf(chip);
        let same = 0;
        for (let i = 0; i < w * h; i++) {
          if (mask[i] !== gd.alpha[i]) continue;
          if (!gd.alpha[i] || chip.data[i] === gd.values[i]) same++;
        }
        assert.ok(same / (w * h) >= 0.99, `${JSON.stringify(slice.bounds)}: ${same} of ${w * h} equal`);
        if (slice.crs === 'EPSG:32631') assert.equal(same, w * h, `${JSON.stringify(slice.bounds)}: exact`);
      }
    });
  }

  it('a warp over a valid value with no exact double is refused, naming the file (INEXACT_INT64)', async () => {
    const file = join(tmp, 'int64-strip.tif');
    // band 3's last row holds 2^53 + 1 (inexact), 2^60 and 2^63 - 1 (stored exactly? 2^63 - 1 is not)
    const lastRow: GeoSlice = { crs: 'EPSG:32631', bounds: [500000, 3999230, 500100, 3999240], resolution: [10, 10] };
    await assert.rejects(loadSlice([file], lastRow, { bands: [3], dtype: 'float64' }), (e: unknown) => {
      assert.ok(e instanceof GeosliceError && e.code === 'INEXACT_INT64', String(e));
      assert.ok(e.message.includes(file) && e.message.includes('9007199254740993'), e.message);
      return true;
    });
    // 2^60 alone is an exact double: loaded as is
    const at60: GeoSlice = { crs: 'EPSG:32631', bounds: [500010, 3999230, 500020, 3999240], resolution: [10, 10] };
    const chip = await loadSlice([file], at60, { bands: [3], dtype: 'float64' });
    assert.equal(chip.data[0], 2 ** 60);
    // masked pixels never trigger it; exactNumber refuses single values the same way
    assert.deepEqual(Array.from(toNumberSamples([BigInt64Array.of(2n ** 53n + 1n)], Uint8Array.of(0), file)[0]), [
      2 ** 53,
    ]);
    assert.throws(() => exactNumber(2n ** 63n - 1n, file, 'a point'), /INEXACT|no exact float64/);
  });

  it('the catalog builder accepts int64/uint64 files and records their dtype', async () => {
    for (const dtype of ['int64', 'uint64']) {
      const row = await rasterRow(join(tmp, `${dtype}-tile-zstd.tif`), { cogHeaders: true });
      assert.equal(row.extras.dtype, dtype);
      assert.equal(row.crs, 'EPSG:32631');
    }
  });
});
