/**
 * Batch inference benchmark: a 4096² 4-band uint16 COG predicted in 256² tiles with 32 px overlap by a
 * small U-Net-like network (benchmarks/inference_torch.py; the same weights as ONNX, PyTorch and tfjs),
 * blended with cosine weights.
 *
 * - `onnx`: `runInference` with the ONNX export on onnxruntime-node (CPU, `--threads`), end to end
 *   (COG reads → model → stitcher → prediction COG + uncertainty COG with overviews).
 * - `python`: the script a user would otherwise write — rasterio windows + PyTorch (CPU, same threads) +
 *   numpy cosine blending, writing one tiled DEFLATE GeoTIFF (no uncertainty, no overviews).
 *   Run A/B interleaved with `onnx`, `--rounds` times; medians are printed.
 * - `tfjs-wasm`: `runInference` with the tfjs model on @tensorflow/tfjs-backend-wasm, once.
 * - `wasm vs cpu`: one batch of 16 tiles through the tfjs model on the wasm and the pure-JS backends.
 *
 * Shares of the wall-clock time (they add up to 100% with setup): geoslice's `model` = a model call was
 * running (onnxruntime computes on its own thread, so batch k is stitched and batch k + 2 read meanwhile),
 * `read` / `stitch` = waiting for pixels / blending and streaming tiles out while no model call ran (the
 * part not hidden behind the model), `write` = finishing the COGs; the Python script runs its stages one
 * after the other. `busy` = each geoslice stage's own busy seconds (overlapping): model compute, main-thread
 * stitching, batch reads in flight. `cpu s` = CPU seconds of all threads.
 *
 * Before any time is printed the outputs are compared: ONNX vs PyTorch rasters, tfjs vs ONNX rasters
 * and wasm vs cpu batch outputs must agree within 1e-4 (float32 models on different runtimes).
 *
 * Needs Debian python3-torch, python3-rasterio, gdal-bin. Usage:
 *   node --import tsx benchmarks/inference.ts [--rounds 3] [--threads 2] [--batch 16] [--skip-tfjs]
 *     [--skip-tfjs-e2e] [--tfjs-only]   (--tfjs-only: just the tfjs parts; the e2e check needs an ONNX output from a full run)
 * Data (~130 MB) is kept in $TMPDIR/geoslice-bench-inference between runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as TF from '@tensorflow/tfjs';
import { loadTfjsModel, type ModelInput, runInference } from '../src/inference/index.js';
import { openRaster } from '../src/loaders/raster.js';
import { loadTf } from '../src/tfjs/tfjs.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    'skip-tfjs': { type: 'boolean', default: false },
    'skip-tfjs-e2e': { type: 'boolean', default: false },
    'tfjs-only': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const THREADS = Number(args.threads);
const BATCH = Number(args.batch);
const SIZE = 4096;
const TILE = 256;
const OVERLAP = 32;
const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./inference_torch.py', import.meta.url));
const dir = join(tmpdir(), 'geoslice-bench-inference');
mkdirSync(dir, { recursive: true });
const cog = join(dir, 'scene-4096.tif');

function run(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

// 1. The scene: smooth reflectance-like fields plus noise, uint16, written by rasterio and made a COG by GDAL.
if (!existsSync(cog)) {
  const raw = join(dir, 'scene-raw.tif');
  run(PY, [
    '-c',
    `
import numpy as np, rasterio
from rasterio.transform import from_origin
n = ${SIZE}
rng = np.random.RandomState(5)
y, x = np.mgrid[0:n, 0:n].astype(np.float32)
with rasterio.open('${raw}', 'w', driver='GTiff', width=n, height=n, count=4, dtype='uint16', crs='EPSG:32633',
                   transform=from_origin(600000, 5200000, 10, 10), tiled=True, blockxsize=256, blockysize=256) as ds:
    for b in range(4):
        f = 2500 + 1200 * np.sin(x / (60 + 13 * b)) * np.cos(y / (85 - 9 * b)) + 700 * np.sin((x + y) / 400)
        ds.write((f + rng.normal(0, 150, (n, n))).clip(1, 10000).astype('uint16'), b + 1)
`,
  ]);
  run('gdal_translate', ['-q', '-of', 'COG', '-co', 'COMPRESS=DEFLATE', '-co', 'BLOCKSIZE=256', raw, cog]);
}

// 2. The network: PyTorch weights and ONNX export (python3-torch), and the same weights as a tfjs layers model.
const onnx = join(dir, 'unet.onnx');
const tfjsJson = join(dir, 'tfjs', 'model.json');
if (!existsSync(onnx)) run(PY, [SCRIPT, 'build', dir]);
const tf = await loadTf();
if (!existsSync(tfjsJson)) await saveTfjsUnet(tf, join(dir, 'unet-weights'), join(dir, 'tfjs'));

/** Builds the U-Net of inference_torch.py in tfjs layers (NHWC) with the PyTorch weights and saves it. */
async function saveTfjsUnet(tf: typeof TF, weights: string, out: string): Promise<void> {
  const specs = JSON.parse(readFileSync(`${weights}.json`, 'utf8')) as { name: string; shape: number[] }[];
  const bin = readFileSync(`${weights}.bin`);
  const flat = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const byName = new Map<string, TF.Tensor>();
  let at = 0;
  for (const s of specs) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.subarray(at, at + size), s.shape);
    // PyTorch conv kernels are [out, in, kh, kw]; tfjs wants [kh, kw, in, out].
    byName.set(s.name, s.shape.length === 4 ? tf.transpose(t, [2, 3, 1, 0]) : t);
    at += size;
  }
  const conv = (name: string, filters: number, k: number, activation: 'relu' | 'softmax') => {
    const layer = tf.layers.conv2d({ filters, kernelSize: k, padding: 'same', activation, name });
    return layer;
  };
  const input = tf.input({ shape: [null, null, 4] });
  const apply = (l: TF.layers.Layer, x: TF.SymbolicTensor | TF.SymbolicTensor[]) => l.apply(x) as TF.SymbolicTensor;
  const layers = {
    e1: conv('e1', 8, 3, 'relu'),
    e2: conv('e2', 8, 3, 'relu'),
    m1: conv('m1', 16, 3, 'relu'),
    m2: conv('m2', 16, 3, 'relu'),
    d1: conv('d1', 8, 3, 'relu'),
    head: conv('head', 3, 1, 'softmax'),
  };
  const x = apply(tf.layers.rescaling({ scale: 1e-4 }), input);
  const s = apply(layers.e2, apply(layers.e1, x));
  const m = apply(layers.m2, apply(layers.m1, apply(tf.layers.maxPooling2d({ poolSize: 2 }), s)));
  const u = apply(tf.layers.upSampling2d({ size: [2, 2] }), m);
  const d = apply(layers.d1, apply(tf.layers.concatenate(), [u, s]));
  const model = tf.model({ inputs: input, outputs: apply(layers.head, d) });
  for (const [name, layer] of Object.entries(layers))
    layer.setWeights([byName.get(`${name}.weight`)!, byName.get(`${name}.bias`)!]);
  mkdirSync(out, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(join(out, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      writeFileSync(
        join(out, 'model.json'),
        JSON.stringify({
          modelTopology: a.modelTopology,
          format: a.format,
          weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

interface Timing {
  chips: number;
  chipsPerSecond: number;
  /** CPU seconds of the process, all threads (less sensitive than wall time to other work on the machine). */
  cpuSeconds: number;
  seconds: { read: number; model: number; stitch: number; write: number; total: number };
  /** Busy seconds per stage (geoslice only: they overlap each other). */
  busy?: { read: number; model: number; stitch: number };
}

async function ours(model: string, out: string, backend?: 'wasm'): Promise<Timing & { backend: string }> {
  const cpu0 = process.cpuUsage();
  const r = await runInference({
    source: cog,
    model,
    out,
    tile: TILE,
    overlap: OVERLAP,
    batchSize: BATCH,
    modelOptions: { threads: THREADS, backend },
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    chips: r.chips,
    chipsPerSecond: r.chips / r.seconds.total,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    seconds: r.seconds,
    busy: r.busy,
    backend: r.backend,
  };
}

function python(out: string): Timing {
  return JSON.parse(
    run(PY, [
      SCRIPT,
      'run',
      cog,
      join(dir, 'unet.pt'),
      out,
      String(TILE),
      String(OVERLAP),
      String(BATCH),
      String(THREADS),
    ]),
  ) as Timing;
}

async function bands(path: string): Promise<Float32Array[]> {
  const r = await openRaster(path);
  try {
    const w = await r.readWindow(0, 0, 0, r.info.width, r.info.height, [0, 1, 2]);
    return w.data.map((b) => Float32Array.from(b as ArrayLike<number>));
  } finally {
    await r.close();
  }
}

async function maxDiff(a: string, b: string): Promise<number> {
  const [x, y] = [await bands(a), await bands(b)];
  let m = 0;
  for (let c = 0; c < 3; c++) for (let i = 0; i < x[c].length; i++) m = Math.max(m, Math.abs(x[c][i] - y[c][i]));
  return m;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const pct = (t: Timing['seconds'], k: 'read' | 'model' | 'stitch' | 'write') =>
  `${((100 * t[k]) / t.total).toFixed(1)}%`;

const line = (name: string, t: Timing) =>
  console.log(
    `${name.padEnd(24)} ${(t.chips / t.seconds.total).toFixed(2).padStart(7)} ${t.seconds.total.toFixed(2).padStart(9)} ${t.cpuSeconds.toFixed(1).padStart(7)}   ${pct(t.seconds, 'read').padEnd(7)} ${pct(t.seconds, 'model').padEnd(7)} ${pct(t.seconds, 'stitch').padEnd(7)} ${pct(t.seconds, 'write')}`,
  );
const outOnnx = join(dir, 'pred-onnx.tif');
if (!args['tfjs-only']) await onnxVsPython();

// 3. Outputs agree before anything is timed; then A/B interleaved rounds.
async function onnxVsPython(): Promise<void> {
  const outPy = join(dir, 'pred-python.tif');
  const first = await ours(onnx, outOnnx);
  const firstPy = python(outPy);
  const dOnnxPy = await maxDiff(outOnnx, outPy);
  if (!(dOnnxPy < 1e-4)) throw new Error(`ONNX and PyTorch predictions differ by ${dOnnxPy}`);
  console.log(
    `checks: |onnx - pytorch| max ${dOnnxPy.toExponential(2)} over ${first.chips} tiles (${firstPy.chips} in the Python script)`,
  );

  // 4. A/B interleaved rounds.
  const runsOnnx: Timing[] = [];
  const runsPy: Timing[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    runsOnnx.push(await ours(onnx, outOnnx));
    runsPy.push(python(outPy));
  }
  const mid = (runs: Timing[]) => runs.find((t) => t.seconds.total === median(runs.map((x) => x.seconds.total)))!;
  const o = mid(runsOnnx);
  const p = mid(runsPy);
  console.log(
    `\n${SIZE}² 4-band COG, ${TILE}² tiles, ${OVERLAP} px overlap, batch ${BATCH}, ${THREADS} threads, median of ${ROUNDS} interleaved rounds`,
  );
  console.log('path                     chips/s   total s   cpu s   read    model   stitch  write');
  line(`geoslice onnx`, o);
  line('python rasterio+torch', p);
  console.log(
    `onnx / python: ${(p.seconds.total / o.seconds.total).toFixed(2)}x wall, ${(p.cpuSeconds / o.cpuSeconds).toFixed(2)}x CPU; geoslice read + stitch not hidden behind the model: ${((100 * (o.seconds.read + o.seconds.stitch)) / o.seconds.total).toFixed(1)}% of the wall time (write ${pct(o.seconds, 'write')})`,
  );
  const b = o.busy!;
  console.log(
    `geoslice busy seconds (overlapping): model ${b.model.toFixed(1)}, stitch ${b.stitch.toFixed(1)} (main thread), reads in flight ${b.read.toFixed(1)}; of ${o.seconds.total.toFixed(1)} s wall`,
  );
}

// 5. tfjs: the same network on wasm end to end (compared with the ONNX output), then wasm vs pure JS on one batch.
if (!args['skip-tfjs'] && !args['skip-tfjs-e2e']) {
  const outTf = join(dir, 'pred-tfjs.tif');
  const w = await ours(tfjsJson, outTf, 'wasm');
  const dTf = await maxDiff(outTf, outOnnx);
  if (!(dTf < 1e-4)) throw new Error(`tfjs and ONNX predictions differ by ${dTf}`);
  line(`geoslice ${w.backend}`, w);
  console.log(`checks: |tfjs wasm - onnx| max ${dTf.toExponential(2)}`);
}
if (!args['skip-tfjs']) {
  const reader = await openRaster(cog);
  const n = 16;
  const data = new Float32Array(n * 4 * TILE * TILE);
  for (let k = 0; k < n; k++) {
    const win = await reader.readWindow(0, (k % 4) * 900, Math.floor(k / 4) * 900, TILE, TILE, [0, 1, 2, 3]);
    win.data.forEach((b, c) => data.set(b as ArrayLike<number>, (k * 4 + c) * TILE * TILE));
  }
  await reader.close();
  const batch: ModelInput = { data, shape: [n, 4, TILE, TILE] };
  const wasm = await loadTfjsModel(tfjsJson, { backend: 'wasm' });
  const cpu = await loadTfjsModel(tfjsJson, { backend: 'cpu' });
  const yW = await wasm.predict(batch);
  const yC = await cpu.predict(batch);
  let d = 0;
  for (let i = 0; i < yW.data.length; i++) d = Math.max(d, Math.abs(yW.data[i] - yC.data[i]));
  if (!(d < 1e-4)) throw new Error(`wasm and cpu outputs differ by ${d}`);
  const time = async (m: typeof wasm, times: number) => {
    const t: number[] = [];
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      await m.predict(batch);
      t.push((performance.now() - t0) / 1000);
    }
    return median(t);
  };
  const tw = await time(wasm, 3);
  const tc = await time(cpu, 1);
  console.log(
    `tfjs model only, ${n} tiles of ${TILE}²: wasm ${(n / tw).toFixed(2)} chips/s, pure JS (cpu) ${(n / tc).toFixed(3)} chips/s -> wasm/cpu ${(tc / tw).toFixed(1)}x (|wasm - cpu| max ${d.toExponential(2)})`,
  );
  await wasm.close();
  await cpu.close();
}
