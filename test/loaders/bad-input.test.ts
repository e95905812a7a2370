import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { RasterError, SourceError } from '../../src/errors.js';
import { extractCogLayout, type CogLayout } from '../../src/tiff/cog-layout.js';
import { openRaster } from '../../src/loaders/raster.js';
import { decodeThreads, setDecodeThreads } from '../../src/tiff/codecs/worker-pool.js';

const CODECS = fileURLToPath(new URL('../fixtures/loaders/codecs/', import.meta.url));
const GOOD = `${CODECS}cog_deflate_pred2_uint16.tif`;
const dir = mkdtempSync(join(tmpdir(), 'geoslice-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const isRaster =
  (code: string, ...words: string[]) =>
  (e: unknown) =>
    e instanceof RasterError && e.code === code && words.every((w) => e.message.includes(w));

/** A level-0 window lying inside block `b` only. */
function windowIn(layout: CogLayout, b: number): [number, number, number, number] {
  const im = layout.images[0];
  const across = Math.ceil(im.width / im.blockWidth);
  return [(b % across) * im.blockWidth + 1, Math.floor(b / across) * im.blockHeight + 1, 8, 8];
}

describe('bad files', () => {
  it('wrong magic -> BAD_MAGIC naming the file', async () => {
    const f = join(dir, 'not-a-tiff.tif');
    writeFileSync(f, Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(2000)]));
    await assert.rejects(openRaster(f), isRaster('BAD_MAGIC', f));
    await assert.rejects(extractCogLayout(f), isRaster('BAD_MAGIC', f));
  });

  it('empty and header-truncated files -> TRUNCATED', async () => {
    const empty = join(dir, 'empty.tif');
    writeFileSync(empty, Buffer.alloc(0));
    await assert.rejects(openRaster(empty), isRaster('TRUNCATED', empty));
    const cut = join(dir, 'cut-header.tif');
    writeFileSync(cut, readFileSync(GOOD).subarray(0, 200));
    await assert.rejects(openRaster(cut), isRaster('TRUNCATED', cut));
  });

  it('a file truncated in its tiles: TILE_OUT_OF_RANGE naming file and block; earlier tiles still read', async () => {
    const layout = await extractCogLayout(GOOD);
    const im = layout.images[0];
    const last = im.offsets.indexOf(Math.max(...im.offsets));
    const first = im.offsets.indexOf(Math.min(...im.offsets));
    const f = join(dir, 'cut-tiles.tif');
    writeFileSync(f, readFileSync(GOOD).subarray(0, im.offsets[last] + 10));
    const reader = await openRaster(f);
    const good = await openRaster(GOOD);
    await assert.rejects(
      reader.readWindow(0, ...windowIn(layout, last), [0]),
      isRaster('TILE_OUT_OF_RANGE', f, `block ${last}`),
    );
    assert.deepEqual(
      await reader.readWindow(0, ...windowIn(layout, first), [0]),
      await good.readWindow(0, ...windowIn(layout, first), [0]),
    );
    await assert.rejects(reader.readWindow(0, ...windowIn(layout, last), [0]), isRaster('TILE_OUT_OF_RANGE', f));
    await reader.close();
    await good.close();
  });

  it('a file truncated in a tile that a decoder thread reads itself (cached header): TILE_OUT_OF_RANGE naming file and block', async () => {
    // one 256x256 DEFLATE tile: a whole-image window is decoded, and so read, on a worker thread
    const big = join(dir, 'one-tile.tif');
    execFileSync('gdal_translate', [
      '-q',
      '-co',
      'TILED=YES',
      '-co',
      'BLOCKXSIZE=256',
      '-co',
      'BLOCKYSIZE=256',
      '-co',
      'COMPRESS=DEFLATE',
      GOOD,
      big,
    ]);
    const layout = await extractCogLayout(big);
    const im = layout.images[0];
    const f = join(dir, 'one-tile-cut.tif');
    writeFileSync(f, readFileSync(big).subarray(0, im.offsets[0] + Math.floor(im.byteCounts[0] / 2)));
    const threads = decodeThreads();
    setDecodeThreads(1);
    try {
      // with a cached header the file size is not known up front: the worker's read comes up short
      const reader = await openRaster(f, { layout });
      await assert.rejects(
        reader.readWindow(0, 0, 0, im.width, im.height, [0]),
        isRaster('TILE_OUT_OF_RANGE', f, 'block 0'),
      );
      await reader.close();
      const whole = await openRaster(big, { layout });
      const want = await openRaster(GOOD);
      assert.deepEqual(
        await whole.readWindow(0, 0, 0, im.width, im.height, [0]),
        await want.readWindow(0, 0, 0, im.width, im.height, [0]),
      );
      await whole.close();
      await want.close();
    } finally {
      setDecodeThreads(threads);
    }
  });

  it('a tile offset past EOF written in the file itself -> TILE_OUT_OF_RANGE; the reader keeps serving', async () => {
    const layout = await extractCogLayout(GOOD);
    const bytes = Buffer.from(readFileSync(GOOD));
    const im = layout.images[0];
    // Find level 0's TileOffsets array in the header and point tile 1 past the end of the file.
    const needle = Buffer.alloc(8);
    needle.writeUInt32LE(im.offsets[0], 0);
    needle.writeUInt32LE(im.offsets[1], 4);
    const at = bytes.indexOf(needle);
    assert.ok(at > 0 && at < 16_384, 'TileOffsets array not found in the header');
    bytes.writeUInt32LE(bytes.length + 4096, at + 4);
    const f = join(dir, 'offset-past-eof.tif');
    writeFileSync(f, bytes);
    const reader = await openRaster(f);
    await assert.rejects(
      reader.readWindow(0, ...windowIn(layout, 1), [0]),
      isRaster('TILE_OUT_OF_RANGE', f, 'block 1', 'past the end'),
    );
    const ok = await reader.readWindow(0, ...windowIn(layout, 0), [0]);
    const good = await openRaster(GOOD);
    assert.deepEqual(ok, await good.readWindow(0, ...windowIn(layout, 0), [0]));
    await good.close();
    await reader.close();
  });

  it('garbage in one tile -> CORRUPT_BLOCK naming file and block; other tiles unaffected', async () => {
    const layout = await extractCogLayout(GOOD);
    const im = layout.images[0];
    const bytes = Buffer.from(readFileSync(GOOD));
    bytes.fill(0xa5, im.offsets[2], im.offsets[2] + im.byteCounts[2]);
    const f = join(dir, 'garbage-tile.tif');
    writeFileSync(f, bytes);
    const reader = await openRaster(f);
    await assert.rejects(reader.readWindow(0, ...windowIn(layout, 2), [0]), isRaster('CORRUPT_BLOCK', f, 'block 2'));
    const good = await openRaster(GOOD);
    assert.deepEqual(
      await reader.readWindow(0, ...windowIn(layout, 3), [0]),
      await good.readWindow(0, ...windowIn(layout, 3), [0]),
    );
    await good.close();
    await reader.close();
  });

  it('unsupported compression (LZMA) -> UNSUPPORTED_COMPRESSION; its layout can still be extracted', async () => {
    const f = `${CODECS}bad_lzma_uint8.tif`;
    await assert.rejects(openRaster(f), isRaster('UNSUPPORTED_COMPRESSION', f, '34925'));
    assert.equal((await extractCogLayout(f)).images[0].compression, 34925);
  });

  it("rotated geotransform: opened with GDAL's geotransform (warped through the full affine transform)", async () => {
    const f = join(dir, 'rotated.tif');
    copyFileSync(`${CODECS}bad_rotated.tif`, f);
    const reader = await openRaster(f);
    const gdal = JSON.parse(execFileSync('gdalinfo', ['-json', f]).toString()).geoTransform as number[];
    reader.info.transform.forEach((v, i) =>
      assert.ok(Math.abs(v - gdal[i]) < 1e-9, `transform[${i}] ${v} vs ${gdal[i]}`),
    );
    await reader.close();
  });

  it('missing file -> SourceError NOT_FOUND', async () => {
    await assert.rejects(
      openRaster(join(dir, 'missing.tif')),
      (e: unknown) => e instanceof SourceError && e.code === 'NOT_FOUND',
    );
  });
});

