import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromFile } from 'geotiff';
import {
  writeCog,
  type CogRaster,
  type CogWriteOptions,
  type RasterArray,
  type RasterDtype,
} from '../../src/tiff/index.js';
import { dtypeInfo, RASTER_DTYPES } from '../../src/tiff/dtype.js';
import { checkCogLayout } from '../../src/tiff/write/cog-layout-check.js';
import { gdalMissing, readWithGdal, type GdalReport } from '../fixtures/stitch/gdal-reader.js';

const GDAL_TYPE: Record<RasterDtype, string> = {
  uint8: 'Byte',
  int8: 'Int8',
  uint16: 'UInt16',
  int16: 'Int16',
  uint32: 'UInt32',
  int32: 'Int32',
  float32: 'Float32',
  float64: 'Float64',
};

/** Deterministic pseudo-random bytes (mulberry32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/**
 * A band whose top half is random bytes (every bit pattern, NaN payloads included for floats) and
 * whose bottom half is a smooth ramp (what predictors are for).
 */
function makeBand(dtype: RasterDtype, width: number, height: number, seed: number): RasterArray {
  const info = dtypeInfo(dtype);
  const band = info.create(width * height);
  const bytes = new Uint8Array(band.buffer);
  const half = Math.floor(height / 2) * width;
  bytes.set(randomBytes(half * info.bytes, seed));
  for (let i = half; i < band.length; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    const v = info.float ? Math.sin(x / 7) * 1000 + y / 3 : (x * 3 + y * 5 + seed) % 100;
    band[i] = info.float || info.min === 0 ? v : v - 50;
  }
  return band;
}

/**
 * First index where two bands differ (NaN equals NaN whatever its payload: JS readers go through
 * numbers, which do not keep NaN payloads), or -1.
 */
function firstDifference(a: RasterArray, b: RasterArray): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  }
  return -1;
}

function sha(a: RasterArray): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

interface Case {
  name: string;
  raster: CogRaster;
  opts: CogWriteOptions;
  bands: RasterArray[];
}

const dir = mkdtempSync(join(tmpdir(), 'cog-writer-'));
const W = 150;
const H = 90;
const cases: Case[] = [];
const variants: { bands: number; opts: CogWriteOptions; sequential?: boolean }[] = [
  { bands: 1, opts: { compression: 'deflate' } },
  { bands: 3, opts: { compression: 'lzw' } },
  { bands: 2, opts: { compression: 'none' }, sequential: true },
  { bands: 1, opts: { compression: 'deflate', predictor: 1, level: 9 } },
];
for (const dtype of RASTER_DTYPES) {
  variants.forEach((v, vi) => {
    const bands = Array.from({ length: v.bands }, (_, b) => makeBand(dtype, W, H, 17 * vi + b + 1));
    let data: RasterArray[] | RasterArray = bands;
    if (v.sequential) {
      const seq = dtypeInfo(dtype).create(W * H * v.bands);
      bands.forEach((b, i) => seq.set(b as never, i * W * H));
      data = seq;
    }
    const info = dtypeInfo(dtype);
    const nodata = vi === 0 ? (info.float ? NaN : info.max) : vi === 1 ? (info.float ? -9999 : 0) : null;
    const name = `${dtype}-b${v.bands}-${v.opts.compression}-p${v.opts.predictor ?? 'default'}`;
    const geographic = vi % 2 === 1;
    cases.push({
      name,
      bands,
      opts: { tileSize: 64, ...v.opts },
      raster: {
        width: W,
        height: H,
        bands: v.bands,
        dtype,
        data,
        nodata,
        crs: geographic ? 'EPSG:4326' : 'EPSG:32633',
        transform: geographic ? [10.5, 0.001, 0, 46.25, 0, -0.002] : [500000, 10, 0, 4200000, 0, -20],
        bandNames: v.bands === 3 ? ['red & "green"', 'nir <1>', 'élan'] : undefined,
      },
    });
  });
}

