import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { gridSampler } from '../../src/samplers/grid.js';
import { checkCogLayout } from '../../src/tiff/write/cog-layout-check.js';
import { createStitcher } from '../../src/stitch/stitcher.js';

// Identity round trip against GDAL: a raster written by GDAL is cut into overlapping chips, the chips are
// loaded with loadSlice and fed back as predictions, stitched, written as COGs, and read back by rasterio.

const PY = '/usr/bin/python3';
const W = 300;
const H = 200;
const X0 = 500000;
const Y1 = 4002000;
const RES = 10;
let dir: string;
let src: string;
let truth: Float32Array; // [2, H, W] as rasterio reads the source

const MAKE = `
import sys, numpy as np, rasterio
from rasterio.transform import from_origin
path, raw = sys.argv[1], sys.argv[2]
y, x = np.mgrid[0:${H}, 0:${W}]
a = np.stack([np.sin(x / 17.0) * 40 + y * 0.25 + 100, np.cos(y / 13.0) * 5 + x * 0.01]).astype('float32')
with rasterio.open(path, 'w', driver='GTiff', width=${W}, height=${H}, count=2, dtype='float32', crs='EPSG:32633',
                   transform=from_origin(${X0}, ${Y1}, ${RES}, ${RES}), tiled=True, blockxsize=64, blockysize=64, compress='deflate') as d:
    d.write(a)
with rasterio.open(path) as d:
    d.read().astype('<f4').tofile(raw)
`;

const CHECK = `
import sys, json, numpy as np, rasterio
from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate
out = {}
for p in sys.argv[1:]:
    with rasterio.open(p) as d:
        a = d.read()
        out[p] = {'crs': d.crs.to_string(), 'transform': list(d.transform)[:6], 'nodata': None if d.nodata is None else (str(d.nodata)),
                  'dtype': d.dtypes[0], 'count': d.count, 'descriptions': list(d.descriptions), 'overviews': d.overviews(1),
                  'blocks': list(d.block_shapes[0]), 'cog': validate(p, full_check=True)[:2]}
        a.astype('<f8').tofile(p + '.raw')
print(json.dumps(out))
`;

function gdalCheck(...paths: string[]): Record<
  string,
  {
    crs: string;
    transform: number[];
    nodata: string | null;
    dtype: string;
    count: number;
    descriptions: (string | null)[];
    overviews: number[];
    blocks: number[];
    cog: [string[], string[]];
  }
> {
  return JSON.parse(execFileSync(PY, ['-c', CHECK, ...paths], { encoding: 'utf8' }));
}

