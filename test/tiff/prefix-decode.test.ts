// Decoding only the rows a window needs: a DEFLATE prefix inflates to exactly those rows (never a
// row less, never silent zeros), a short prefix falls back to the whole block on the worker threads
// as on the main thread, and decoded blocks come back from the workers as views without a copy.
// The oracle is the pixels the tiles were made from.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import { openRaster } from '../../src/loaders/raster.js';
import { readCounters } from '../../src/tiff/read/read-counters.js';
import { prefixBytes } from '../../src/tiff/blocks.js';
import { decodeBlock } from '../../src/tiff/codecs/decode-block.js';
import { transferable } from '../../src/tiff/codecs/decode-worker.js';
import { inflatePrefixSync, inflateStrictSync } from '../../src/tiff/codecs/inflate.js';
import { lzwDecode, lzwEncode } from '../../src/tiff/codecs/lzw.js';
import { decodeBlockPooled, decodeThreads, setDecodeThreads } from '../../src/tiff/codecs/worker-pool.js';
import type { CogImageLayout } from '../../src/tiff/image.js';
import { uint16Layout, uint16Tiled, xorshift } from './uint16-tiles.js';

const W = 256;
const ROW = W * 2; // uint16

/** `rows` rows of uint16 pixels: rows below `flatFrom` are noise, the rest a constant. */
function pixels(rows: number, seed: number, flatFrom = rows): Uint16Array {
  const next = xorshift(seed);
  const px = new Uint16Array(W * rows);
  for (let i = 0; i < px.length; i++) px[i] = i < flatFrom * W ? next() & 0xffff : 7;
  return px;
}

/** TIFF predictor 2 applied to one block of uint16 pixels (what a writer stores). */
function differenced(px: Uint16Array, rows: number): Uint16Array {
  const d = px.slice();
  for (let r = 0; r < rows; r++)
    for (let x = W - 1; x > 0; x--) d[r * W + x] = (px[r * W + x] - px[r * W + x - 1]) & 0xffff;
  return d;
}

function image(rows: number, predictor: number, across = 1, down = 1): CogImageLayout {
  return uint16Tiled({ width: W * across, height: rows * down, block: [W, rows], compression: 8, predictor });
}

