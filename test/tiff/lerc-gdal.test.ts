/**
 * LERC blocks (the LERC library's WebAssembly build, `lerc` 4) against rasterio
 * (test/fixtures/conformance/gdal-oracle.py), on files gdal_translate writes at test time: LERC,
 * LERC_DEFLATE and LERC_ZSTD, lossless and with a MAX_Z_ERROR, float32 with NaN areas (masked in
 * the blob; GDAL gives NaN back), float64, uint16 and int16, one band and three bands pixel- and
 * band-interleaved, tiles and strips. Windows must match exactly. Plus the ZSTD frame header
 * parser used for LERC_ZSTD.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openRaster } from '../../src/loaders/raster.js';
import { zstdFrameSize } from '../../src/tiff/codecs/lerc.js';
import { decodeSamples, makeGdalCases, type OracleFile } from '../fixtures/conformance/gdal-cases.js';

const ORACLE = fileURLToPath(new URL('../fixtures/conformance/gdal-oracle.py', import.meta.url));
const W = 300;
const H = 211;
const WINDOWS = [
  [0, 0, 0, W, H],
  [0, 37, 101, 200, 90],
];

const MAKE_SOURCES = `
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
d = sys.argv[1]
rng = np.random.default_rng(7)
def write(name, a):
    with rasterio.open(f'{d}/{name}', 'w', driver='GTiff', width=${W}, height=${H}, count=a.shape[0], dtype=a.dtype,
                       crs='EPSG:32631', transform=from_origin(500000, 4000000, 10, 10)) as f:
        f.write(a)
f = (rng.standard_normal((3, ${H}, ${W})) * 100).astype(np.float32)
write('f3.tif', f)
write('f64.tif', f.astype(np.float64) * 1.5)
f[0, 20:90, 30:200] = np.nan
f[1, 150:, :50] = np.nan
f[:, 5, 7] = np.nan
write('f3n.tif', f)
write('f1n.tif', f[:1])
write('u16.tif', rng.integers(0, 4000, (1, ${H}, ${W})).astype(np.uint16))
write('i16.tif', rng.integers(-3000, 3000, (3, ${H}, ${W})).astype(np.int16))
`;

const TILES = ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=64'];
// GDAL 3.6 cannot read back the pixel-interleaved multi-band float LERC it writes with NaN
// (LERCPreDecode fails), so NaN areas are in one-band and band-interleaved files.
const CASES: { name: string; src: string; args: string[]; bands: number }[] = [];
for (const codec of ['LERC', 'LERC_DEFLATE', 'LERC_ZSTD']) {
  const args = ['-co', `COMPRESS=${codec}`, ...TILES];
  CASES.push(
    { name: `f1n-${codec}.tif`, src: 'f1n.tif', args, bands: 1 },
    { name: `f3-${codec}.tif`, src: 'f3.tif', args, bands: 3 },
    { name: `u16-${codec}.tif`, src: 'u16.tif', args, bands: 1 },
  );
}
CASES.push(
  {
    name: 'f3n-band-lossy.tif',
    src: 'f3n.tif',
    args: ['-co', 'COMPRESS=LERC', '-co', 'MAX_Z_ERROR=0.5', '-co', 'INTERLEAVE=BAND', ...TILES],
    bands: 3,
  },
  { name: 'f64-strips.tif', src: 'f64.tif', args: ['-co', 'COMPRESS=LERC_DEFLATE', '-co', 'BLOCKYSIZE=40'], bands: 3 },
  {
    name: 'i16-zstd.tif',
    src: 'i16.tif',
    args: ['-co', 'COMPRESS=LERC_ZSTD', '-co', 'MAX_Z_ERROR=2', ...TILES],
    bands: 3,
  },
);

/** The oracle's base64 samples (int16 too, which the shared helper does not read). */
function samples(b64: string, dtype: string): ArrayLike<number> {
  if (dtype !== 'int16') return decodeSamples(b64, dtype) as ArrayLike<number>;
  const b = Buffer.from(b64, 'base64');
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('LERC against rasterio', () => {
  let tmp = '';
  let oracle: OracleFile[] = [];
  before(() => {
    ({ dir: tmp, files: oracle } = makeGdalCases('geoslice-lerc-', MAKE_SOURCES, CASES, WINDOWS, [ORACLE]));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const gdal = oracle[k];
      assert.ok(!gdal.error, gdal.error);
      const r = await openRaster(join(tmp, c.name));
      try {
        const bands = Array.from({ length: c.bands }, (_, b) => b);
        for (const [i, [level, x0, y0, w, h]] of WINDOWS.entries()) {
          const got = await r.readWindow(level, x0, y0, w, h, bands);
          const exp = gdal.windows[i];
          let nan = 0;
          exp.data.forEach((d, b) => {
            const want = Array.from(samples(d, exp.dtype));
            nan += want.filter(Number.isNaN).length;
            assert.deepEqual(Array.from(got.data[b] as ArrayLike<number>), want, `${c.name} window ${i} band ${b + 1}`);
          });
          if (c.src.startsWith('f1n') && i === 0) assert.ok(nan > 10000, `the oracle has the NaN areas (${nan})`);
        }
      } finally {
        await r.close();
      }
    });
  });
});

describe('zstdFrameSize', () => {
  const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
  const le = (v: number, n: number) => Array.from({ length: n }, (_, k) => Math.floor(v / 256 ** k) % 256);
  it('reads each Frame_Content_Size field width of a ZSTD frame header (RFC 8878 3.1.1.1)', () => {
    const frame = (...b: number[]) => Uint8Array.from([...MAGIC, ...b, 0, 0, 0]);
    assert.equal(zstdFrameSize(frame(0x20, 200)), 200); // single segment, 1-byte size
    assert.equal(zstdFrameSize(frame(0x60, ...le(300 - 256, 2))), 300); // 2 bytes, offset by 256
    assert.equal(zstdFrameSize(frame(0x80, 0x58, ...le(70_000, 4))), 70_000); // window descriptor, 4 bytes
    assert.equal(zstdFrameSize(frame(0xc1, 0x58, 0x09, ...le(5_000_000_000, 8))), 5_000_000_000); // dictionary id, 8 bytes
  });
  it('refuses data that is no ZSTD frame, a header without a size, and a truncated header', () => {
    assert.throws(() => zstdFrameSize(Uint8Array.from([1, 2, 3, 4, 5, 6, 7])), /not inside a ZSTD frame/);
    assert.throws(() => zstdFrameSize(Uint8Array.from([...MAGIC, 0x00, 0x58, 0, 0])), /does not declare its size/);
    assert.throws(() => zstdFrameSize(Uint8Array.from([...MAGIC, 0x80, 0x58, 1, 2])), /truncated/);
  });
});
