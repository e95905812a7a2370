import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { RasterError } from '../../src/errors.js';
import { uint16Tiled } from '../tiff/uint16-tiles.js';
import { unpackBitmask } from '../../src/tiff/codecs/bitmask.js';
import { swapBytes } from '../../src/tiff/codecs/byteswap.js';
import { decodeBlock } from '../../src/tiff/codecs/decode-block.js';
import { decodeBlockPooled, setDecodeThreads } from '../../src/tiff/codecs/worker-pool.js';
import { inflateAsync } from '../../src/tiff/codecs/inflate.js';
import { undoFloatPredictor, undoHorizontalPredictor } from '../../src/tiff/codecs/predictor.js';
import { fancyUpsampleChroma, jpegSamplingFactors } from '../../src/tiff/codecs/jpeg-upsample.js';
import { ycbcrToRgb } from '../../src/tiff/codecs/ycbcr.js';

/** TIFF predictor 2 encoder (the test's own, independent of the decoder). */
function encodeHorizontal<T extends Uint8Array | Uint16Array | Uint32Array>(
  a: T,
  width: number,
  rows: number,
  samples: number,
): T {
  const out = a.slice() as T;
  const row = width * samples;
  for (let r = 0; r < rows; r++)
    for (let i = row - 1; i >= samples; i--) out[r * row + i] = a[r * row + i] - a[r * row + i - samples];
  return out;
}

/** TIFF predictor 3 encoder: split each row into big-endian byte planes, then byte-difference. */
function encodeFloat(values: Float32Array | Float64Array, width: number, rows: number, samples: number): Uint8Array {
  const bps = values.BYTES_PER_ELEMENT;
  const wc = width * samples;
  const le = new Uint8Array(values.buffer.slice(0));
  const out = new Uint8Array(le.length);
  for (let r = 0; r < rows; r++) {
    const base = r * wc * bps;
    for (let k = 0; k < wc; k++)
      for (let b = 0; b < bps; b++) out[base + b * wc + k] = le[base + k * bps + (bps - 1 - b)];
    for (let i = wc * bps - 1; i >= samples; i--) out[base + i] = (out[base + i] - out[base + i - samples]) & 0xff;
  }
  return out;
}

const rnd = (seed: number) => () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;

