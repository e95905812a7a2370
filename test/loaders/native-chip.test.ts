/**
 * The loader's native-grid fast path (slices on a raster's own grid are copied straight into the
 * chip in its dtype) against GDAL (rasterio windows and dataset masks, computed at test time by
 * test/fixtures/conformance/gdal-oracle.py) and against the general composite path (a one-date
 * `temporal: 'stack'`, which never takes the fast path): uint8 with an internal mask, uint16 and
 * int16 with nodata, three pixel-interleaved bands, float32 with NaN, int32 beyond float32's
 * mantissa, float64 with nodata; windows inside a tile, across tiles, over the partial tiles of the right/bottom edges
 * and past the top-left corner; chips in the file's dtype and in narrower/wider ones; batches made
 * from recycled chip arrays.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { rowFromLayout } from '../../src/catalog/builders/raster-row.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { stackChips } from '../../src/loaders/batches.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { createLoader } from '../../src/loaders/loader.js';
import { openRaster, type RasterDtype, type TypedArray } from '../../src/loaders/raster.js';
import { dtypeInfo } from '../../src/tiff/dtype.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';

const ORACLE = fileURLToPath(new URL('../fixtures/conformance/gdal-oracle.py', import.meta.url));

/** Fixture rasters: 300 x 270 pixels, 128-pixel tiles (partial tiles on the right and bottom). */
const MAKE = `
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
d = sys.argv[1]
W, H = 300, 270
rng = np.random.default_rng(14)
t = from_origin(500000, 4100000, 10, 10)
def write(name, arr, dtype, nodata=None, mask=None, **co):
    prof = dict(driver='GTiff', width=W, height=H, count=arr.shape[0], dtype=dtype, crs='EPSG:32633', transform=t,
                tiled=True, blockxsize=128, blockysize=128, nodata=nodata, **co)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(f'{d}/{name}.tif', 'w', **prof) as ds:
            ds.write(arr.astype(dtype))
            if mask is not None:
                ds.write_mask(mask)
u8 = rng.integers(0, 256, (1, H, W))
m = np.full((H, W), 255, np.uint8); m[40:90, 100:180] = 0
write('u8_mask', u8, 'uint8', mask=m, compress='deflate')
u16 = rng.integers(0, 65536, (1, H, W)); u16[0, 100:140, 20:200] = 7; u16[0, 200:, 250:] = 7
write('u16_nodata', u16, 'uint16', nodata=7, compress='deflate', predictor=2)
i16 = rng.integers(-3000, 3000, (3, H, W)); i16[:, 10:60, 10:70] = -9999; i16[1, 150:200, 150:260] = -9999
write('i16_3band', i16, 'int16', nodata=-9999, compress='lzw', interleave='pixel')
f32 = rng.normal(0, 1000, (2, H, W)).astype('float32'); f32[:, 120:130, :] = np.nan; f32[0, 0:30, 200:] = np.nan
write('f32_nan', f32, 'float32', compress='zstd', predictor=3)
i32 = rng.integers(-2**31, 2**31 - 1, (1, H, W), dtype=np.int64)
write('i32', i32, 'int32', compress='deflate')
# halves just below .5: float32 rounds them up to .5 (the general path's composite), float64 does not
f64 = rng.integers(-200, 200, (1, H, W)) + 0.49999999999; f64[0, 60:70, 60:90] = -1e300
write('f64', f64, 'float64', nodata=-1e300, compress='deflate')
`;

interface Fixture {
  name: string;
  dtype: RasterDtype;
  bands: number;
  /** Other chip dtypes to load it as (through both paths). */
  also: RasterDtype[];
}

const FIXTURES: Fixture[] = [
  { name: 'u8_mask', dtype: 'uint8', bands: 1, also: ['float32', 'int16'] },
  { name: 'u16_nodata', dtype: 'uint16', bands: 1, also: ['float32', 'uint8', 'int16'] },
  { name: 'i16_3band', dtype: 'int16', bands: 3, also: ['float32', 'uint8', 'uint16', 'int32'] },
  { name: 'f32_nan', dtype: 'float32', bands: 2, also: ['float64', 'int16', 'uint8'] },
  { name: 'i32', dtype: 'int32', bands: 1, also: ['float32', 'float64', 'int16', 'uint32'] },
  { name: 'f64', dtype: 'float64', bands: 1, also: ['float32', 'int16', 'int32', 'uint8'] },
];

