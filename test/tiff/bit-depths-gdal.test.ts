/**
 * Sample layouts beyond whole-byte integers, written at test time by gdal_translate and read back
 * against rasterio (test/fixtures/conformance/gdal-oracle.py): unsigned integers of 1..15 bits
 * (NBITS, unpacked to uint8/uint16), float16 (NBITS=16 on Float32, widened to float32), in strips
 * and tiles, pixel- and band-interleaved, compressed or not, little- and big-endian, with the
 * predictors GDAL allows. Native windows must match exactly.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { GeosliceError } from '../../src/errors.js';
import { openRaster } from '../../src/loaders/raster.js';
import { TAG } from '../../src/tiff/tags.js';
import { ifdMaps, Patch } from '../hostile/tiff-patch.js';
import { decodeSamples, makeGdalCases, type OracleFile } from '../fixtures/conformance/gdal-cases.js';

const ORACLE = fileURLToPath(new URL('../fixtures/conformance/gdal-oracle.py', import.meta.url));
const W = 101;
const H = 77;
const WINDOWS = [
  [0, 0, 0, W, H],
  [0, 13, 9, 40, 30],
  [0, 70, 50, 31, 27],
];

/** Source rasters: 3 bands of random values below 2^bits (uint16), or float32 with specials. */
const MAKE_SOURCES = `
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
d = sys.argv[1]
rng = np.random.default_rng(12)
def write(name, a):
    with rasterio.open(f'{d}/{name}', 'w', driver='GTiff', width=${W}, height=${H}, count=3, dtype=a.dtype,
                       crs='EPSG:32631', transform=from_origin(500000, 4000000, 10, 10)) as f:
        f.write(a)
for bits in range(1, 16):
    write(f'src{bits}.tif', rng.integers(0, 2 ** bits, (3, ${H}, ${W})).astype(np.uint16))
f = (rng.standard_normal((3, ${H}, ${W})) * 300).astype(np.float32)
f[0, 0, :6] = [np.nan, np.inf, -np.inf, 1e-6, -3e-7, 65504]
write('srcf.tif', f)
`;

interface Case {
  name: string;
  src: string;
  args: string[];
  dtype: string;
}

const LAYOUTS: [string, string[]][] = [
  ['strip', []],
  ['strip-band-lzw', ['-co', 'INTERLEAVE=BAND', '-co', 'COMPRESS=LZW', '-co', 'BLOCKYSIZE=10']],
  ['tile-deflate', ['-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=16', '-co', 'COMPRESS=DEFLATE']],
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
];

const CASES: Case[] = [];
for (let bits = 1; bits <= 15; bits++) {
  if (bits === 8) continue;
  for (const [layout, args] of LAYOUTS)
    CASES.push({
      name: `uint${bits}-${layout}.tif`,
      src: `src${bits}.tif`,
      args: ['-ot', bits <= 8 ? 'Byte' : 'UInt16', '-co', `NBITS=${bits}`, ...args],
      dtype: bits <= 8 ? 'uint8' : 'uint16',
    });
}
// 1-bit min-is-white: GDAL returns the stored bits, not inverted ones
CASES.push({
  name: 'uint1-miniswhite.tif',
  src: 'src1.tif',
  args: ['-ot', 'Byte', '-co', 'NBITS=1', '-co', 'PHOTOMETRIC=MINISWHITE', '-co', 'INTERLEAVE=BAND'],
  dtype: 'uint8',
});
for (const [layout, args] of [
  ...LAYOUTS,
  ['lzw-pred2', ['-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=2']],
  ['tile-zstd-pred3', ['-co', 'TILED=YES', '-co', 'COMPRESS=ZSTD', '-co', 'PREDICTOR=3']],
  ['deflate-pred3-be', ['-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=3', '-co', 'ENDIANNESS=BIG']],
] as [string, string[]][])
  CASES.push({
    name: `float16-${layout}.tif`,
    src: 'srcf.tif',
    args: ['-ot', 'Float32', '-co', 'NBITS=16', ...args],
    dtype: 'float32',
  });

describe('bit depths and float16 against rasterio', () => {
  let tmp = '';
  let oracle: OracleFile[] = [];
  before(() => {
    ({ dir: tmp, files: oracle } = makeGdalCases('geoslice-bits-', MAKE_SOURCES, CASES, WINDOWS, [ORACLE]));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const gdal = oracle[k];
      assert.ok(!gdal.error, gdal.error);
      assert.equal(gdal.dtype, c.dtype);
      const r = await openRaster(join(tmp, c.name));
      try {
        assert.equal(r.info.dtype, c.dtype);
        for (const [i, [level, x0, y0, w, h]] of WINDOWS.entries()) {
          const got = await r.readWindow(level, x0, y0, w, h, [0, 1, 2]);
          const exp = gdal.windows[i];
          const mask = decodeSamples(exp.mask, 'uint8') as ArrayLike<number>;
          assert.deepEqual(
            Array.from(got.mask as Uint8Array),
            Array.from(mask).map((m, p) => {
              // documented choice (docs/reading-geotiffs.md): all-NaN pixels are invalid
              const nan = exp.data.every((d) => Number.isNaN((decodeSamples(d, exp.dtype) as ArrayLike<number>)[p]));
              return nan ? 0 : m;
            }),
          );
          exp.data.forEach((d, b) => {
            const want = Array.from(decodeSamples(d, exp.dtype) as ArrayLike<number>);
            const have = Array.from(got.data[b] as ArrayLike<number>);
            assert.deepEqual(have, want, `${c.name} window ${i} band ${b + 1}`);
          });
        }
      } finally {
        await r.close();
      }
    });
  });

  /** A copy of a GDAL file with every BitsPerSample value set to `bits`. */
  function withBits(from: string, bits: number, name: string): string {
    const p = new Patch(Buffer.from(readFileSync(join(tmp, from))));
    const e = ifdMaps(p.buf)[0].entries.get(TAG.BitsPerSample);
    assert.ok(e, 'BitsPerSample present');
    for (let i = 0; i < e.count; i++) p.value(e, i, bits);
    return p.save(join(tmp, name));
  }

  const refused = (file: string, why: RegExp) => (e: unknown) => {
    assert.ok(e instanceof GeosliceError, String(e));
    assert.equal(e.code, 'UNSUPPORTED_DTYPE');
    assert.ok(e.message.includes(file), e.message);
    assert.match(e.message, why);
    return true;
  };

  it('refuses 12-bit samples with a predictor (libtiff and GDAL do too), naming the file', async () => {
    execFileSync('gdal_translate', [
      '-q',
      '-ot',
      'UInt16',
      '-co',
      'COMPRESS=LZW',
      '-co',
      'PREDICTOR=2',
      join(tmp, 'src12.tif'),
      join(tmp, 'p16.tif'),
    ]);
    const file = withBits('p16.tif', 12, 'p12.tif');
    await assert.rejects(openRaster(file), refused(file, /12-bit samples with Predictor 2/));
  });

  it('refuses 24-bit integers, naming the file', async () => {
    const file = withBits('uint12-strip.tif', 24, 'u24.tif');
    await assert.rejects(openRaster(file), refused(file, /24-bit samples of SampleFormat 1/));
  });
});
