import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StitchError } from '../../src/errors.js';
import { writeCog, type CogRaster, type CogWriteOptions } from '../../src/tiff/write/cog-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'cog-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const base: CogRaster = {
  width: 40,
  height: 30,
  bands: 2,
  dtype: 'int16',
  data: [new Int16Array(1200), new Int16Array(1200)],
  crs: 'EPSG:32633',
  transform: [500000, 10, 0, 4200000, 0, -10],
};

const bad: [string, string, Partial<CogRaster> | Record<string, unknown>, CogWriteOptions?][] = [
  ['band array too short', 'SHAPE_MISMATCH', { data: [new Int16Array(1200), new Int16Array(1199)] }],
  ['too few band arrays', 'SHAPE_MISMATCH', { data: [new Int16Array(1200)] }],
  ['band-sequential array of the wrong length', 'SHAPE_MISMATCH', { data: new Int16Array(1201) }],
  ['array type not matching dtype', 'WRONG_ARRAY_TYPE', { data: [new Float32Array(1200), new Float32Array(1200)] }],
  [
    'plain array instead of a typed array',
    'WRONG_ARRAY_TYPE',
    { data: [new Array(1200).fill(0), new Int16Array(1200)] },
  ],
  ['unknown dtype', 'UNKNOWN_DTYPE', { dtype: 'complex64' }],
  ['zero width', 'BAD_SHAPE', { width: 0 }],
  ['fractional band count', 'BAD_SHAPE', { bands: 1.5 }],
  ['proj4 string as crs', 'UNKNOWN_CRS', { crs: '+proj=utm +zone=33 +datum=WGS84' }],
  ['WKT-ish crs', 'UNKNOWN_CRS', { crs: 'OGC:CRS84' }],
  ['unknown EPSG code', 'UNKNOWN_CRS', { crs: 'EPSG:1' }],
  ['vertical CRS', 'UNKNOWN_CRS', { crs: 'EPSG:5773' }],
  ['geographic 3D CRS', 'UNKNOWN_CRS', { crs: 'EPSG:4979' }],
  ['rotated transform', 'BAD_TRANSFORM', { transform: [0, 1, 0.1, 0, 0, -1] }],
  ['south-up transform', 'BAD_TRANSFORM', { transform: [0, 1, 0, 0, 0, 1] }],
  ['non-finite transform', 'BAD_TRANSFORM', { transform: [NaN, 1, 0, 0, 0, -1] }],
  ['nodata out of range', 'BAD_NODATA', { nodata: 40000 }],
  ['fractional nodata for integers', 'BAD_NODATA', { nodata: 0.5 }],
  ['NaN nodata for integers', 'BAD_NODATA', { nodata: NaN }],
  [
    'float32 nodata not representable',
    'BAD_NODATA',
    { dtype: 'float32', nodata: 0.1, data: [new Float32Array(1200), new Float32Array(1200)] },
  ],
  ['band name count', 'BAD_BAND_NAMES', { bandNames: ['only one'] }],
  ['control character in a band name', 'BAD_BAND_NAMES', { bandNames: ['a\nb', 'c'] }],
  ['predictor 3 on integers', 'BAD_OPTION', {}, { predictor: 3 }],
  [
    'predictor 2 on floats',
    'BAD_OPTION',
    { dtype: 'float64', data: [new Float64Array(1200), new Float64Array(1200)] },
    { predictor: 2 },
  ],
  ['predictor without compression', 'BAD_OPTION', {}, { compression: 'none', predictor: 2 }],
  ['unknown compression', 'BAD_OPTION', {}, { compression: 'jpeg' as never }],
  ['tile size not a multiple of 16', 'BAD_OPTION', {}, { tileSize: 100 }],
  ['deflate level out of range', 'BAD_OPTION', {}, { level: 12 }],
  ['overview factor not a power of two', 'BAD_OPTION', {}, { overviews: [3] }],
  ['overview factors not increasing', 'BAD_OPTION', {}, { overviews: [4, 2] }],
  ['unknown resampling', 'BAD_OPTION', {}, { resampling: 'cubic' as never }],
];

describe('writeCog input validation', () => {
  for (const [what, code, change, opts] of bad) {
    it(`${what} -> StitchError ${code} naming the path, no file written`, async () => {
      const path = join(dir, `${code}.tif`);
      await assert.rejects(writeCog(path, { ...base, ...change } as CogRaster, opts), (e: unknown) => {
        assert.ok(e instanceof StitchError, String(e));
        assert.equal(e.code, code, e.message);
        assert.ok(e.message.includes(path), e.message);
        assert.equal(e.subject, path);
        return true;
      });
      assert.deepEqual(readdirSync(dir), []);
    });
  }

  it('a missing directory is a WRITE_FAILED naming the path', async () => {
    const path = join(dir, 'no', 'such', 'dir.tif');
    await assert.rejects(
      writeCog(path, base),
      (e: unknown) => e instanceof StitchError && e.code === 'WRITE_FAILED' && e.message.includes(path),
    );
  });
});