/** [x0, y0, w, h]: inside one tile, across four tiles, over the partial edge tiles, past the top-left corner. */
const WINDOWS: [number, number, number, number][] = [
  [5, 10, 64, 48],
  [100, 100, 64, 64],
  [250, 230, 64, 64],
  [-20, -12, 48, 40],
];

interface OracleWindow {
  data: string[];
  mask: string;
}

function decode(b64: string, dtype: RasterDtype): TypedArray {
  const buf = Buffer.from(b64, 'base64');
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return dtypeInfo(dtype).view(bytes, 0, bytes.byteLength / dtypeInfo(dtype).bytes);
}

/** A raster value as a chip of `dtype` holds it (float32 composite, float64 for 32-bit integer and float64 chips; rounded and clamped to integers). */
function asChip(v: number, dtype: RasterDtype): number {
  const info = dtypeInfo(dtype);
  const wide = dtype === 'float64' || dtype === 'int32' || dtype === 'uint32';
  const c = wide ? v : Math.fround(v);
  if (info.float) return dtype === 'float32' ? Math.fround(c) : c;
  const r = Math.round(c);
  if (Number.isNaN(r)) return 0;
  return r < info.min ? info.min : Math.min(r, info.max);
}

function sliceOf([x0, y0, w, h]: [number, number, number, number]): GeoSlice {
  return {
    bounds: [500000 + x0 * 10, 4100000 - (y0 + h) * 10, 500000 + (x0 + w) * 10, 4100000 - y0 * 10],
    crs: 'EPSG:32633',
    resolution: [10, 10],
  };
}

