/**
 * One `runInference` run of the inference benchmark's ONNX path (data made by benchmarks/inference.ts),
 * for profiling: `node --cpu-prof --cpu-prof-dir=DIR --import tsx benchmarks/inference-profile.ts [--model noop]`.
 * Prints the run's stage seconds and CPU seconds.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { functionModel, runInference } from '../src/inference/index.js';

const { values: args } = parseArgs({
  options: { model: { type: 'string', default: 'onnx' }, threads: { type: 'string', default: '2' } },
});
const dir = join(tmpdir(), 'geoslice-bench-inference');
const model =
  args.model === 'noop'
    ? // Band shares of the first three bands: cheap, but varying like real probabilities (compression sees real-ish data).
      functionModel(async ({ data, shape: [n, , h, w] }) => {
        const plane = h * w;
        const out = new Float32Array(n * plane * 3);
        for (let k = 0; k < n; k++)
          for (let p = 0; p < plane; p++) {
            const a = data[k * 4 * plane + p];
            const b = data[(k * 4 + 1) * plane + p];
            const c = data[(k * 4 + 2) * plane + p];
            const s = a + b + c || 1;
            const o = (k * plane + p) * 3;
            out[o] = a / s;
            out[o + 1] = b / s;
            out[o + 2] = c / s;
          }
        return { data: out, shape: [n, h, w, 3] };
      })
    : join(dir, 'unet.onnx');
const cpu0 = process.cpuUsage();
const r = await runInference({
  source: join(dir, 'scene-4096.tif'),
  model,
  out: join(dir, `pred-profile-${args.model}.tif`),
  tile: 256,
  overlap: 32,
  batchSize: 16,
  modelOptions: { threads: Number(args.threads) },
});
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({ seconds: r.seconds, busy: r.busy, cpuSeconds: (cpu.user + cpu.system) / 1e6, chips: r.chips }),
);
