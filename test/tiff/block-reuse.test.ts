// Decoded blocks whose buffers go back to the decode threads (src/sources/block-buffers.ts): many
// windows in flight at once over a block cache far too small to keep them, so blocks are evicted
// and their buffers decoded into again while other windows still wait for them, must still give
// exactly the pixels the tiles were made from. The oracle is those pixels.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { openRaster, type RasterReader } from '../../src/loaders/raster.js';
import { blockBufferStats } from '../../src/sources/block-buffers.js';
import { BlockCache } from '../../src/sources/block-cache.js';
import type { CogLayout } from '../../src/tiff/cog-layout.js';
import { uint16Layout, uint16Tiled, xorshift } from './uint16-tiles.js';
import { decodeThreads, setDecodeThreads } from '../../src/tiff/codecs/worker-pool.js';

const T = 256;
const ACROSS = 4;
const DOWN = 4;
const W = T * ACROSS;
const H = T * DOWN;

/** The image: noise, so every tile compresses to about its own size and decodes on the workers. */
const image = (() => {
  const next = xorshift(99);
  return Uint16Array.from({ length: W * H }, () => next() & 0xffff);
})();

/** One tile, predictor 2 applied, DEFLATE-compressed. */
function tileStream(tx: number, ty: number): Buffer {
  const d = new Uint16Array(T * T);
  for (let y = 0; y < T; y++)
    for (let x = 0; x < T; x++) {
      const at = (ty * T + y) * W + tx * T + x;
      d[y * T + x] = x === 0 ? image[at] : (image[at] - image[at - 1]) & 0xffff;
    }
  return deflateSync(new Uint8Array(d.buffer));
}

/** Random windows: inside one tile (read as prefixes), across tiles, and whole tiles. */
function windows(seed: number, n: number): [number, number, number, number][] {
  const next = xorshift(seed);
  return Array.from({ length: n }, () => {
    const w = 1 + (next() % 400);
    const h = 1 + (next() % 400);
    return [next() % (W - w), next() % (H - h), w, h];
  });
}

/** Reads every window, `inFlight` at a time, and checks each against the image. */
async function readAll(reader: RasterReader, wins: [number, number, number, number][], inFlight: number) {
  let next = 0;
  const worker = async () => {
    while (next < wins.length) {
      const i = next++;
      const [x0, y0, w, h] = wins[i];
      const got = (await reader.readWindow(0, x0, y0, w, h, [0])).data[0];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (got[y * w + x] !== image[(y0 + y) * W + x0 + x])
            assert.fail(`window ${i} [${x0}, ${y0}, ${w}, ${h}] pixel (${x}, ${y}) is wrong`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

describe('decoded blocks whose buffers are reused', () => {
  let dir = '';
  let path = '';
  let layout: CogLayout;
  let threads = 0;
  before(() => {
    threads = decodeThreads();
    setDecodeThreads(2);
    dir = mkdtempSync(join(tmpdir(), 'geoslice-block-reuse-'));
    path = join(dir, 'tiles.raw');
    const streams: Buffer[] = [];
    const offsets: number[] = [];
    const byteCounts: number[] = [];
    let offset = 0;
    for (let ty = 0; ty < DOWN; ty++)
      for (let tx = 0; tx < ACROSS; tx++) {
        const s = tileStream(tx, ty);
        streams.push(s);
        offsets.push(offset);
        byteCounts.push(s.length);
        offset += s.length;
      }
    writeFileSync(path, Buffer.concat(streams));
    layout = uint16Layout(
      uint16Tiled({ width: W, height: H, block: T, compression: 8, predictor: 2, offsets, byteCounts }),
    );
  });
  after(() => {
    setDecodeThreads(threads);
    rmSync(dir, { recursive: true, force: true });
  });

  it('give exactly the tiles pixels with a cache of two blocks shared by two readers', async () => {
    const before = blockBufferStats().reused;
    const cache = new BlockCache(2 * T * T * 2);
    const a = await openRaster(path, { layout, blockCache: cache });
    const b = await openRaster(path, { layout, blockCache: cache });
    await Promise.all([readAll(a, windows(1, 300), 12), readAll(b, windows(2, 300), 12)]);
    await Promise.all([a.close(), b.close()]);
    assert.ok(
      blockBufferStats().reused > before + 100,
      'block buffers were not reused: the test did not exercise reuse',
    );
  });

  it('give exactly the tiles pixels without a cache (only the waiting readers hold a block)', async () => {
    const before = blockBufferStats().reused;
    const r = await openRaster(path, { layout });
    await readAll(r, windows(3, 2000), 32);
    await r.close();
    assert.ok(
      blockBufferStats().reused > before + 100,
      'block buffers were not reused: the test did not exercise reuse',
    );
  });
});
