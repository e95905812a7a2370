import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import seedrandom from 'seedrandom';
import type { GeoSlice } from '../../src/geo/slice.js';
import { blendProfile } from '../../src/stitch/blend.js';
import { createStitcher } from '../../src/stitch/stitcher.js';
import { gdalMissing, readWithGdal } from '../fixtures/stitch/gdal-reader.js';

// Output grid: 96 x 64 pixels of 10 m, top-left corner (500000, 4000640).
const X0 = 500000;
const Y1 = 4000640;
const W = 96;
const H = 64;
const grid: GeoSlice = { bounds: [X0, Y1 - H * 10, X0 + W * 10, Y1], crs: 'EPSG:32633', resolution: [10, 10] };

function chipSlice(px: number, py: number, w: number, h: number): GeoSlice {
  return {
    bounds: [X0 + px * 10, Y1 - (py + h) * 10, X0 + (px + w) * 10, Y1 - py * 10],
    crs: 'EPSG:32633',
    resolution: [10, 10],
  };
}

/** SHA-256 of a float32 array's little-endian bytes, as read_with_gdal.py hashes a band. */
function sha256(a: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

/** Overlapping chips of 48 px every 24 px: 3 x 2 chips, added in grid order (row-major from the north-west). */
const CHIPS: [number, number][] = [];
for (let y = 0; y + 48 <= H; y += 16) for (let x = 0; x + 48 <= W; x += 24) CHIPS.push([x, y]);

/** Which chips cover output pixel (x, y), in the order they were added. */
function covering(x: number, y: number): number[] {
  return CHIPS.flatMap(([cx, cy], i) => (x >= cx && x < cx + 48 && y >= cy && y < cy + 48 ? [i] : []));
}

for (const blend of ['first', 'last'] as const) {
  test(`blend ${blend}: each pixel takes the ${blend} chip (in add order) that has a value there; count band counts them`, () => {
    const st = createStitcher({ grid, bands: 2, blend, values: 'regression', tileSize: 32, count: true });
    const holeChip = 1;
    CHIPS.forEach(([cx, cy], i) => {
      const a = new Float32Array(2 * 48 * 48);
      for (let p = 0; p < 48 * 48; p++) {
        a[p] = 10 * (i + 1);
        a[48 * 48 + p] = -(i + 1);
      }
      // A hole (NaN) in one chip: there the next chip in order must win instead.
      if (i === holeChip) for (let y = 30; y < 40; y++) for (let x = 0; x < 10; x++) a[y * 48 + x] = NaN;
      st.add(chipSlice(cx, cy, 48, 48), a);
    });
    const { prediction, uncertainty, uncertaintyBands } = st.readWindow(0, 0, W, H);
    assert.deepEqual(uncertaintyBands, ['variance', 'count']);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const [cx, cy] = CHIPS[holeChip];
        const inHole = x >= cx && x < cx + 10 && y >= cy + 30 && y < cy + 40;
        const ids = covering(x, y).filter((i) => !(i === holeChip && inHole));
        const p = y * W + x;
        if (ids.length === 0) {
          assert.ok(Number.isNaN(prediction[p]), `(${x},${y}) uncovered`);
          assert.equal(uncertainty![W * H + p], 0);
          continue;
        }
        const win = blend === 'first' ? ids[0] : ids[ids.length - 1];
        assert.equal(prediction[p], 10 * (win + 1), `band 1 at (${x},${y})`);
        assert.equal(prediction[W * H + p], -(win + 1), `band 2 at (${x},${y})`);
        assert.equal(uncertainty![W * H + p], ids.length, `count at (${x},${y})`);
      }
    st.close();
  });
}

/** Seeded smooth (μ, σ) fields per chip: μ around 5, σ in [0.2, 2.2]. */
function meanSigmaChips(bands: number): Float32Array[] {
  const rng = seedrandom('ivw');
  return CHIPS.map(() => {
    const a = new Float32Array(2 * bands * 48 * 48);
    const phase = rng() * 6;
    const amp = rng() * 3;
    for (let c = 0; c < bands; c++)
      for (let p = 0; p < 48 * 48; p++) {
        const x = p % 48;
        const y = Math.floor(p / 48);
        a[c * 48 * 48 + p] = 5 + amp * Math.sin(x / 7 + phase + c) + y * 0.01;
        a[(bands + c) * 48 * 48 + p] = 0.2 + 2 * rng();
      }
    return a;
  });
}

