import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { createStitcher, type Stitcher } from '../../src/stitch/stitcher.js';

// Output grid: 300 x 200 pixels of 10 m in UTM 33N, top-left corner (500000, 4002000).
const X0 = 500000;
const Y1 = 4002000;
const grid: GeoSlice = { bounds: [X0, Y1 - 2000, X0 + 3000, Y1], crs: 'EPSG:32633', resolution: [10, 10] };
const field = (x: number, y: number) => Math.fround(Math.sin(x / 17) * 40 + y * 0.25 + 100);

function chipSlice(px: number, py: number, w: number, h: number, res = 10): GeoSlice {
  return {
    bounds: [X0 + px * 10, Y1 - (py + h) * 10, X0 + (px + w) * 10, Y1 - py * 10],
    crs: 'EPSG:32633',
    resolution: [res, res],
  };
}

function chipOf(
  f: (x: number, y: number) => number,
  px: number,
  py: number,
  w: number,
  h: number,
  bands = 1,
): Float32Array {
  const a = new Float32Array(bands * w * h);
  for (let c = 0; c < bands; c++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[c * w * h + y * w + x] = f(px + x, py + y) + c;
  return a;
}

/** Chip origins of size `size` and `stride` covering [0, n), the last one snapped inside. */
function starts(n: number, size: number, stride: number): number[] {
  const out: number[] = [];
  for (let s = 0; ; s += stride) {
    if (s + size >= n) {
      out.push(n - size);
      break;
    }
    out.push(s);
  }
  return out;
}

function gridChips(size: number, stride: number): [number, number][] {
  const r: [number, number][] = [];
  for (const y of starts(200, size, stride)) for (const x of starts(300, size, stride)) r.push([x, y]);
  return r;
}

function all(st: Stitcher) {
  return st.readWindow(0, 0, st.width, st.height);
}

for (const blend of ['mean', 'max', 'cosine'] as const) {
  test(`identity: overlapping grid chips fed back with blend ${blend} reproduce the field`, () => {
    const st = createStitcher({ grid, bands: 2, blend, values: 'regression', tileSize: 64 });
    for (const [x, y] of gridChips(64, 48)) st.add(chipSlice(x, y, 64, 64), chipOf(field, x, y, 64, 64, 2));
    const { prediction, uncertainty } = all(st);
    for (let c = 0; c < 2; c++) {
      for (let y = 0; y < 200; y++) {
        for (let x = 0; x < 300; x++) {
          const want = Math.fround(field(x, y) + c);
          const got = prediction[c * 60000 + y * 300 + x];
          if (blend === 'cosine')
            assert.ok(
              Math.abs(got - want) <= 1e-5 * Math.abs(want),
              `${blend} (${x},${y}) band ${c}: ${got} vs ${want}`,
            );
          else assert.equal(got, want, `${blend} (${x},${y}) band ${c}`);
        }
      }
    }
    assert.ok(
      uncertainty!.every((v) => v === 0),
      'identical overlaps have zero variance',
    );
    st.close();
  });
}

test('pixels no prediction covers are nodata in every band; uncertainty is NaN there', () => {
  const st = createStitcher({ grid, bands: 1, values: 'regression', tileSize: 64 });
  st.add(chipSlice(10, 10, 20, 20), chipOf(field, 10, 10, 20, 20));
  const { prediction, uncertainty } = all(st);
  assert.ok(Number.isNaN(prediction[0]) && Number.isNaN(uncertainty![0]));
  assert.equal(prediction[10 * 300 + 10], field(10, 10));
  assert.ok(Number.isNaN(prediction[30 * 300 + 30]));
  const ints = createStitcher({ grid, bands: 1, values: 'regression', dtype: 'int16', nodata: -9999 });
  ints.add(chipSlice(0, 0, 2, 1), new Float32Array([3.4, -7.6]));
  const w = ints.readWindow(0, 0, 3, 1, { uncertainty: false });
  assert.deepEqual([...w.prediction], [3, -8, -9999]);
  assert.ok(w.prediction instanceof Int16Array);
  st.close();
  ints.close();
});

test('order does not matter', () => {
  const chips = gridChips(64, 40);
  const a = createStitcher({ grid, bands: 1, blend: 'cosine', values: 'regression', tileSize: 64 });
  const b = createStitcher({ grid, bands: 1, blend: 'cosine', values: 'regression', tileSize: 64 });
  const noisy = (seed: number) => (x: number, y: number) => field(x, y) + Math.sin(seed * 12.9898 + x * 78.233 + y) * 3;
  chips.forEach(([x, y], i) => a.add(chipSlice(x, y, 64, 64), chipOf(noisy(i), x, y, 64, 64)));
  const order = chips.map((c, i) => [c, i] as const).reverse();
  for (const [[x, y], i] of order) b.add(chipSlice(x, y, 64, 64), chipOf(noisy(i), x, y, 64, 64));
  const pa = all(a);
  const pb = all(b);
  for (let i = 0; i < pa.prediction.length; i++)
    assert.ok(Math.abs(pa.prediction[i] - pb.prediction[i]) < 1e-4, `pixel ${i}`);
  for (let i = 0; i < pa.uncertainty!.length; i++)
    assert.ok(Math.abs(pa.uncertainty![i] - pb.uncertainty![i]) < 1e-3 * (1 + pa.uncertainty![i]), `variance ${i}`);
  a.close();
  b.close();
});

test('chips partly outside the grid are clipped; a chip missing the grid is an error', () => {
  const st = createStitcher({ grid, bands: 1, values: 'regression', tileSize: 64 });
  const n = st.add(chipSlice(290, 190, 20, 20), chipOf(field, 290, 190, 20, 20));
  assert.equal(n, 100);
  const w = st.readWindow(290, 190, 10, 10);
  for (let y = 0; y < 10; y++)
    for (let x = 0; x < 10; x++) assert.equal(w.prediction[y * 10 + x], field(290 + x, 190 + y));
  assert.throws(() => st.add(chipSlice(400, 0, 10, 10), new Float32Array(100)), {
    name: 'StitchError',
    code: 'OUTSIDE_GRID',
    message: /slice EPSG:32633/,
  });
  assert.throws(() => st.add({ ...chipSlice(0, 0, 10, 10), crs: 'EPSG:32634' }, new Float32Array(100)), {
    code: 'CRS_MISMATCH',
  });
  assert.throws(() => st.add(chipSlice(0, 0, 10, 10), new Float32Array(99)), { code: 'SHAPE_MISMATCH' });
  st.close();
});

test('a prediction at another resolution is resampled: bilinear for values, nearest for class ids', () => {
  // A chip covering grid pixels [40, 104) x [20, 84) predicted at 20 m (32 x 32 pixels) of a linear ramp.
  const ramp = (x: number, y: number) => 3 * x + 5 * y; // in 10 m grid pixel-centre coordinates
  const coarse = new Float32Array(32 * 32);
  for (let j = 0; j < 32; j++)
    for (let i = 0; i < 32; i++) coarse[j * 32 + i] = ramp(40 + 2 * i + 0.5, 20 + 2 * j + 0.5);
  const slice = chipSlice(40, 20, 64, 64, 20);
  const st = createStitcher({ grid, bands: 1, values: 'regression', resample: 'bilinear' });
  assert.equal(st.add(slice, coarse), 64 * 64);
  const w = st.readWindow(40, 20, 64, 64);
  // Interior (away from the clamped outer half pixel) is the ramp at each 10 m pixel centre.
  for (let y = 1; y < 63; y++)
    for (let x = 1; x < 63; x++)
      assert.ok(Math.abs(w.prediction[y * 64 + x] - ramp(40 + x, 20 + y)) < 1e-3, `(${x},${y})`);
  st.close();
  const classes = new Float32Array(32 * 32).map((_, k) => (k % 32) % 3);
  const nn = createStitcher({ grid, bands: 1, values: 'regression', resample: 'nearest', blend: 'max' });
  nn.add(slice, classes);
  const c = nn.readWindow(40, 20, 64, 64).prediction;
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) assert.equal(c[y * 64 + x], Math.floor(x / 2) % 3);
  // a fine 5 m prediction with an explicit shape
  const fine = new Float32Array(40 * 40).fill(7);
  nn.add(chipSlice(200, 100, 20, 20, 5), fine, { shape: [40, 40] });
  assert.ok(nn.readWindow(200, 100, 20, 20).prediction.every((v) => v === 7));
  nn.close();
});