const bytesOf = (a: Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const where = { href: 'mem://tile', image: 0, block: 0 };

describe('inflatePrefixSync', () => {
  const px = pixels(W, 1);
  const stream = deflateSync(bytesOf(px));
  const full = bytesOf(px);

  it('inflates exactly the rows asked for, from a prefix or the whole stream', () => {
    for (const need of [1, 37, 128, 255]) {
      const expected = need * ROW;
      for (const input of [stream.subarray(0, prefixBytes(stream.length, need, W)), stream]) {
        const out = inflatePrefixSync(input, expected, full.byteLength);
        assert.equal(out.byteLength, expected, `need ${need}, input ${input.length} of ${stream.length}`);
        assert.deepEqual(new Uint8Array(out), full.slice(0, expected));
      }
    }
  });

  it('gives back what a short prefix holds (shorter than asked), and throws on a corrupt stream', () => {
    const out = inflatePrefixSync(stream.subarray(0, 2000), 200 * ROW, full.byteLength);
    assert.ok(out.byteLength > 0 && out.byteLength < 200 * ROW, `${out.byteLength}`);
    assert.deepEqual(new Uint8Array(out), full.slice(0, out.byteLength));
    const bad = Uint8Array.from(stream);
    bad[2] = 0x07; // first block: final, reserved block type 3
    assert.throws(() => inflatePrefixSync(bad, 10 * ROW, full.byteLength), /invalid block type/);
  });
});

describe('decodeBlock of a DEFLATE prefix (predictor 2)', () => {
  const px = pixels(W, 2);
  const stream = deflateSync(bytesOf(differenced(px, W)));
  const img = image(W, 2);

  it('a prefix that inflates past the needed rows gives those rows exactly as the whole block does', async () => {
    const need = 100;
    const prefix = stream.subarray(0, prefixBytes(stream.length, need, W));
    // what the prefix holds runs past `need` rows: the libuv path inflates all of it into one buffer
    const held = inflateStrictSync(prefix, need * ROW, true, W * ROW).byteLength;
    assert.ok(held > need * ROW, `the prefix holds ${held} bytes, more than ${need} rows`);
    const whole = await decodeBlock(stream, img, W, true, where);
    for (const syncInflate of [false, true]) {
      const out = await decodeBlock(prefix, img, need, true, where, { syncInflate, partial: true });
      assert.ok(out.byteLength >= need * ROW);
      const rows = new Uint8Array(out.subarray(0, need * ROW));
      assert.deepEqual(rows, new Uint8Array(whole.subarray(0, need * ROW)), `syncInflate ${syncInflate}`);
      assert.deepEqual(rows, bytesOf(px).slice(0, need * ROW));
    }
  });

  it('a prefix too short for the needed rows is a CORRUPT_BLOCK error (the reader then reads the whole block)', async () => {
    const prefix = stream.subarray(0, 1000);
    for (const syncInflate of [false, true])
      await assert.rejects(
        decodeBlock(prefix, img, 200, true, where, { syncInflate, partial: true }),
        (e: Error & { code?: string }) =>
          e.code === 'CORRUPT_BLOCK' && /decoded to \d+ bytes, expected 102400/.test(e.message),
      );
  });
});

describe('decoded blocks from the worker threads', () => {
  let threads = 0;
  let dir = '';
  before(() => {
    threads = decodeThreads();
    setDecodeThreads(2);
    dir = mkdtempSync(join(tmpdir(), 'geoslice-prefix-workers-'));
  });
  after(() => {
    setDecodeThreads(threads);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a view over a larger buffer or of the buffer given to decode into is sent as it is; a small slice of a shared buffer is copied', () => {
    const big = new Uint8Array(new ArrayBuffer(1000), 0, 600);
    assert.equal(transferable(big), big);
    const given = new ArrayBuffer(65536);
    const prefix = new Uint8Array(given, 0, 1000);
    assert.equal(transferable(prefix, given), prefix);
    const pooled = Buffer.from('a few bytes from the 8 KiB pool');
    const sent = transferable(pooled, given);
    assert.notEqual(sent.buffer, pooled.buffer);
    assert.deepEqual(sent, new Uint8Array(pooled));
    assert.equal(sent.byteLength, sent.buffer.byteLength);
  });

  it('a pooled decode gives the same bytes as an inline one, whatever its buffer holds past them', async () => {
    const img = image(W, 2);
    const stream = deflateSync(bytesOf(differenced(pixels(W, 3), W)));
    const inline = await decodeBlock(stream, img, W, true, where);
    const pooled = await decodeBlockPooled(Uint8Array.from(stream), img, W, true, where);
    assert.deepEqual(new Uint8Array(pooled), new Uint8Array(inline));
  });

  for (const codec of [
    {
      name: 'DEFLATE',
      compression: 8,
      compress: (b: Uint8Array) => deflateSync(b),
      holds: (prefix: Uint8Array) => inflateSync(prefix, { finishFlush: 2 }).byteLength,
    },
    {
      name: 'LZW',
      compression: 5,
      compress: (b: Uint8Array) => lzwEncode(b),
      holds: (prefix: Uint8Array) => {
        try {
          return lzwDecode(prefix, W * ROW).byteLength;
        } catch (e) {
          return Number(/after (\d+) of/.exec((e as Error).message)?.[1]);
        }
      },
    },
  ])
    it(`${codec.name}: windows read on the workers (prefixes, short prefixes, whole blocks, in parallel) equal the pixels`, async () => {
      // 3 x 2 tiles of 256 x 256: even tiles are noise in their top half and flat below, so a
      // proportional prefix for the top rows is short; odd ones are noise throughout.
      const across = 3;
      const down = 2;
      const img = { ...image(W, 2, across, down), compression: codec.compression };
      const tiles = Array.from({ length: across * down }, (_, k) => pixels(W, 10 + k, k % 2 === 0 ? W / 2 : W));
      const streams = tiles.map((t) => codec.compress(bytesOf(differenced(t, W))));
      const need = 100;
      const short = streams[0].subarray(0, prefixBytes(streams[0].length, need, W));
      assert.ok(codec.holds(short) < need * ROW, 'the proportional prefix of tile 0 does not hold its top rows');
      let offset = 0;
      for (const s of streams) {
        img.offsets.push(offset);
        img.byteCounts.push(s.length);
        offset += s.length;
      }
      const path = join(dir, `tiles-${codec.name}.raw`);
      writeFileSync(path, Buffer.concat(streams));
      const layout = uint16Layout(img);
      const pixel = (x: number, y: number) => {
        const k = Math.floor(y / W) * across + Math.floor(x / W);
        return tiles[k][(y % W) * W + (x % W)];
      };
      // the first rows of a tile are read as a prefix of its bytes
      const read = readCounters().bytesRead;
      const top = await openRaster(path, { layout });
      const topRows = await top.readWindow(0, W + 3, 0, 50, 20, [0]);
      assert.ok(readCounters().bytesRead - read < img.byteCounts[1] / 2, 'the top rows were not read as a prefix');
      assert.equal(topRows.data[0][19 * 50 + 7], pixel(W + 10, 19));
      await top.close();
      const r = await openRaster(path, { layout });
      const windows: [number, number, number, number][] = [];
      for (let k = 0; k < across * down; k++) {
        const x0 = (k % across) * W;
        const y0 = Math.floor(k / across) * W;
        windows.push([x0 + 5, y0, 200, need], [x0, y0 + 30, W, 200], [x0 + 17, y0 + 3, 64, W - 3]);
      }
      const got = await Promise.all(windows.map(([x, y, w, h]) => r.readWindow(0, x, y, w, h, [0])));
      windows.forEach(([x0, y0, w, h], i) => {
        const d = got[i].data[0];
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            if (d[y * w + x] !== pixel(x0 + x, y0 + y))
              assert.fail(
                `window ${i} [${x0}, ${y0}, ${w}, ${h}] pixel (${x}, ${y}): ${d[y * w + x]} != ${pixel(x0 + x, y0 + y)}`,
              );
      });
      await r.close();
    });
});