describe('predictors', () => {
  for (const [name, C] of [
    ['uint8', Uint8Array],
    ['uint16', Uint16Array],
    ['uint32', Uint32Array],
  ] as const) {
    for (const samples of [1, 3]) {
      it(`horizontal predictor round-trips ${name} with ${samples} sample(s) per pixel`, () => {
        const r = rnd(samples * 7 + C.BYTES_PER_ELEMENT);
        const w = 13;
        const rows = 5;
        const orig: Uint8Array | Uint16Array | Uint32Array = new C(w * rows * samples);
        for (let i = 0; i < orig.length; i++) orig[i] = Math.floor(r() * 2 ** (8 * C.BYTES_PER_ELEMENT));
        const enc = encodeHorizontal(orig, w, rows, samples);
        const bytes = new Uint8Array(enc.buffer);
        undoHorizontalPredictor(bytes, w, rows, samples, C.BYTES_PER_ELEMENT);
        assert.deepEqual(bytes, new Uint8Array(orig.buffer));
      });
    }
  }

  it('horizontal predictor handles 64-bit samples', () => {
    const a = new BigUint64Array([5n, 3n, 2n ** 64n - 1n, 10n]);
    undoHorizontalPredictor(new Uint8Array(a.buffer), 4, 1, 1, 8);
    assert.deepEqual(Array.from(a), [5n, 8n, 7n, 17n]);
  });

  for (const [name, C] of [
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const) {
    for (const samples of [1, 2]) {
      it(`floating point predictor round-trips ${name} with ${samples} sample(s) per pixel`, () => {
        const r = rnd(samples + C.BYTES_PER_ELEMENT);
        const w = 11;
        const rows = 4;
        const orig: Float32Array | Float64Array = new C(w * rows * samples);
        for (let i = 0; i < orig.length; i++) orig[i] = (r() - 0.5) * 1e6;
        orig[3] = Number.NaN;
        orig[4] = -0;
        const bytes = encodeFloat(orig, w, rows, samples);
        undoFloatPredictor(bytes, w, rows, samples, C.BYTES_PER_ELEMENT);
        assert.deepEqual(bytes, new Uint8Array(orig.buffer));
      });
    }
  }
});

describe('small codecs', () => {
  it('swaps bytes of 2, 4 and 8-byte samples', () => {
    const b = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    swapBytes(b, 2);
    assert.deepEqual(Array.from(b), [2, 1, 4, 3, 6, 5, 8, 7]);
    swapBytes(b, 4);
    assert.deepEqual(Array.from(b), [3, 4, 1, 2, 7, 8, 5, 6]);
    swapBytes(b, 8);
    assert.deepEqual(Array.from(b), [6, 5, 8, 7, 2, 1, 4, 3]);
  });

  it('unpacks 1-bit masks with padded rows, most significant bit first', () => {
    assert.deepEqual(
      Array.from(unpackBitmask(Uint8Array.from([0b10110000, 0b11000000, 0b01000000, 0]), 10, 2)),
      [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    );
  });

  it('converts JFIF YCbCr to RGB like libjpeg', () => {
    const px = Uint8Array.from([128, 128, 128, 0, 128, 128, 255, 128, 128, 76, 85, 255, 150, 44, 21, 29, 255, 107]);
    ycbcrToRgb(px, 3);
    assert.deepEqual(Array.from(px), [128, 128, 128, 0, 0, 0, 255, 255, 255, 254, 0, 0, 0, 255, 1, 0, 0, 254]);
  });

  it('finds JPEG sampling factors in the start-of-frame marker', () => {
    const app = [0xff, 0xe0, 0x00, 0x04, 0x00, 0x00];
    const sof = [0xff, 0xc0, 0x00, 0x11, 8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    assert.deepEqual(jpegSamplingFactors(Uint8Array.from([0xff, 0xd8, ...app, ...sof])), [
      [2, 2],
      [1, 1],
      [1, 1],
    ]);
    assert.equal(jpegSamplingFactors(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2])), null);
  });

  it('re-expands replicated chroma with libjpeg fancy upsampling (h2v1 and h2v2)', () => {
    // 4x1 pixels, chroma [0, 100] replicated to [0, 0, 100, 100]; luma untouched.
    const h2v1 = Uint8Array.from([9, 0, 0, 9, 0, 0, 9, 100, 100, 9, 100, 100]);
    fancyUpsampleChroma(h2v1, 4, 1, 3, 2, 1);
    assert.deepEqual(Array.from(h2v1), [9, 0, 0, 9, 25, 25, 9, 75, 75, 9, 100, 100]);
    // 2x4 pixels, one chroma column [0, 160] replicated over rows; edges replicate like libjpeg.
    const h2v2 = new Uint8Array(2 * 4 * 3);
    for (let y = 2; y < 4; y++) for (let x = 0; x < 2; x++) h2v2.fill(160, (y * 2 + x) * 3 + 1, (y * 2 + x) * 3 + 3);
    fancyUpsampleChroma(h2v2, 2, 4, 3, 2, 2);
    const cb = Array.from({ length: 8 }, (_, i) => h2v2[i * 3 + 1]);
    assert.deepEqual(cb, [0, 0, 40, 40, 120, 120, 160, 160]);
  });

  it('inflates zlib streams on the thread pool', async () => {
    const raw = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
    assert.deepEqual(new Uint8Array(await inflateAsync(deflateSync(raw), raw.length)), raw);
  });
});

describe('decodeBlock', () => {
  const img = uint16Tiled({
    width: 64,
    height: 64,
    block: 64,
    compression: 8,
    predictor: 2,
    offsets: [0],
    byteCounts: [0],
  });
  const where = { href: 'mem.tif', image: 0, block: 0 };
  const values = Uint16Array.from({ length: 64 * 64 }, (_, i) => (i * 37) & 0xffff);
  const encoded = deflateSync(new Uint8Array(encodeHorizontal(values, 64, 64, 1).buffer));

  it('inflates and undoes the predictor inline and on worker threads alike', async () => {
    const inline = await decodeBlock(encoded, img, 64, true, where);
    assert.deepEqual(new Uint16Array(inline.buffer, inline.byteOffset, 4096), values);
    const pooled = await decodeBlockPooled(encoded, img, 64, true, where);
    assert.deepEqual(new Uint16Array(pooled.buffer, pooled.byteOffset, 4096), values);
  });

  it('big-endian data is swapped before the predictor', async () => {
    const be = new Uint8Array(encodeHorizontal(values, 64, 64, 1).buffer.slice(0));
    swapBytes(be, 2);
    const out = await decodeBlock(deflateSync(be), img, 64, false, where);
    assert.deepEqual(new Uint16Array(out.buffer, out.byteOffset, 4096), values);
  });

  it('reports corrupt and short blocks with CORRUPT_BLOCK naming the file and block, on workers too', async () => {
    const garbage = Uint8Array.from({ length: 100 }, (_, i) => (i * 91) & 0xff);
    for (const decode of [decodeBlock, decodeBlockPooled]) {
      await assert.rejects(
        decode(garbage, img, 64, true, { ...where, block: 7 }),
        (e: unknown) =>
          e instanceof RasterError &&
          e.code === 'CORRUPT_BLOCK' &&
          e.message.includes('mem.tif') &&
          e.message.includes('block 7'),
      );
    }
    await assert.rejects(
      decodeBlock(deflateSync(new Uint8Array(100)), img, 64, true, where),
      (e: unknown) => e instanceof RasterError && e.code === 'CORRUPT_BLOCK' && /expected 8192/.test(e.message),
    );
  });

  it('refuses unknown compressions with UNSUPPORTED_COMPRESSION', async () => {
    await assert.rejects(
      decodeBlock(encoded, { ...img, compression: 34712 }, 64, true, where),
      (e: unknown) => e instanceof RasterError && e.code === 'UNSUPPORTED_COMPRESSION' && e.message.includes('34712'),
    );
  });

  it('tasks in flight finish when the pool is resized', async () => {
    const runs = Array.from({ length: 6 }, () => decodeBlockPooled(encoded, img, 64, true, where));
    setDecodeThreads(1);
    for (const out of await Promise.all(runs))
      assert.deepEqual(new Uint16Array(out.buffer, out.byteOffset, 4096), values);
    assert.deepEqual(new Uint16Array((await decodeBlockPooled(encoded, img, 64, true, where)).buffer, 0, 4096), values);
    setDecodeThreads(2);
  });

  it('decodes on the main thread when decode threads are set to 0', async () => {
    setDecodeThreads(0);
    try {
      const out = await decodeBlockPooled(encoded, img, 64, true, where);
      assert.deepEqual(new Uint16Array(out.buffer, out.byteOffset, 4096), values);
    } finally {
      setDecodeThreads(2);
    }
    assert.throws(
      () => setDecodeThreads(-1),
      (e: unknown) => e instanceof RasterError && e.code === 'BAD_OPTION',
    );
  });
});