describe('native-grid fast path', () => {
  let dir = '';
  const paths = new Map<string, string>();
  const rows = new Map<string, CatalogRow>();
  let oracle: { files: ({ windows: OracleWindow[] } | { error: string })[] } = { files: [] };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'geoslice-native-'));
    execFileSync('/usr/bin/python3', ['-c', MAKE, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    for (const f of FIXTURES) {
      const path = join(dir, `${f.name}.tif`);
      paths.set(f.name, path);
      const reader = await openRaster(path);
      assert.equal(reader.info.dtype, f.dtype, `${f.name}: fixture dtype`);
      await reader.close();
      const when = new Date(Date.UTC(2024, 0, 1));
      rows.set(f.name, { ...rowFromLayout(path, await extractCogLayout(path)), tmin: when, tmax: when });
    }
    const req = join(dir, 'request.json');
    writeFileSync(
      req,
      JSON.stringify({
        files: FIXTURES.map((f) => ({ path: paths.get(f.name), windows: WINDOWS.map((w) => [0, ...w]) })),
        warps: [],
      }),
    );
    oracle = JSON.parse(
      execFileSync('/usr/bin/python3', [ORACLE, req], {
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'inherit'],
      }).toString(),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  FIXTURES.forEach((f, fi) => {
    it(`${f.name}: equals GDAL's windows and dataset mask, and the general path, in ${[f.dtype, ...f.also].join(', ')}`, async () => {
      const got = oracle.files[fi];
      if ('error' in got) assert.fail(`${f.name}: rasterio failed: ${got.error}`);
      for (const [wi, win] of WINDOWS.entries()) {
        const [, , w, h] = win;
        const n = w * h;
        const want = got.windows[wi];
        const mask = decode(want.mask, 'uint8');
        const bands: TypedArray[] = want.data.map((b) => decode(b, f.dtype));
        const slice = sliceOf(win);
        for (const dtype of [f.dtype, ...f.also]) {
          const what = `${f.name} window ${win.join(',')} as ${dtype}`;
          const fast = await loadSlice([paths.get(f.name) as string], slice, { dtype });
          assert.deepEqual(fast.shape, [f.bands, h, w], what);
          assert.ok(dtypeInfo(dtype).accepts(fast.data), `${what}: chip array type`);
          // documented choice: all-NaN pixels are invalid even without nodata (GDAL's mask keeps them)
          const wantMask: Uint8Array = Uint8Array.from(mask, (m, p): number =>
            m && !bands.every((b) => Number.isNaN(b[p])) ? 1 : 0,
          );
          assert.deepEqual(maskOf(fast), wantMask, `${what}: mask`);
          assert.equal(fast.mask === undefined, fast.validFraction === 1, `${what}: a mask only with invalid pixels`);
          let valid = 0;
          for (let p = 0; p < n; p++) {
            valid += wantMask[p];
            for (let b = 0; b < f.bands; b++) {
              const v = fast.data[b * n + p];
              const e = wantMask[p] ? asChip(bands[b][p], dtype) : 0;
              if (!Object.is(v, e) && !(v === e))
                assert.fail(`${what}: band ${b} pixel ${p % w},${Math.floor(p / w)} is ${v}, GDAL gives ${e}`);
            }
          }
          assert.equal(fast.validFraction, valid / n, `${what}: validFraction`);
          assert.deepEqual(fast.sources, valid > 0 ? [paths.get(f.name)] : [], `${what}: sources`);
          // the general composite (one-date stack) gives the same array
          const general = await loadSlice([rows.get(f.name) as CatalogRow], slice, { dtype, temporal: 'stack' });
          assert.deepEqual(general.shape, [1, f.bands, h, w], what);
          assert.deepEqual(general.mask, fast.mask, `${what}: general path mask`);
          assert.deepEqual(general.data, fast.data, `${what}: general path pixels`);
        }
      }
    });
  });

  it('a first source with holes is completed from the next one (general path); a complete one alone supplies the chip', async () => {
    const u16 = paths.get('u16_nodata') as string;
    const u8 = paths.get('u8_mask') as string;
    const holes = sliceOf([10, 90, 64, 64]); // crosses the nodata band of u16_nodata
    const both = await loadSlice([u16, u8], holes, { dtype: 'uint16' });
    const alone = await loadSlice([u16], holes, { dtype: 'uint16' });
    const second = await loadSlice([u8], holes, { dtype: 'uint16' });
    assert.ok((alone.validFraction ?? 1) < 1 && (alone.validFraction ?? 0) > 0);
    const aloneMask = maskOf(alone);
    const secondMask = maskOf(second);
    for (let p = 0; p < 64 * 64; p++) {
      const want = aloneMask[p] ? alone.data[p] : secondMask[p] ? second.data[p] : 0;
      assert.equal(both.data[p], want, `pixel ${p}`);
    }
    assert.deepEqual(both.sources, [u16, u8]);
    const full = await loadSlice([u8, u16], sliceOf([200, 150, 32, 32]), { dtype: 'uint16' });
    assert.equal(full.validFraction, 1);
    assert.deepEqual(full.sources, [u8]);
  });

  // one-band uint8 chips share the pool with the masks (same type and length): both are recycled
  for (const [name, dtype, bands] of [
    ['i16_3band', 'int16', undefined],
    ['u8_mask', 'uint8', [1]],
  ] as const) {
    it(`batches stacked from recycled chip arrays and masks equal chips loaded one by one (${name}, ${dtype})`, async () => {
      const path = paths.get(name) as string;
      const slices = [...WINDOWS, [30, 140, 64, 64], [236, 206, 64, 64], [0, 0, 64, 64], [-40, 240, 64, 64]]
        .map(([x, y]) => sliceOf([x, y, 64, 64]))
        .flatMap((s) => [s, s]);
      const opts = { dtype, ...(bands ? { bands: [...bands] } : {}) };
      const want = await Promise.all(slices.map((s) => loadSlice([path], s, opts)));
      assert.ok(
        want.some((c) => (c.validFraction ?? 1) < 1),
        'some chips have invalid pixels',
      );
      const loader = createLoader({ sources: [path], ...opts, concurrency: 2, prefetch: 2, minValidFraction: 0 });
      try {
        let i = 0;
        for await (const batch of loader.batches(slices, { batchSize: 3 })) {
          const expect = stackChips(want.slice(i, i + 3));
          assert.deepEqual(batch.shape, expect.shape, `batch at ${i}`);
          assert.deepEqual(batch.mask, expect.mask, `batch at ${i}: mask`);
          assert.deepEqual(batch.data, expect.data, `batch at ${i}: pixels`);
          i += batch.shape[0];
        }
        assert.equal(i, slices.length);
      } finally {
        await loader.close();
      }
    });
  }
});