test('variance across overlapping and repeated predictions equals the closed form', () => {
  const st = createStitcher({ grid, bands: 1, values: 'regression', blend: 'mean' });
  st.add(chipSlice(0, 0, 20, 10), new Float32Array(200).fill(2));
  st.add(chipSlice(10, 0, 20, 10), new Float32Array(200).fill(6));
  // repeated predictions of one slice (MC-dropout): 1, 2, 6 -> mean 3, population variance 14/3
  st.add(
    chipSlice(100, 0, 10, 10),
    [1, 2, 6].map((v) => new Float32Array(100).fill(v)),
  );
  const w = st.readWindow(0, 0, 110, 10);
  const at = (x: number) => [w.prediction[x], w.uncertainty![x]];
  assert.deepEqual(at(5), [2, 0]);
  assert.deepEqual(at(15), [4, 4]);
  assert.deepEqual(at(25), [6, 0]);
  assert.equal(at(105)[0], 3);
  assert.ok(Math.abs(at(105)[1] - 14 / 3) < 1e-6);
  // repeated adds of the same slice are the same as one add of the list
  const rep = createStitcher({ grid, bands: 1, values: 'regression', blend: 'mean' });
  for (const v of [1, 2, 6]) rep.add(chipSlice(100, 0, 10, 10), new Float32Array(100).fill(v));
  assert.ok(Math.abs(rep.readWindow(105, 5, 1, 1).uncertainty![0] - 14 / 3) < 1e-6);
  st.close();
  rep.close();
});