describe('writeCog: every dtype, band count, compression and predictor', () => {
  let reports: Map<string, GdalReport> | undefined;

  before(async () => {
    await Promise.all(cases.map((c) => writeCog(join(dir, `${c.name}.tif`), c.raster, c.opts)));
    if (!gdalMissing)
      reports = new Map(readWithGdal(cases.map((c) => join(dir, `${c.name}.tif`))).map((r) => [r.path, r]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('GDAL reads the exact pixels, CRS, geotransform, nodata and band names, and validates the COG', {
    skip: gdalMissing,
  }, () => {
    for (const c of cases) {
      const r = reports?.get(join(dir, `${c.name}.tif`));
      assert.ok(r, c.name);
      assert.equal(r.width, W, c.name);
      assert.equal(r.height, H, c.name);
      assert.equal(r.count, c.raster.bands, c.name);
      if (c.raster.dtype === 'int8' && r.dtype === 'Byte')
        assert.equal(r.band_structure.PIXELTYPE, 'SIGNEDBYTE', c.name); // GDAL < 3.7
      else assert.equal(r.dtype, GDAL_TYPE[c.raster.dtype], c.name);
      assert.equal(`EPSG:${r.epsg}`, c.raster.crs, c.name);
      assert.deepEqual(r.transform, c.raster.transform, c.name);
      const nd = c.raster.nodata ?? null;
      assert.equal(
        r.nodata,
        nd === null ? null : Number.isNaN(nd) ? 'nan' : `${nd}${Number.isInteger(nd) ? '.0' : ''}`,
        c.name,
      );
      assert.deepEqual(r.descriptions, c.raster.bandNames ?? new Array(c.raster.bands).fill(''), c.name);
      assert.deepEqual(r.hashes, c.bands.map(sha), c.name);
      assert.deepEqual(
        r.overviews.map((o) => [o.width, o.height]),
        [
          [75, 45],
          [38, 23],
        ],
        c.name,
      );
      assert.deepEqual(r.cog_errors, [], c.name);
      assert.deepEqual(r.cog_warnings, [], c.name);
      const compression = { deflate: 'DEFLATE', lzw: 'LZW', none: undefined }[c.opts.compression ?? 'deflate'];
      assert.equal(r.structure.COMPRESSION, compression, c.name);
      const predictor =
        c.opts.predictor ?? (c.opts.compression === 'none' ? 1 : dtypeInfo(c.raster.dtype).float ? 3 : 2);
      assert.equal(r.structure.PREDICTOR, predictor === 1 ? undefined : String(predictor), c.name);
      if (c.raster.bands > 1) assert.equal(r.structure.INTERLEAVE, 'PIXEL', c.name);
    }
  });

  it('geotiff.js reads the same pixels', async () => {
    for (const c of cases) {
      const tiff = await fromFile(join(dir, `${c.name}.tif`));
      const image = await tiff.getImage();
      assert.equal(image.getWidth(), W, c.name);
      assert.equal(image.getHeight(), H, c.name);
      assert.deepEqual(image.getOrigin(), [c.raster.transform[0], c.raster.transform[3], 0], c.name);
      assert.equal(
        image.getGeoKeys()?.[c.raster.crs === 'EPSG:4326' ? 'GeographicTypeGeoKey' : 'ProjectedCSTypeGeoKey'],
        Number(c.raster.crs.slice(5)),
        c.name,
      );
      const rasters = (await image.readRasters()) as unknown as RasterArray[];
      assert.equal(await tiff.getImageCount(), 3, c.name);
      rasters.forEach((band, b) => assert.equal(firstDifference(band, c.bands[b]), -1, `${c.name} band ${b}`));
      tiff.close();
    }
  });

  it('checkCogLayout finds the files valid, as GDAL does', async () => {
    for (const c of cases) {
      const report = await checkCogLayout(join(dir, `${c.name}.tif`));
      assert.deepEqual(report.errors, [], c.name);
      assert.deepEqual(report.warnings, [], c.name);
      assert.equal(report.details.overviews.length, 2, c.name);
      assert.deepEqual(
        report.details.structural,
        {
          blockOrderRowMajor: true,
          blockLeaderSizeAsUint4: false,
          blockTrailerLast4BytesRepeated: false,
          maskInterleavedWithImagery: false,
        },
        c.name,
      );
    }
  });

  it('starts with a little-endian classic TIFF header and GDAL structural metadata', () => {
    const head = readFileSync(join(dir, `${cases[0].name}.tif`))
      .subarray(0, 140)
      .toString('latin1');
    assert.equal(head.slice(0, 4), 'II*\0');
    assert.match(
      head.slice(8),
      /^GDAL_STRUCTURAL_METADATA_SIZE=\d{6} bytes\nLAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\n/,
    );
  });
});

describe('writeCog file variants', () => {
  const vdir = mkdtempSync(join(tmpdir(), 'cog-variants-'));
  after(() => rmSync(vdir, { recursive: true, force: true }));
  const band = makeBand('float64', 600, 520, 99);
  const raster: CogRaster = {
    width: 600,
    height: 520,
    bands: 1,
    dtype: 'float64',
    data: [band],
    crs: 'EPSG:3035',
    transform: [4e6, 25, 0, 3e6, 0, -25],
    nodata: -3.5,
  };

  it('BigTIFF on request: GDAL, geotiff.js and checkCogLayout read it', async () => {
    const path = join(vdir, 'big.tif');
    await writeCog(path, raster, { bigTiff: true, tileSize: 128 });
    const head = readFileSync(path).subarray(0, 16);
    assert.deepEqual([...head.subarray(0, 8)], [0x49, 0x49, 43, 0, 8, 0, 0, 0]);
    const report = await checkCogLayout(path);
    assert.equal(report.valid, true);
    assert.equal(report.details.bigTiff, true);
    const tiff = await fromFile(path);
    const [got] = (await (await tiff.getImage()).readRasters()) as unknown as RasterArray[];
    assert.equal(firstDifference(got, band), -1);
    tiff.close();
    if (!gdalMissing) {
      const [r] = readWithGdal([path]);
      assert.deepEqual(r.hashes, [sha(band)]);
      assert.equal(r.nodata, '-3.5');
      assert.deepEqual(r.cog_errors, []);
      assert.deepEqual(
        r.overviews.map((o) => o.width),
        [300, 150, 75],
      );
    }
  });

  it('cog: false writes a plain tiled GeoTIFF: no structural metadata, no overviews unless asked', async () => {
    const path = join(vdir, 'plain.tif');
    await writeCog(path, raster, { cog: false, compression: 'lzw' });
    const report = await checkCogLayout(path);
    assert.equal(report.details.structural, null);
    assert.deepEqual(report.details.ifdOffsets, [8]);
    assert.deepEqual(
      report.warnings.map((w) => w.code),
      ['NO_OVERVIEWS'],
    );
    const path2 = join(vdir, 'plain-ov.tif');
    await writeCog(path2, raster, { cog: false, overviews: [2] });
    assert.deepEqual((await checkCogLayout(path2)).details.overviews, [{ width: 300, height: 260 }]);
    if (!gdalMissing) {
      const [r, r2] = readWithGdal([path, path2]);
      assert.deepEqual([r.hashes, r2.hashes], [[sha(band)], [sha(band)]]);
      assert.deepEqual(r.cog_warnings.length, 1);
      assert.deepEqual(r2.cog_errors, []);
    }
  });
});
