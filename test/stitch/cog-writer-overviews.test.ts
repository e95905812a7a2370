import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fromFile } from 'geotiff';
import { writeCog, type OverviewResampling, type RasterArray, type RasterDtype } from '../../src/tiff/index.js';
import { dtypeInfo } from '../../src/tiff/dtype.js';
import { gdalMissing, readWithGdal } from '../fixtures/stitch/gdal-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'cog-overviews-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Reference overview: level by level, each pixel from the r x r block of the level above
 * (clipped at the edge), per the writer's documented rules.
 */
function reference(
  src: number[],
  w: number,
  h: number,
  r: number,
  method: OverviewResampling,
  nodata: number | null,
  float: boolean,
): { data: number[]; w: number; h: number } {
  const ow = Math.ceil(w / r);
  const oh = Math.ceil(h / r);
  const data: number[] = [];
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      if (method === 'nearest') {
        data.push(src[Math.min(oy * r + r / 2, h - 1) * w + Math.min(ox * r + r / 2, w - 1)]);
        continue;
      }
      const vals: number[] = [];
      for (let y = oy * r; y < Math.min(oy * r + r, h); y++) {
        for (let x = ox * r; x < Math.min(ox * r + r, w); x++) {
          const v = src[y * w + x];
          if (v !== nodata && !Number.isNaN(v)) vals.push(v);
        }
      }
      if (vals.length === 0) {
        data.push(nodata ?? NaN);
      } else if (method === 'average') {
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        data.push(float ? mean : Math.floor(mean + 0.5));
      } else {
        const counts = new Map<number, number>();
        for (const v of vals) counts.set(v, (counts.get(v) ?? 0) + 1);
        let best = Infinity;
        let bestCount = 0;
        for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v < best)) [best, bestCount] = [v, c];
        data.push(best);
      }
    }
  }
  return { data, w: ow, h: oh };
}

function sha(a: RasterArray): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

interface OvCase {
  name: string;
  dtype: RasterDtype;
  method: OverviewResampling;
  nodata: number | null;
  value: (x: number, y: number) => number;
  overviews: true | number[];
  expectFactors: number[];
}

const W = 600;
const H = 300;
const cases: OvCase[] = [
  {
    name: 'float32 average with a nodata hole',
    dtype: 'float32',
    method: 'average',
    nodata: -1,
    overviews: true,
    expectFactors: [2, 4, 8, 16],
    value: (x, y) => (x > 100 && x < 140 && y > 50 && y < 77 ? -1 : Math.fround(Math.sin(x / 9) * 50 + y * 0.25)),
  },
  {
    name: 'int16 average rounds half up',
    dtype: 'int16',
    method: 'average',
    nodata: null,
    overviews: [2, 8],
    expectFactors: [2, 8],
    value: (x, y) => ((x * 7 + y * 13) % 9) - 4,
  },
  {
    name: 'uint8 classes by mode',
    dtype: 'uint8',
    method: 'mode',
    nodata: 255,
    overviews: true,
    expectFactors: [2, 4, 8, 16],
    value: (x, y) => (y % 5 === 4 ? 255 : (Math.floor(x / 3) + Math.floor(y / 2)) % 4),
  },
  {
    name: 'uint16 nearest',
    dtype: 'uint16',
    method: 'nearest',
    nodata: null,
    overviews: [4],
    expectFactors: [4],
    value: (x, y) => x * 100 + y,
  },
];

describe('writeCog overviews', () => {
  for (const c of cases) {
    it(`${c.name}: GDAL and geotiff.js read the documented overview values`, async () => {
      const info = dtypeInfo(c.dtype);
      const full = info.create(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) full[y * W + x] = c.value(x, y);
      const path = join(dir, `${c.dtype}-${c.method}.tif`);
      await writeCog(
        path,
        {
          width: W,
          height: H,
          bands: 1,
          dtype: c.dtype,
          data: [full],
          nodata: c.nodata,
          crs: 'EPSG:3857',
          transform: [0, 30, 0, 0, 0, -30],
        },
        { tileSize: 64, overviews: c.overviews, resampling: c.method },
      );

      const expected: RasterArray[] = [];
      let level = { data: Array.from(full), w: W, h: H };
      let prevFactor = 1;
      for (const f of c.expectFactors) {
        level = reference(level.data, level.w, level.h, f / prevFactor, c.method, c.nodata, info.float);
        prevFactor = f;
        const arr = info.create(level.data.length);
        level.data.forEach((v, i) => (arr[i] = v));
        level = { ...level, data: Array.from(arr) }; // the next level is built from the stored values
        assert.equal(level.w, Math.ceil(W / f));
        expected.push(arr);
      }

      const tiff = await fromFile(path);
      assert.equal(await tiff.getImageCount(), 1 + c.expectFactors.length);
      for (const [i, exp] of expected.entries()) {
        const image = await tiff.getImage(i + 1);
        assert.equal(image.getWidth(), Math.ceil(W / c.expectFactors[i]));
        const [band] = (await image.readRasters()) as unknown as RasterArray[];
        assert.deepEqual(Array.from(band), Array.from(exp), `overview ${i}`);
      }
      tiff.close();

      if (!gdalMissing) {
        const [r] = readWithGdal([path]);
        assert.deepEqual(
          r.overviews.map((o) => o.width),
          c.expectFactors.map((f) => Math.ceil(W / f)),
        );
        assert.deepEqual(
          r.overviews.map((o) => o.hashes[0]),
          expected.map(sha),
        );
        assert.deepEqual(r.cog_errors, []);
      }
    });
  }

  it('auto overviews stop once a level fits in one tile; none for a single-tile raster', async () => {
    const path = join(dir, 'small.tif');
    await writeCog(path, {
      width: 256,
      height: 100,
      bands: 1,
      dtype: 'uint8',
      data: [new Uint8Array(25600)],
      crs: 'EPSG:4326',
      transform: [0, 1, 0, 0, 0, -1],
    });
    const tiff = await fromFile(path);
    assert.equal(await tiff.getImageCount(), 1);
    tiff.close();
    const path2 = join(dir, 'big.tif');
    await writeCog(path2, {
      width: 1030,
      height: 40,
      bands: 1,
      dtype: 'uint8',
      data: [new Uint8Array(41200)],
      crs: 'EPSG:4326',
      transform: [0, 1, 0, 0, 0, -1],
    });
    const t2 = await fromFile(path2);
    const widths = [];
    for (let i = 0; i < (await t2.getImageCount()); i++) widths.push((await t2.getImage(i)).getWidth());
    assert.deepEqual(widths, [1030, 515, 258, 129]);
    t2.close();
  });
});