test('entropy, variance and margin bands of blended class probabilities (closed form)', () => {
  const st = createStitcher({ grid, bands: 3, values: 'probabilities', blend: 'mean' });
  const probs = (a: number, b: number, c: number) => {
    const p = new Float32Array(3 * 100);
    p.fill(a, 0, 100);
    p.fill(b, 100, 200);
    p.fill(c, 200, 300);
    return p;
  };
  st.add(chipSlice(0, 0, 10, 10), [probs(0.5, 0.25, 0.25), probs(0.1, 0.7, 0.2)]);
  const w = st.readWindow(3, 3, 1, 1);
  const f = Math.fround;
  const m = [(f(0.5) + f(0.1)) / 2, (f(0.25) + f(0.7)) / 2, (f(0.25) + f(0.2)) / 2];
  const entropy = -m.reduce((s, p) => s + p * Math.log(p), 0);
  const variance =
    (
      [
        [0.5, 0.1],
        [0.25, 0.7],
        [0.25, 0.2],
      ] as const
    ).reduce((s, [a, b]) => s + ((f(a) - f(b)) / 2) ** 2, 0) / 3;
  const margin = m[1] - m[0];
  assert.deepEqual(w.uncertaintyBands, ['entropy', 'variance', 'margin']);
  assert.ok(Math.abs(w.uncertainty![0] - entropy) < 1e-6);
  assert.ok(Math.abs(w.uncertainty![1] - variance) < 1e-6);
  assert.ok(Math.abs(w.uncertainty![2] - margin) < 1e-6);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(w.prediction[c] - m[c]) < 1e-6);
  // logits are softmaxed before blending
  const lg = createStitcher({ grid, bands: 2, values: 'logits' });
  lg.add(chipSlice(0, 0, 1, 1), new Float32Array([0, Math.log(3)]));
  const l = lg.readWindow(0, 0, 1, 1);
  assert.ok(Math.abs(l.prediction[0] - 0.25) < 1e-6 && Math.abs(l.prediction[1] - 0.75) < 1e-6);
  assert.throws(() => st.add(chipSlice(0, 0, 1, 1), new Float32Array([2, 0, 0])), { code: 'BAD_VALUES' });
  st.close();
  lg.close();
});

