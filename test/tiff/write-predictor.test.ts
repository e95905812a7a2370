import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { undoFloatPredictor, undoHorizontalPredictor } from '../../src/tiff/codecs/predictor.js';
import { applyPredictor } from '../../src/tiff/write/predictor.js';

/** Deterministic samples with the float specials (NaN, ±Infinity, -0, subnormals) mixed in. */
function samples(C: Float32ArrayConstructor | Float64ArrayConstructor | Int16ArrayConstructor, n: number) {
  const a = new C(n);
  let s = 12345;
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-42, 5e-324];
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = i % 11 === 3 ? (specials[s % specials.length] as number) : (s / 2 ** 32 - 0.5) * 2 ** ((s >>> 8) % 40);
    if (a instanceof Int16Array) a[i] = (s >>> 7) & 0xffff;
  }
  return a;
}

describe('applyPredictor: the writer side undone by the reader side gives the samples back', () => {
  for (const [w, h, spp] of [
    [256, 256, 7],
    [256, 3, 3],
    [17, 5, 4],
    [1, 1, 1],
    [1, 2, 2],
    // one sample per pixel: rows are undone four at a time, then the rest one by one
    [3, 7, 1],
    [33, 10, 1],
    [64, 4, 1],
  ]) {
    for (const C of [Float32Array, Float64Array]) {
      it(`predictor 3, ${C.name}, ${w}x${h}, ${spp} samples per pixel`, () => {
        const src = samples(C, w * h * spp);
        const bytes = applyPredictor(src.slice(), 3, w, h, spp).slice();
        undoFloatPredictor(bytes, w, h, spp, C.BYTES_PER_ELEMENT);
        assert.deepEqual(new Uint8Array(bytes), new Uint8Array(src.buffer));
      });
    }
    it(`predictor 2, Int16Array, ${w}x${h}, ${spp} samples per pixel`, () => {
      const src = samples(Int16Array, w * h * spp);
      const bytes = applyPredictor(src.slice(), 2, w, h, spp).slice();
      undoHorizontalPredictor(bytes, w, h, spp, 2);
      assert.deepEqual(new Int16Array(bytes.buffer), src);
    });
  }
});
