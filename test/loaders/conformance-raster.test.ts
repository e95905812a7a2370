/**
 * Conformance of the raster reader with GDAL: every codec / predictor / dtype / layout fixture in
 * test/fixtures/loaders/codecs (made by make.sh) and every GeoTIFF of ../shared/fixtures, compared
 * with windows read by rasterio (expected*.json, written by expected.py).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { openRaster, type RasterDtype, type TypedArray } from '../../src/loaders/raster.js';

const CODECS = fileURLToPath(new URL('../fixtures/loaders/codecs/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/** Largest |ours - libjpeg| measured on the JPEG (YCbCr 4:2:0) fixtures (cogeo.tif included): chroma
 * upsampling and colour conversion match libjpeg, but geotiff.js's IDCT rounds differently from
 * libjpeg's islow IDCT; 84-98 % of samples agree exactly, the mean difference is 0.03-0.3. */
const JPEG_TOLERANCE = 3;

interface Expected {
  files: Record<
    string,
    {
      info: {
        width: number;
        height: number;
        bands: number;
        dtype: RasterDtype;
        nodata: number | 'nan' | null;
        epsg: number | null;
        transform: number[];
        levels: [number, number][];
        levelTransforms: number[][];
        block: [number, number];
        hasMask: boolean;
        compression: string | null;
      };
      windows: {
        level: number;
        x0: number;
        y0: number;
        w: number;
        h: number;
        bands: number[];
        data: string[];
        mask: string;
      }[];
    }
  >;
}

const CTOR = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

function decode(b64: string, dtype: RasterDtype): TypedArray {
  const buf = Buffer.from(b64, 'base64');
  const C = CTOR[dtype];
  return new C(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    0,
    buf.byteLength / C.BYTES_PER_ELEMENT,
  );
}

function closeTo(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`),
  );
}

/** Compares two arrays element by element (NaN equals NaN); returns the largest absolute difference. */
function maxDiff(ours: TypedArray, theirs: TypedArray, what: string, tolerance: number): number {
  assert.equal(ours.length, theirs.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    if (Number.isNaN(a) || Number.isNaN(b)) {
      assert.ok(Number.isNaN(a) && Number.isNaN(b), `${what}: pixel ${i} is ${a}, GDAL has ${b}`);
      continue;
    }
    const d = Math.abs(a - b);
    if (d > tolerance) assert.fail(`${what}: pixel ${i} is ${a}, GDAL has ${b}`);
    worst = Math.max(worst, d);
  }
  return worst;
}

function conformance(root: string, expectedFile: string): void {
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected;
  for (const [name, exp] of Object.entries(expected.files)) {
    it(name, async () => {
      const reader = await openRaster(root + name);
      try {
        const { info } = reader;
        const e = exp.info;
        assert.equal(info.width, e.width);
        assert.equal(info.height, e.height);
        assert.equal(info.bands, e.bands);
        assert.equal(info.dtype, e.dtype);
        if (e.nodata === 'nan') assert.ok(Number.isNaN(info.nodata));
        else assert.equal(info.nodata, e.nodata);
        // without an EPSG code, a CRS defined by GeoKeys is a proj4 definition (checked against GDAL
        // in test/tiff/geokey-crs.test.ts)
        if (e.epsg !== null || info.crs === null || !info.crs.startsWith('+proj='))
          assert.equal(info.crs, e.epsg === null ? null : `EPSG:${e.epsg}`);
        closeTo(info.transform, e.transform, 'transform');
        assert.deepEqual(
          info.levels.map((l) => [l.width, l.height]),
          e.levels,
        );
        info.levels.forEach((l, i) => closeTo(l.transform, e.levelTransforms[i], `level ${i} transform`));
        assert.deepEqual([info.levels[0].tileWidth, info.levels[0].tileHeight], e.block);
        assert.equal(info.hasMask, e.hasMask);
        const tolerance = e.compression === 'JPEG' ? JPEG_TOLERANCE : 0;
        for (const w of exp.windows) {
          const what = `${name} level ${w.level} window (${w.x0}, ${w.y0}, ${w.w}, ${w.h}) bands ${w.bands}`;
          const got = await reader.readWindow(w.level, w.x0, w.y0, w.w, w.h, w.bands);
          assert.equal(got.data.length, w.bands.length);
          got.data.forEach((d, i) => {
            assert.equal(d.constructor, CTOR[e.dtype], `${what}: dtype`);
            maxDiff(d as TypedArray, decode(w.data[i], e.dtype), `${what} band ${w.bands[i]}`, tolerance);
          });
          assert.ok(got.mask, `${what}: mask`);
          const expMask = decode(w.mask, 'uint8');
          if (tolerance === 0) assert.deepEqual(Array.from(got.mask!), Array.from(expMask), `${what}: mask`);
          else {
            const differ = got.mask!.reduce((n, v, i) => n + (v !== expMask[i] ? 1 : 0), 0);
            assert.equal(differ, 0, `${what}: ${differ} mask pixels differ`);
          }
        }
      } finally {
        await reader.close();
      }
    });
  }
}

describe('raster reader vs GDAL: codec fixtures', () => conformance(CODECS, `${CODECS}expected.json`));

describe(
  'raster reader vs GDAL: shared third-party fixtures',
  { skip: existsSync(SHARED) ? false : `${SHARED} is absent` },
  () => conformance(SHARED, `${CODECS}expected-shared.json`),
);