test('no seams: cosine blending of biased chips over a smooth field is continuous at chip edges', () => {
  // Each chip sees the smooth field plus its own constant bias (a model's per-chip drift). Uniform
  // weights put a step at every chip edge; the cosine window fades chips in and out.
  const smooth = (x: number, y: number) => Math.sin(x / 40) * 2 + Math.cos(y / 30) * 2;
  const chips = gridChips(64, 32);
  const bias = (i: number) => ((i * 7919) % 11) / 10 - 0.5; // in [-0.5, 0.5]
  const jumps: Record<string, number> = {};
  for (const blend of ['mean', 'cosine'] as const) {
    const st = createStitcher({ grid, bands: 1, blend, values: 'regression', tileSize: 64 });
    chips.forEach(([x, y], i) =>
      st.add(
        chipSlice(x, y, 64, 64),
        chipOf((a, b) => smooth(a, b) + bias(i), x, y, 64, 64),
      ),
    );
    const p = all(st).prediction;
    let maxJump = 0;
    for (let y = 0; y < 200; y++)
      for (let x = 1; x < 300; x++) maxJump = Math.max(maxJump, Math.abs(p[y * 300 + x] - p[y * 300 + x - 1]));
    for (let y = 1; y < 200; y++)
      for (let x = 0; x < 300; x++) maxJump = Math.max(maxJump, Math.abs(p[y * 300 + x] - p[(y - 1) * 300 + x]));
    jumps[blend] = maxJump;
    st.close();
  }
  // The field itself changes by at most ~0.07 per pixel; a bias range of 1 spread over a 32-px overlap
  // with a raised cosine changes by at most about pi/2 * 1/32 ~ 0.05 per pixel.
  assert.ok(jumps.cosine < 0.15, `cosine max jump ${jumps.cosine}`);
  assert.ok(jumps.mean > 0.2, `mean blending should show the seams this test detects (max jump ${jumps.mean})`);
});

test('memory budget: tiles spill to the scratch file and come back with the same values', () => {
  const chips = gridChips(64, 48);
  const big = createStitcher({ grid, bands: 2, blend: 'cosine', values: 'regression', tileSize: 32 });
  const small = createStitcher({
    grid,
    bands: 2,
    blend: 'cosine',
    values: 'regression',
    tileSize: 32,
    memoryBudget: 3 * 32 * 32 * 5 * 8,
  });
  const f = (i: number) => (x: number, y: number) => field(x, y) * (1 + i / 100);
  chips.forEach(([x, y], i) => {
    big.add(chipSlice(x, y, 64, 64), chipOf(f(i), x, y, 64, 64, 2));
    small.add(chipSlice(x, y, 64, 64), chipOf(f(i), x, y, 64, 64, 2));
  });
  assert.equal(small.stats().maxTilesInMemory, 3);
  assert.ok(small.stats().peakTilesInMemory <= 3);
  assert.ok(small.stats().spillWrites > 0);
  assert.equal(big.stats().spillWrites, 0);
  assert.deepEqual(all(small), all(big));
  small.close();
  big.close();
  assert.throws(() => small.readWindow(0, 0, 1, 1), { code: 'CLOSED' });
});