function readRaw(path: string): Float64Array {
  const b = readFileSync(`${path}.raw`);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

/** Overlapping chips of the source raster's extent, from the grid sampler (row-major, last row/column snapped inside). */
async function chipSlices(size: number, overlap: number): Promise<GeoSlice[]> {
  const slices: GeoSlice[] = [];
  const aoi: [number, number, number, number] = [X0, Y1 - H * RES, X0 + W * RES, Y1];
  for await (const s of gridSampler(aoi, {
    size,
    stride: size - overlap,
    resolution: RES,
    crs: 'EPSG:32633',
    gridOrigin: [X0, Y1],
  }))
    slices.push(s);
  return slices;
}

const grid: GeoSlice = { bounds: [X0, Y1 - H * RES, X0 + W * RES, Y1], crs: 'EPSG:32633', resolution: [RES, RES] };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-roundtrip-'));
  src = join(dir, 'source.tif');
  execFileSync(PY, ['-c', MAKE, src, join(dir, 'truth.raw')]);
  const b = readFileSync(join(dir, 'truth.raw'));
  truth = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const blend of ['mean', 'max', 'cosine'] as const) {
  test(`identity round trip through loadSlice, the stitcher and GDAL (${blend})`, async () => {
    const slices = await chipSlices(64, 16);
    assert.ok(slices.length > 12);
    const st = createStitcher({
      grid,
      bands: 2,
      blend,
      values: 'regression',
      tileSize: 64,
      bandNames: ['field', 'ramp'],
    });
    for (const slice of slices) {
      const chip = await loadSlice([src], slice);
      assert.deepEqual(chip.shape, [2, 64, 64]);
      st.add(slice, chip.data as Float32Array, { mask: chip.mask });
    }
    const { prediction } = st.readWindow(0, 0, W, H);
    for (let i = 0; i < truth.length; i++) {
      if (blend === 'cosine')
        assert.ok(Math.abs(prediction[i] - truth[i]) <= 1e-6 * Math.max(1, Math.abs(truth[i])), `pixel ${i}`);
      else assert.equal(prediction[i], truth[i], `pixel ${i}`);
    }
    const out = join(dir, `pred-${blend}.tif`);
    const res = await st.write(out, { cog: true, compression: 'deflate', overviews: true });
    st.close();
    assert.equal(res.uncertainty, join(dir, `pred-${blend}_uncertainty.tif`));
    assert.equal(res.coveredPixels, W * H);
    const info = gdalCheck(out, res.uncertainty!);
    const p = info[out];
    assert.equal(p.crs, 'EPSG:32633');
    assert.deepEqual(p.transform, [RES, 0, X0, 0, -RES, Y1]);
    assert.equal(p.dtype, 'float32');
    assert.deepEqual(p.descriptions, ['field', 'ramp']);
    assert.deepEqual(p.blocks, [64, 64]);
    assert.ok(p.overviews.length >= 1);
    assert.deepEqual(p.cog, [[], []], `GDAL COG validator: ${JSON.stringify(p.cog)}`);
    for (const f of [out, res.uncertainty!]) {
      const layout = await checkCogLayout(f);
      assert.ok(layout.valid, `checkCogLayout ${f}: ${JSON.stringify(layout.errors)}`);
    }
    const back = readRaw(out);
    for (let i = 0; i < truth.length; i++) {
      if (blend === 'cosine')
        assert.ok(Math.abs(back[i] - truth[i]) <= 1e-6 * Math.max(1, Math.abs(truth[i])), `file pixel ${i}`);
      else assert.equal(back[i], truth[i], `file pixel ${i}`);
    }
    const u = info[res.uncertainty!];
    assert.deepEqual(u.descriptions, ['variance']);
    assert.equal(u.nodata, 'nan');
    assert.deepEqual(u.cog, [[], []]);
    assert.ok(
      readRaw(res.uncertainty!).every((v) => v === 0),
      'identical overlapping chips have zero variance',
    );
  });
}

