/**
 * Bands picked out of pixel-interleaved tiles (one pass over the pixels for up to four bands, band
 * by band beyond) against the same pixels stored band-interleaved (planar blocks copied row by row)
 * and against rasterio's reads of the pixel-interleaved file: 5-band uint16 and int16-with-nodata
 * rasters (tiles of 32 x 16, partial ones on the right and bottom), every band alone, subsets in
 * and out of order, a band twice, four and five bands, windows inside a tile, across tiles and past
 * the edges (nodata, or 0, there). The mask of a nodata raster is checked by brute force: a pixel inside the raster is
 * invalid when every requested band holds the nodata value. Float32 and float64 arrays offered to
 * the reader are filled in place with the same values; a float32 array is refused for int32 samples.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRaster } from '../../src/loaders/raster.js';

const W = 101;
const H = 53;

/** Writes `<name>-pixel.tif` and `<name>-band.tif` per raster, and rasterio's reads of the pixel ones as JSON. */
const MAKE = `
import sys, json, numpy as np, rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
d = sys.argv[1]
rng = np.random.default_rng(5)
u16 = rng.integers(0, 65536, (5, ${H}, ${W}))
i16 = rng.integers(-50, 50, (5, ${H}, ${W}))
i16[:, 5:20, 10:40] = -3
i16[:4, 30:40, 60:90] = -3
i16[0, 0:10, :] = -3
out = {}
for name, arr, dtype, nodata in [('u16', u16, 'uint16', None), ('i16', i16, 'int16', -3)]:
    for il in ('pixel', 'band'):
        prof = dict(driver='GTiff', width=${W}, height=${H}, count=5, dtype=dtype, crs='EPSG:32633',
                    transform=from_origin(500000, 4100000, 10, 10), tiled=True, blockxsize=32, blockysize=16,
                    compress='deflate', predictor=2, interleave=il, nodata=nodata)
        with rasterio.open(f'{d}/{name}-{il}.tif', 'w', **prof) as ds:
            ds.write(arr.astype(dtype))
    with rasterio.open(f'{d}/{name}-pixel.tif') as ds:
        out[name] = ds.read(window=Window(0, 0, ${W}, ${H})).astype(int).tolist()
json.dump(out, open(f'{d}/oracle.json', 'w'))
with rasterio.open(f'{d}/i32.tif', 'w', driver='GTiff', width=20, height=20, count=1, dtype='int32', crs='EPSG:32633',
                   transform=from_origin(500000, 4100000, 10, 10)) as f:
    f.write(np.full((1, 20, 20), 2 ** 30 + 1, dtype='int32'))
`;

const WINDOWS: [number, number, number, number][] = [
  [3, 2, 20, 10], // inside one tile
  [20, 10, 50, 30], // across tiles
  [90, 45, 20, 15], // over the partial tiles, past the right and bottom edges
  [-5, -3, 30, 12], // past the top-left corner
];
const BAND_SETS = [[0], [1], [2], [3], [4], [3, 1], [0, 2, 4], [4, 4], [0, 1, 2, 3], [3, 0, 4, 1], [0, 1, 2, 3, 4]];

describe('bands of pixel-interleaved tiles', () => {
  let dir = '';
  let oracle: Record<string, number[][][]> = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'geoslice-interleaved-'));
    execFileSync('/usr/bin/python3', ['-c', MAKE, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    oracle = JSON.parse(readFileSync(join(dir, 'oracle.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('int32 samples are not read into a float32 array (not every value fits)', async () => {
    const r = await openRaster(join(dir, 'i32.tif'));
    try {
      const offered = new Float32Array(10 * 8);
      const got = await r.readWindow(0, 1, 2, 10, 8, [0], { data: [offered] });
      assert.ok(got.data[0] instanceof Int32Array);
      assert.equal((got.data[0] as Int32Array)[0], 2 ** 30 + 1);
    } finally {
      await r.close();
    }
  });

  for (const [name, nodata] of [
    ['u16', null],
    ['i16', -3],
  ] as const) {
    it(`${name}: every band subset equals the band-interleaved copy and rasterio`, async () => {
      const pixel = await openRaster(join(dir, `${name}-pixel.tif`));
      const band = await openRaster(join(dir, `${name}-band.tif`));
      try {
        for (const [x0, y0, w, h] of WINDOWS) {
          for (const bands of BAND_SETS) {
            const what = `${name} window ${[x0, y0, w, h]} bands ${bands}`;
            const got = await pixel.readWindow(0, x0, y0, w, h, bands);
            const planar = await band.readWindow(0, x0, y0, w, h, bands);
            const mask = new Uint8Array(w * h);
            bands.forEach((b, i) => {
              // past the edges the reader gives the nodata value (or 0), masked
              const want = new Array<number>(w * h).fill(nodata ?? 0);
              for (let y = 0; y < h; y++)
                for (let x = 0; x < w; x++) {
                  const [sx, sy] = [x0 + x, y0 + y];
                  if (sx < 0 || sy < 0 || sx >= W || sy >= H) continue;
                  want[y * w + x] = oracle[name][b][sy][sx];
                  if (i === 0) mask[y * w + x] = 1;
                }
              assert.deepEqual(Array.from(got.data[i] as Int16Array), want, `${what}: band ${b + 1} vs rasterio`);
              assert.deepEqual(got.data[i], planar.data[i], `${what}: band ${b + 1} vs band-interleaved`);
            });
            if (nodata !== null)
              for (let p = 0; p < w * h; p++)
                if (bands.every((_, i) => (got.data[i] as Int16Array)[p] === nodata)) mask[p] = 0;
            assert.deepEqual(got.mask, mask, `${what}: mask`);
            assert.deepEqual(planar.mask, mask, `${what}: band-interleaved mask`);
            // float arrays offered for 16-bit samples are filled in place with the same values
            for (const F of [Float32Array, Float64Array]) {
              const offered = bands.map(() => new F(w * h).fill(12345));
              const wide = await pixel.readWindow(0, x0, y0, w, h, bands, { data: offered });
              bands.forEach((b, i) => {
                assert.equal(wide.data[i], offered[i], `${what}: ${F.name} used`);
                assert.deepEqual(
                  Array.from(wide.data[i] as Float32Array),
                  Array.from(got.data[i] as Int16Array),
                  `${what}: band ${b + 1} in a ${F.name}`,
                );
              });
              assert.deepEqual(wide.mask, mask, `${what}: ${F.name} mask`);
            }
          }
        }
      } finally {
        await pixel.close();
        await band.close();
      }
    });
  }
});