test('tfjs tensors are accepted by duck typing', async () => {
  const tf = await import('@tensorflow/tfjs');
  const st = createStitcher({ grid, bands: 2, values: 'probabilities' });
  const t = tf.tensor3d(new Float32Array([0.2, 0.4, 0.8, 0.6]), [2, 1, 2]);
  st.add(chipSlice(0, 0, 2, 1), t);
  const mc = tf.stack([t, t.reverse(0)]);
  st.add(chipSlice(5, 0, 2, 1), mc);
  const w = st.readWindow(0, 0, 7, 1);
  assert.ok(Math.abs(w.prediction[0] - 0.2) < 1e-7 && Math.abs(w.prediction[7 + 1] - 0.6) < 1e-7);
  assert.ok(Math.abs(w.prediction[5] - 0.5) < 1e-7, 'sample mean of 0.2 and 0.8');
  assert.ok(Math.abs(w.uncertainty![7 + 5] - 0.09) < 1e-6, 'variance of {0.2, 0.8} = 0.09');
  t.dispose();
  mc.dispose();
  st.close();
});

test('bad options are StitchErrors', () => {
  assert.throws(() => createStitcher({ grid, bands: 1, dtype: 'uint8' }), { code: 'BAD_OPTION', message: /nodata/ });
  assert.throws(() => createStitcher({ grid, bands: 1, dtype: 'uint8', nodata: 300 }), { code: 'BAD_OPTION' });
  assert.throws(() => createStitcher({ grid, bands: 0 }), { code: 'BAD_OPTION' });
  assert.throws(() => createStitcher({ grid, bands: 1, tileSize: 100 }), { code: 'BAD_OPTION' });
  assert.throws(() => createStitcher({ grid, bands: 1, memoryBudget: 10 }), { code: 'BAD_OPTION' });
  const u = createStitcher({ grid, bands: 1, dtype: 'uint8', nodata: 255, values: 'regression' });
  u.add(chipSlice(0, 0, 1, 1), new Float32Array([300]));
  assert.throws(() => u.readWindow(0, 0, 1, 1), { code: 'OUT_OF_RANGE', message: /float32/ });
  u.close();
});

test("order: 'rows' with open/flush streams finished tiles and refuses to read them again", async () => {
  const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-flush-'));
  const any = createStitcher({ grid, bands: 1, values: 'regression', tileSize: 32 });
  await assert.rejects(any.flush(), { code: 'BAD_OPTION', message: /order: 'rows'/ });
  any.close();
  const st = createStitcher({ grid, bands: 1, values: 'regression', tileSize: 32, order: 'rows' });
  await assert.rejects(st.flush(), { code: 'BAD_OPTION', message: /open/ });
  const out = join(dir, 'streamed.tif');
  await st.open(out, { overviews: false });
  st.add(chipSlice(0, 0, 64, 64), chipOf(field, 0, 0, 64, 64));
  st.add(chipSlice(0, 70, 64, 64), chipOf(field, 0, 70, 64, 64));
  assert.throws(() => st.add(chipSlice(100, 10, 64, 64), chipOf(field, 100, 10, 64, 64)), {
    code: 'ORDER',
    message: /north to south/,
  });
  assert.equal(await st.flush(), 4, 'tile rows 0 and 1 (pixel rows 0..63) x tile columns 0 and 1 are finished');
  assert.throws(() => st.readWindow(0, 0, 10, 10), { code: 'TILE_FLUSHED' });
  assert.equal(st.readWindow(0, 70, 10, 10).prediction[0], field(0, 70));
  assert.equal(existsSync(out), false, 'nothing at the path before write');
  const res = await st.write(out);
  assert.equal(res.coveredPixels, 2 * 64 * 64);
  assert.ok(existsSync(out) && existsSync(res.uncertainty!));
  await assert.rejects(st.write(join(dir, 'again.tif')), { code: 'TILE_FLUSHED' });
  st.close();
  rmSync(dir, { recursive: true, force: true });
});
