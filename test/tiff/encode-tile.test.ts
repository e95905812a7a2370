import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { undoFloatPredictor } from '../../src/tiff/codecs/predictor.js';
import { setDecodeThreads } from '../../src/tiff/codecs/worker-pool.js';
import { type EncodeTask, encodeTile } from '../../src/tiff/write/encode-tile.js';
import { reduceBlock } from '../../src/tiff/write/overview.js';
import { dtypeInfo } from '../../src/tiff/dtype.js';

const T = 64;
const SPP = 3;

function tileSamples(): Float32Array {
  const a = new Float32Array(T * T * SPP);
  for (let i = 0; i < a.length; i++) a[i] = i % 97 === 0 ? Number.NaN : Math.sin(i / 50) * 100 + (i % 7);
  return a;
}

function task(): EncodeTask {
  return {
    samples: tileSamples(),
    dtype: 'float32',
    tileSize: T,
    spp: SPP,
    predictor: 3,
    compression: 'deflate',
    level: 1,
    reduce: { w: 50, h: 40, ratio: 2, resampling: 'average', nodata: null },
  };
}

describe('encodeTile: pool threads and the main thread give the same bytes', () => {
  after(() => setDecodeThreads(2));
  it('decodes back to the samples, with the reduced block of reduceBlock', async () => {
    setDecodeThreads(2);
    const pooled = await encodeTile(task(), 'x.tif');
    setDecodeThreads(0);
    const inline = await encodeTile(task(), 'x.tif');
    assert.deepEqual(new Uint8Array(pooled.packed), new Uint8Array(inline.packed));
    const bytes = new Uint8Array(inflateSync(pooled.packed));
    undoFloatPredictor(bytes, T, T, SPP, 4);
    assert.deepEqual(new Float32Array(bytes.buffer), tileSamples());
    const red = reduceBlock(tileSamples(), 50, 40, T, SPP, 2, 'average', null, dtypeInfo('float32'));
    for (const e of [pooled, inline]) {
      assert.deepEqual([e.reducedWidth, e.reducedHeight], [red.width, red.height]);
      assert.deepEqual(e.reduced, red.data);
    }
  });
});