test('class probabilities with MC samples: GDAL reads prediction and uncertainty bands; uncovered pixels are nodata', async () => {
  // The grid reaches 64 px further east than the chips: those pixels get no prediction.
  const wide: GeoSlice = { ...grid, bounds: [X0, Y1 - H * RES, X0 + (W + 64) * RES, Y1] };
  const st = createStitcher({
    grid: wide,
    bands: 2,
    blend: 'cosine',
    values: 'probabilities',
    tileSize: 64,
    bandNames: ['water', 'land'],
  });
  for (const slice of await chipSlices(64, 16)) {
    const chip = await loadSlice([src], slice);
    const n = 64 * 64;
    const d = chip.data as Float32Array;
    const sample = (shift: number) => {
      const p = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) {
        p[n + i] = 1 / (1 + Math.exp(-(d[i] - 100 + shift) / 10));
        p[i] = 1 - p[n + i];
      }
      return p;
    };
    st.add(slice, [sample(-3), sample(3)]);
  }
  const expected = st.readWindow(0, 0, W + 64, H);
  const out = join(dir, 'probs.tif');
  const res = await st.write(out, { compression: 'lzw', overviews: [2, 4] });
  st.close();
  const info = gdalCheck(out, res.uncertainty!);
  assert.deepEqual(info[res.uncertainty!].descriptions, ['entropy', 'variance', 'margin']);
  assert.deepEqual(info[out].overviews, [2, 4]);
  assert.deepEqual(info[out].cog, [[], []]);
  const pred = readRaw(out);
  const unc = readRaw(res.uncertainty!);
  const Wd = W + 64;
  let checked = 0;
  for (let i = 0; i < pred.length; i++) {
    const x = i % Wd;
    if (x >= W) {
      assert.ok(Number.isNaN(pred[i]), `uncovered pixel ${i} must be nodata`);
      continue;
    }
    assert.equal(pred[i], expected.prediction[i]);
    checked++;
  }
  for (let i = 0; i < unc.length; i++) {
    const x = i % Wd;
    if (x >= W) assert.ok(Number.isNaN(unc[i]));
    else assert.equal(unc[i], expected.uncertainty![i]);
  }
  assert.equal(checked, 2 * W * H);
  // MC samples disagree, so variance is positive; entropy is within [0, ln 2] and margin within [0, 1].
  const plane = Wd * H;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * Wd + x;
      assert.ok(unc[i] >= 0 && unc[i] <= Math.LN2 + 1e-6);
      assert.ok(unc[plane + i] > 0);
      assert.ok(unc[2 * plane + i] >= 0 && unc[2 * plane + i] <= 1);
    }
});

test('streaming (order: rows, open + flush per chip row) writes the same file content as a one-shot write from spilled tiles', async () => {
  const cut = (slice: GeoSlice) => {
    const px = (slice.bounds[0] - X0) / RES;
    const py = (Y1 - slice.bounds[3]) / RES;
    const a = new Float32Array(2 * 64 * 64);
    for (let c = 0; c < 2; c++)
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 64; x++)
          a[c * 4096 + y * 64 + x] = truth[c * W * H + (py + y) * W + px + x] * (1 + ((px + py) % 7) / 100);
    return a;
  };
  const slices = await chipSlices(64, 16);
  // The one-shot stitcher may keep 3 tiles in memory: most tiles go through the scratch file before write.
  const oneShot = createStitcher({
    grid,
    bands: 2,
    blend: 'cosine',
    values: 'regression',
    tileSize: 32,
    memoryBudget: 3 * 32 * 32 * 5 * 8,
  });
  const streamed = createStitcher({
    grid,
    bands: 2,
    blend: 'cosine',
    values: 'regression',
    tileSize: 32,
    order: 'rows',
    memoryBudget: 40 * 32 * 32 * 5 * 8,
  });
  const a = join(dir, 'oneshot.tif');
  const b = join(dir, 'streamed.tif');
  await streamed.open(b, { overviews: [2] });
  let flushedTiles = 0;
  let lastTop = slices[0].bounds[3];
  for (const s of slices) {
    if (s.bounds[3] !== lastTop) flushedTiles += await streamed.flush();
    lastTop = s.bounds[3];
    oneShot.add(s, cut(s));
    streamed.add(s, cut(s));
  }
  assert.ok(flushedTiles > 20, `flushed ${flushedTiles} tiles before the end`);
  assert.ok(streamed.stats().peakTilesInMemory <= 40);
  assert.ok(oneShot.stats().spillWrites > 20, `one-shot spilled ${oneShot.stats().spillWrites} tiles`);
  await oneShot.write(a, { overviews: [2] });
  await streamed.write(b);
  oneShot.close();
  streamed.close();
  const ua = a.replace('.tif', '_uncertainty.tif');
  const ub = b.replace('.tif', '_uncertainty.tif');
  const info = gdalCheck(a, b, ua, ub);
  assert.deepEqual(info[b].cog, [[], []]);
  assert.deepEqual(readRaw(a), readRaw(b));
  assert.deepEqual(readRaw(ua), readRaw(ub));
  assert.ok(
    readRaw(ub).some((v) => v > 0),
    'overlaps disagree, so some variance is positive',
  );
});