describe('HTTP failures beyond the retry budget', () => {
  it('a window fails with a typed error naming the URL, and the reader serves windows again when the server recovers', async () => {
    const file = readFileSync(GOOD);
    let down = false;
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      if (down) {
        res.writeHead(503).end();
        return;
      }
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '') ?? [];
      const part = file.subarray(Number(a), Number(b) + 1);
      res
        .writeHead(206, { 'Content-Range': `bytes ${a}-${b}/${file.length}`, 'Content-Length': part.length })
        .end(part);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scene.tif`;
    try {
      const layout = await extractCogLayout(GOOD);
      const reader = await openRaster(url, { layout, http: { baseDelayMs: 1, maxDelayMs: 2, maxRetries: 2 } });
      down = true;
      requests = 0;
      await assert.rejects(
        reader.readWindow(0, 0, 0, 16, 16, [0]),
        (e: unknown) =>
          e instanceof SourceError && e.code === 'HTTP_STATUS' && e.message.includes(url) && e.message.includes('503'),
      );
      assert.equal(requests, 3);
      down = false;
      const local = await openRaster(GOOD);
      assert.deepEqual(await reader.readWindow(0, 0, 0, 16, 16, [0]), await local.readWindow(0, 0, 0, 16, 16, [0]));
      await local.close();
      await reader.close();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