for (const window of ['uniform', 'cosine'] as const) {
  test(`blend inverse-variance (${window} window): merged μ = Σwμ/Σw, σ = √(Σb²/σ²)/Σw on synthetic (μ, σ) fields`, () => {
    const bands = 2;
    const st = createStitcher({ grid, bands, blend: 'inverse-variance', window, tileSize: 32, count: true });
    const chips = meanSigmaChips(bands);
    CHIPS.forEach(([cx, cy], i) => st.add(chipSlice(cx, cy, 48, 48), chips[i]));
    const { prediction, uncertainty, uncertaintyBands } = st.readWindow(0, 0, W, H);
    assert.deepEqual(uncertaintyBands, ['sigma_1', 'sigma_2', 'count']);
    const prof = blendProfile(window, 48);
    let checked = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const ids = covering(x, y);
        const p = y * W + x;
        assert.equal(uncertainty![2 * W * H + p], ids.length);
        for (let c = 0; c < bands; c++) {
          let sw = 0;
          let swm = 0;
          let sb2 = 0;
          for (const i of ids) {
            const [cx, cy] = CHIPS[i];
            const q = (y - cy) * 48 + (x - cx);
            const b = Math.max(prof[x - cx] * prof[y - cy], 1e-12);
            const mu = chips[i][c * 48 * 48 + q];
            const sigma = chips[i][(bands + c) * 48 * 48 + q];
            sw += b / sigma ** 2;
            swm += (b * mu) / sigma ** 2;
            sb2 += b ** 2 / sigma ** 2;
          }
          if (ids.length === 0) {
            assert.ok(Number.isNaN(prediction[c * W * H + p]));
            continue;
          }
          const mu = prediction[c * W * H + p];
          const sigma = uncertainty![c * W * H + p];
          assert.ok(
            Math.abs(mu - swm / sw) <= 1e-5 * Math.abs(swm / sw),
            `μ band ${c} at (${x},${y}): ${mu} vs ${swm / sw}`,
          );
          assert.ok(
            Math.abs(sigma - Math.sqrt(sb2) / sw) <= 1e-5 * (Math.sqrt(sb2) / sw),
            `σ band ${c} at (${x},${y})`,
          );
          checked++;
        }
      }
    assert.equal(checked, 2 * W * H);
    st.close();
  });
}

test('blend inverse-variance: n equal sigmas merge to σ/√n and the plain mean (closed form)', () => {
  const st = createStitcher({ grid, bands: 1, blend: 'inverse-variance' });
  const slice = chipSlice(0, 0, 16, 16);
  for (const mu of [1, 2, 6]) {
    const a = new Float32Array(2 * 256);
    a.fill(mu, 0, 256);
    a.fill(0.5, 256);
    st.add(slice, a);
  }
  const { prediction, uncertainty, uncertaintyBands } = st.readWindow(0, 0, 16, 16);
  assert.deepEqual(uncertaintyBands, ['sigma']);
  for (let p = 0; p < 256; p++) {
    assert.ok(Math.abs(prediction[p] - 3) < 1e-6);
    assert.ok(Math.abs(uncertainty![p] - 0.5 / Math.sqrt(3)) < 1e-6);
  }
  st.close();
});

test('blend inverse-variance refuses non-positive sigmas and non-regression values', () => {
  const st = createStitcher({ grid, bands: 1, blend: 'inverse-variance' });
  const a = new Float32Array(2 * 256).fill(1);
  a[256 + 17] = 0;
  assert.throws(
    () => st.add(chipSlice(0, 0, 16, 16), a),
    (e: Error & { code?: string }) => e.code === 'BAD_VALUES' && /sigma 0 of band 1 at pixel 17/.test(e.message),
  );
  assert.throws(
    () => st.add(chipSlice(0, 0, 16, 16), new Float32Array(256)),
    (e: Error & { code?: string }) => e.code === 'SHAPE_MISMATCH',
  );
  st.close();
  assert.throws(
    () => createStitcher({ grid, bands: 1, blend: 'inverse-variance', values: 'probabilities' }),
    (e: Error & { code?: string }) => e.code === 'BAD_OPTION',
  );
});

test('inverse-variance and last outputs are COGs that pass GDAL’s validator, with the sigma and count bands', {
  skip: gdalMissing,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-modes-'));
  try {
    const chips = meanSigmaChips(1);
    for (const blend of ['inverse-variance', 'last'] as const) {
      const st = createStitcher({ grid, bands: 1, blend, values: 'regression', tileSize: 32, count: true });
      CHIPS.forEach(([cx, cy], i) =>
        st.add(chipSlice(cx, cy, 48, 48), blend === 'last' ? chips[i].subarray(0, 48 * 48) : chips[i]),
      );
      const out = join(dir, `${blend}.tif`);
      const res = await st.write(out, { uncertainty: true });
      const win = st.readWindow(0, 0, W, H);
      st.close();
      const [pred, unc] = readWithGdal([res.prediction, res.uncertainty!]);
      for (const r of [pred, unc]) {
        assert.deepEqual(r.cog_errors, [], `${r.path}: ${JSON.stringify(r.cog_errors)}`);
        assert.ok(r.overviews.length >= 1 || (r.width <= 32 && r.height <= 32));
      }
      assert.deepEqual(unc.descriptions, blend === 'last' ? ['variance', 'count'] : ['sigma', 'count']);
      assert.equal(pred.width, W);
      assert.equal(pred.hashes[0], sha256(win.prediction as Float32Array));
      assert.equal(unc.hashes[1], sha256(win.uncertainty!.subarray(W * H)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
