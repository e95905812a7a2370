import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { RasterError } from '../../src/errors.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';
import { openRaster } from '../../src/loaders/raster.js';
import { uint16Layout, uint16Tiled } from '../tiff/uint16-tiles.js';
import { BlockCache } from '../../src/sources/block-cache.js';
import type { ByteRange, ByteSource } from '../../src/sources/byte-source.js';
import { openFileSource } from '../../src/sources/file-source.js';

const CODECS = fileURLToPath(new URL('../fixtures/loaders/codecs/', import.meta.url));

async function countingSource(path: string): Promise<ByteSource & { ranges: ByteRange[] }> {
  const inner = await openFileSource(path);
  const ranges: ByteRange[] = [];
  return {
    href: path,
    ranges,
    size: () => inner.size(),
    read: (o, n) => inner.read(o, n),
    readRanges: (rs) => {
      ranges.push(...rs);
      return inner.readRanges(rs);
    },
    close: () => inner.close(),
  };
}

describe('openRaster / readWindow', () => {
  it('describes levels with GDAL-style overview transforms and block sizes', async () => {
    const r = await openRaster(`${CODECS}cog_deflate_pred2_uint16.tif`);
    assert.equal(r.info.levels.length, 3);
    const [x0, xres, , y0, , yres] = r.info.transform;
    const l1 = r.info.levels[1];
    assert.deepEqual(l1.transform, [x0, xres * 2, 0, y0, 0, yres * 2]);
    assert.deepEqual([l1.tileWidth, l1.tileHeight], [128, 128]);
    assert.equal(r.info.nodata, 0);
    assert.equal(r.info.hasMask, false);
    await r.close();
  });

  it('a window entirely outside the raster is all invalid and filled with nodata', async () => {
    const r = await openRaster(`${CODECS}gt_packbits_int16_tiled.tif`);
    const w = await r.readWindow(0, 500, 500, 4, 3, [0]);
    assert.deepEqual(Array.from(w.data[0] as ArrayLike<number>), new Array(12).fill(-32768));
    assert.deepEqual(Array.from(w.mask!), new Array(12).fill(0));
    await r.close();
  });

  it('band order follows the request, and repeated bands are allowed', async () => {
    const r = await openRaster(`${CODECS}gt_deflate_pred2_uint16_3b_planar.tif`);
    const all = await r.readWindow(0, 10, 10, 20, 20, [0, 1, 2]);
    const some = await r.readWindow(0, 10, 10, 20, 20, [2, 0, 2]);
    assert.deepEqual(some.data, [all.data[2], all.data[0], all.data[2]]);
    await r.close();
  });

  it('validates windows with BAD_WINDOW and refuses reads after close', async () => {
    const r = await openRaster(`${CODECS}cog_none_uint8.tif`);
    for (const args of [
      [3, 0, 0, 1, 1, [0]],
      [0, 0.5, 0, 1, 1, [0]],
      [0, 0, 0, 0, 1, [0]],
      [0, 0, 0, 1, 1, [1]],
      [0, 0, 0, 1, 1, []],
    ] as const) {
      await assert.rejects(
        r.readWindow(args[0], args[1], args[2], args[3], args[4], [...args[5]]),
        (e: unknown) => e instanceof RasterError && e.code === 'BAD_WINDOW' && e.message.includes('cog_none_uint8.tif'),
      );
    }
    await r.close();
    await assert.rejects(
      r.readWindow(0, 0, 0, 1, 1, [0]),
      (e: unknown) => e instanceof RasterError && e.code === 'CLOSED',
    );
  });

  it('reads only the blocks under the window, one request batch, each block once for concurrent windows', async () => {
    const path = `${CODECS}cog_deflate_pred2_uint16.tif`;
    const layout = await extractCogLayout(path);
    const src = await countingSource(path);
    const r = await openRaster(path, { layout, source: src });
    const win = [10, 10, 40, 40] as const; // inside level-0 block 0 (128x128 tiles)
    const results = await Promise.all(Array.from({ length: 5 }, () => r.readWindow(0, ...win, [0])));
    for (const x of results) assert.deepEqual(x, results[0]);
    assert.deepEqual(src.ranges, [{ offset: layout.images[0].offsets[0], length: layout.images[0].byteCounts[0] }]);
    src.ranges.length = 0;
    await r.readWindow(0, 120, 120, 20, 20, [0]); // blocks 0, 1, 2, 3
    assert.equal(src.ranges.length, 4);
    await r.close();
    await src.close();
  });

  it('a shared block cache serves repeated windows without I/O, across readers', async () => {
    const path = `${CODECS}cog_deflate_mask_rgb.tif`;
    const cache = new BlockCache(8 << 20);
    const layout = await extractCogLayout(path);
    const src = await countingSource(path);
    const a = await openRaster(path, { layout, source: src, blockCache: cache });
    const first = await a.readWindow(0, 60, 60, 100, 80, [0, 1, 2]);
    const reads = src.ranges.length;
    assert.ok(reads > 0 && cache.size > 0);
    const b = await openRaster(path, { layout, source: src, blockCache: cache });
    assert.deepEqual(await b.readWindow(0, 60, 60, 100, 80, [0, 1, 2]), first);
    assert.equal(src.ranges.length, reads);
    assert.ok(cache.hits > 0);
    await a.close();
    await b.close();
    await src.close();
  });

  it('PixelIsPoint rasters are shifted half a pixel like GDAL', async () => {
    // GDAL wrote the tiepoint at the centre of the first pixel (500005, 4199995) with PixelIsPoint;
    // read as PixelIsArea the corner is back at (500000, 4200000), as gdalinfo reports.
    const point = await openRaster(`${CODECS}gt_pixelispoint_uint8.tif`);
    assert.deepEqual(point.info.transform, [500000, 10, 0, 4200000, 0, -10]);
    await point.close();
  });

  it('inflates only a prefix of a DEFLATE block when a window needs its first rows, and falls back when the prefix is short', async () => {
    // One 128x128 uint16 block: noisy first 64 rows, zero rows after, so most compressed bytes come first.
    const dir = mkdtempSync(join(tmpdir(), 'geoslice-prefix-'));
    try {
      let seed = 1;
      const px = new Uint16Array(128 * 128);
      for (let i = 0; i < 64 * 128; i++) px[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
      const tile = deflateSync(new Uint8Array(px.buffer));
      const path = join(dir, 'one-tile.raw');
      writeFileSync(path, tile);
      const layout = uint16Layout(
        uint16Tiled({
          width: 128,
          height: 128,
          block: 128,
          compression: 8,
          predictor: 1,
          offsets: [0],
          byteCounts: [tile.length],
        }),
      );
      const expect = (y0: number, h: number) =>
        Array.from({ length: h * 8 }, (_, i) => px[(y0 + Math.floor(i / 8)) * 128 + (i % 8)]);
      for (const [y0, h, reads] of [
        [0, 60, 2],
        [0, 4, 1],
      ] as const) {
        const src = await countingSource(path);
        const r = await openRaster(path, { layout, source: src });
        const w = await r.readWindow(0, 0, y0, 8, h, [0]);
        assert.deepEqual(Array.from(w.data[0] as ArrayLike<number>), expect(y0, h));
        assert.equal(src.ranges.length, reads, `window y0=${y0} h=${h}: ${JSON.stringify(src.ranges)}`);
        assert.ok(src.ranges[0].length < tile.length, 'the first read is a prefix');
        if (reads === 2) assert.deepEqual(src.ranges[1], { offset: 0, length: tile.length });
        await r.close();
        await src.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the block cache keeps the longest decoded prefix: shorter needs hit, longer needs decode again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'geoslice-prefix-cache-'));
    try {
      let x = 2463534242;
      const xorshift = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      const px = Uint16Array.from({ length: 256 * 256 }, () => xorshift() & 0xfff);
      const tile = deflateSync(new Uint8Array(px.buffer));
      const path = join(dir, 'tile.raw');
      writeFileSync(path, tile);
      const layout = uint16Layout(
        uint16Tiled({
          width: 256,
          height: 256,
          block: 256,
          compression: 8,
          predictor: 1,
          offsets: [0],
          byteCounts: [tile.length],
        }),
      );
      const src = await countingSource(path);
      const cache = new BlockCache(1 << 20);
      const r = await openRaster(path, { layout, source: src, blockCache: cache });
      const check = async (y0: number, h: number, reads: number) => {
        const w = await r.readWindow(0, 3, y0, 5, h, [0]);
        assert.deepEqual(
          Array.from(w.data[0] as ArrayLike<number>),
          Array.from({ length: 5 * h }, (_, i) => px[(y0 + Math.floor(i / 5)) * 256 + 3 + (i % 5)]),
        );
        assert.equal(src.ranges.length, reads, `window y0=${y0} h=${h}: ${JSON.stringify(src.ranges)}`);
      };
      await check(0, 20, 1);
      assert.ok(src.ranges[0].length < tile.length);
      await check(10, 10, 1);
      await check(100, 50, 2);
      await check(0, 150, 2);
      await check(200, 56, 3);
      assert.deepEqual(src.ranges[2], { offset: 0, length: tile.length });
      await check(0, 256, 3);
      await r.close();
      await src.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
