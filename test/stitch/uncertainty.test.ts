import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPredictionSamples } from '../../src/stitch/prediction-input.js';
import {
  argmaxBand,
  logitsToProbabilities,
  predictiveEntropy,
  prepareSamples,
  probabilityMargin,
  summarizePrediction,
} from '../../src/stitch/uncertainty.js';

const close = (a: number | null, b: number, tol = 1e-12) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} != ${b}`);

test('predictive entropy matches closed forms', () => {
  close(predictiveEntropy([0.5, 0.5]), Math.LN2);
  close(predictiveEntropy([0.25, 0.25, 0.25, 0.25]), Math.log(4));
  close(predictiveEntropy([1, 0, 0]), 0);
  close(predictiveEntropy([0.2, 0.3, 0.5]), -(0.2 * Math.log(0.2) + 0.3 * Math.log(0.3) + 0.5 * Math.log(0.5)));
  close(predictiveEntropy([0.5]), Math.LN2); // binary
  close(predictiveEntropy([0.9]), -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)));
  // strided access: band-major planes of 2 pixels, pixel 1
  close(predictiveEntropy([0, 0.2, 0, 0.8], 1, 2, 2), -(0.2 * Math.log(0.2) + 0.8 * Math.log(0.8)));
});

test('margin and argmax', () => {
  close(probabilityMargin([0.7, 0.2, 0.1]), 0.5, 1e-15);
  close(probabilityMargin([0.1, 0.45, 0.45]), 0);
  close(probabilityMargin([0.9]), 0.8, 1e-15);
  close(probabilityMargin([0.3]), 0.4, 1e-15);
  assert.equal(argmaxBand([0.1, 0.7, 0.2]), 1);
  assert.equal(argmaxBand([0.6]), 1);
  assert.equal(argmaxBand([0.4]), 0);
});

test('softmax / sigmoid of logits', () => {
  const p = logitsToProbabilities(new Float32Array([0, Math.log(3)]), 2, 1);
  close(p[0], 0.25, 1e-7);
  close(p[1], 0.75, 1e-7);
  close(logitsToProbabilities(new Float32Array([0]), 1, 1)[0], 0.5);
});

test('summarizePrediction: closed-form mean entropy, variance across MC samples, margin', () => {
  // 2 classes, 1x2 pixels, two samples. Pixel 0: p1 = 0.2 and 0.6 -> mean 0.4, var 0.04 per band.
  // Pixel 1: p1 = 0.9 in both -> var 0.
  const s1 = new Float32Array([0.8, 0.1, 0.2, 0.9]);
  const s2 = new Float32Array([0.4, 0.1, 0.6, 0.9]);
  const p = prepareSamples(toPredictionSamples([s1, s2], 2, 1, 2, 't'), 'probabilities', 't');
  const s = summarizePrediction(p, 'probabilities', 't');
  const f = (v: number) => Math.fround(v);
  const m0 = [(f(0.8) + f(0.4)) / 2, (f(0.2) + f(0.6)) / 2];
  const m1 = [f(0.1), f(0.9)];
  const h = (q: number[]) => -q.reduce((a, x) => a + x * Math.log(x), 0);
  close(s.entropy, (h(m0) + h(m1)) / 2, 1e-9);
  close(s.margin, (Math.abs(m0[0] - m0[1]) + Math.abs(m1[0] - m1[1])) / 2, 1e-9);
  const v0 = ((f(0.8) - m0[0]) ** 2 + (f(0.4) - m0[0]) ** 2) / 2;
  close(s.variance, (2 * v0 + 0) / 4, 1e-9);
  // class 1 mean probability = (0.4 + 0.9) / 2
  assert.equal(s.predClass, 1);
  close(s.predScore, (m0[1] + m1[1]) / 2, 1e-9);
  assert.equal(s.pixels, 2);
});

test('summarizePrediction skips NaN pixels and refuses an all-NaN slice', () => {
  const p = prepareSamples(toPredictionSamples(new Float32Array([0.5, NaN]), 1, 1, 2, 't'), 'probabilities', 't');
  const s = summarizePrediction(p, 'probabilities', 't');
  assert.equal(s.pixels, 1);
  close(s.entropy, Math.LN2);
  const bad = prepareSamples(toPredictionSamples(new Float32Array([NaN, NaN]), 1, 1, 2, 't'), 'probabilities', 't');
  assert.throws(() => summarizePrediction(bad, 'probabilities', 'slice t'), {
    name: 'StitchError',
    code: 'EMPTY_PREDICTION',
    message: /slice t/,
  });
});

test('regression summary has variance and mean only', () => {
  const p = toPredictionSamples([new Float32Array([1, 3]), new Float32Array([3, 5])], 1, 1, 2, 'r');
  const s = summarizePrediction(prepareSamples(p, 'regression', 'r'), 'regression', 'r');
  assert.equal(s.entropy, null);
  assert.equal(s.margin, null);
  assert.equal(s.predClass, null);
  close(s.variance, 1);
  close(s.predScore, 3);
});

test('bad values are refused with StitchError naming the slice', () => {
  assert.throws(
    () => prepareSamples(toPredictionSamples(new Float32Array([1.5]), 1, 1, 1, 'chip 7'), 'probabilities', 'chip 7'),
    { code: 'BAD_VALUES', message: /chip 7.*logits/ },
  );
  assert.throws(
    () => prepareSamples(toPredictionSamples(new Float32Array([Infinity]), 1, 1, 1, 'c'), 'regression', 'c'),
    { code: 'BAD_VALUES' },
  );
  assert.throws(() => toPredictionSamples(new Float32Array(5), 2, 2, 2, 'chip 8'), {
    code: 'SHAPE_MISMATCH',
    message: /chip 8/,
  });
  assert.throws(() => toPredictionSamples([], 2, 2, 2, 'c'), { code: 'SHAPE_MISMATCH' });
});

test('tensors are duck-typed: [C,h,w] and [S,C,h,w]', () => {
  const t3 = { shape: [2, 1, 2], dataSync: () => new Float32Array([1, 2, 3, 4]) };
  const a = toPredictionSamples(t3, 2, 9, 9, 't');
  assert.equal(a.height, 1);
  assert.equal(a.width, 2);
  const t4 = { shape: [3, 1, 1, 2], dataSync: () => new Float32Array([1, 2, 3, 4, 5, 6]) };
  const b = toPredictionSamples(t4, 1, 1, 2, 't');
  assert.equal(b.samples.length, 3);
  assert.deepEqual([...(b.samples[2] as Float32Array)], [5, 6]);
  assert.throws(() => toPredictionSamples({ shape: [3, 1, 2], dataSync: () => new Float32Array(6) }, 2, 1, 2, 't'), {
    code: 'SHAPE_MISMATCH',
  });
});
