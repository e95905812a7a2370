/**
 * Stitcher benchmark: megapixels/s accumulated and written, and peak RSS, for a square region cut into
 * overlapping chips (default 20000 x 20000 pixels, 256-px chips, 32-px overlap, 1 band, cosine blend),
 * fed in row order. Each variant runs in its own child process so its peak RSS is its own:
 *
 * - `naive`: the baseline — one Float32 sum and one Float32 weight array for the whole region, then
 *   `writeCog` of the whole raster (no uncertainty).
 * - `stitcher`: `createStitcher` (default 512 MiB memory budget, tiles spill to a scratch file), then `write`
 *   of prediction + variance files.
 * - `streamed`: `createStitcher({ order: 'rows' })` with `open` + `flush()` after each chip row, so
 *   finished tiles go to the COG writer while chips still arrive; prediction + variance files.
 * - `streamed-nounc`: as `streamed` with `uncertainty: false` — the same output as `naive` (one file).
 *
 * Usage: `node --import tsx benchmarks/stitch.ts [--size 20000] [--chip 256] [--overlap 32] [--variants naive,stitcher,streamed,streamed-nounc]`
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { GeoSlice } from '../src/geo/slice.js';
import { blendProfile } from '../src/stitch/blend.js';
import { writeCog } from '../src/tiff/write/cog-writer.js';
import { createStitcher } from '../src/stitch/stitcher.js';

interface Result {
  variant: string;
  chips: number;
  accumulateS: number;
  writeS: number;
  peakRssMB: number;
  fileMB: number;
}

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '20000' },
    chip: { type: 'string', default: '256' },
    overlap: { type: 'string', default: '32' },
    variants: { type: 'string', default: 'naive,stitcher,streamed,streamed-nounc' },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});
const N = Number(args.size);
const CHIP = Number(args.chip);
const STRIDE = CHIP - Number(args.overlap);
const RES = 10;
const X0 = 500000;
const Y1 = 5000000;
const grid: GeoSlice = { bounds: [X0, Y1 - N * RES, X0 + N * RES, Y1], crs: 'EPSG:32633', resolution: [RES, RES] };

function starts(): number[] {
  const out: number[] = [];
  for (let s = 0; ; s += STRIDE) {
    if (s + CHIP >= N) return [...out, N - CHIP];
    out.push(s);
  }
}

/** A chip of a smooth field (a plane), so the output is checkable by eye in a viewer. */
function fillChip(a: Float32Array, px: number, py: number): void {
  for (let y = 0; y < CHIP; y++) {
    const row = (py + y) * 0.002;
    for (let x = 0; x < CHIP; x++) a[y * CHIP + x] = row + (px + x) * 0.001;
  }
}

const sliceAt = (px: number, py: number): GeoSlice => ({
  bounds: [X0 + px * RES, Y1 - (py + CHIP) * RES, X0 + (px + CHIP) * RES, Y1 - py * RES],
  crs: 'EPSG:32633',
  resolution: [RES, RES],
});

async function runVariant(variant: string, dir: string): Promise<Result> {
  const chip = new Float32Array(CHIP * CHIP);
  const xs = starts();
  let accumulate = 0;
  let chips = 0;
  const out = join(dir, `${variant}.tif`);
  let t: number;
  if (variant === 'naive') {
    const sum = new Float32Array(N * N);
    const wsum = new Float32Array(N * N);
    const prof = blendProfile('cosine', CHIP);
    for (const py of xs)
      for (const px of xs) {
        fillChip(chip, px, py);
        t = performance.now();
        for (let y = 0; y < CHIP; y++) {
          const base = (py + y) * N + px;
          const wy = prof[y];
          for (let x = 0; x < CHIP; x++) {
            const w = wy * prof[x];
            sum[base + x] += w * chip[y * CHIP + x];
            wsum[base + x] += w;
          }
        }
        accumulate += performance.now() - t;
        chips++;
      }
    t = performance.now();
    for (let i = 0; i < sum.length; i++) sum[i] = wsum[i] > 0 ? sum[i] / wsum[i] : NaN;
    await writeCog(
      out,
      {
        width: N,
        height: N,
        bands: 1,
        dtype: 'float32',
        data: [sum],
        crs: grid.crs,
        transform: [X0, RES, 0, Y1, 0, -RES],
        nodata: NaN,
      },
      { tileSize: 256 },
    );
    const writeS = (performance.now() - t) / 1000;
    return {
      variant,
      chips,
      accumulateS: accumulate / 1000,
      writeS,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      fileMB: statSync(out).size / 1e6,
    };
  }
  if (!['stitcher', 'streamed', 'streamed-nounc'].includes(variant)) throw new Error(`unknown variant ${variant}`);
  const streamed = variant.startsWith('streamed');
  const uncertainty = variant !== 'streamed-nounc';
  const st = createStitcher({
    grid,
    bands: 1,
    blend: 'cosine',
    values: 'regression',
    tileSize: 256,
    order: streamed ? 'rows' : 'any',
    scratchDir: dir,
    uncertainty,
  });
  let writeMs = 0;
  if (streamed) await st.open(out, {});
  for (const py of xs) {
    if (streamed) {
      t = performance.now();
      await st.flush();
      writeMs += performance.now() - t;
    }
    for (const px of xs) {
      fillChip(chip, px, py);
      t = performance.now();
      st.add(sliceAt(px, py), chip);
      accumulate += performance.now() - t;
      chips++;
    }
  }
  t = performance.now();
  const res = await st.write(out);
  writeMs += performance.now() - t;
  const spills = st.stats().spillWrites;
  st.close();
  const fileMB = (statSync(out).size + (res.uncertainty ? statSync(res.uncertainty).size : 0)) / 1e6;
  console.error(`${variant}: ${spills} tile spills to the scratch file`);
  return {
    variant,
    chips,
    accumulateS: accumulate / 1000,
    writeS: writeMs / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    fileMB,
  };
}

if (args.child) {
  const r = await runVariant(args.child, args.dir!);
  process.send!(r);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-bench-stitch-'));
  const results: Result[] = [];
  try {
    for (const v of args.variants!.split(',')) {
      const child = fork(
        fileURLToPath(import.meta.url),
        ['--size', String(N), '--chip', String(CHIP), '--overlap', String(CHIP - STRIDE), '--child', v, '--dir', dir],
        { execArgv: ['--import', 'tsx', '--max-old-space-size=8192'] },
      );
      const r = await new Promise<Result>((ok, fail) => {
        child.on('message', (m) => ok(m as Result));
        child.on('exit', (code) => fail(new Error(`variant ${v} exited with ${code}`)));
      });
      results.push(r);
      rmSync(join(dir, `${v}.tif`), { force: true });
      rmSync(join(dir, `${v}_uncertainty.tif`), { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const regionMP = (N * N) / 1e6;
  const chipMP = (r: Result) => (r.chips * CHIP * CHIP) / 1e6;
  console.log(
    `region ${N} x ${N} (${regionMP.toFixed(0)} MP), ${CHIP}-px chips, ${CHIP - STRIDE}-px overlap, 1 band float32, cosine blend`,
  );
  console.log(
    'variant          chips  accumulate s  chip MP/s  region MP/s   write s  written MP/s  peak RSS MB  files MB',
  );
  for (const r of results) {
    console.log(
      `${r.variant.padEnd(15)} ${String(r.chips).padStart(6)} ${r.accumulateS.toFixed(1).padStart(13)} ${(chipMP(r) / r.accumulateS).toFixed(1).padStart(10)} ${(regionMP / r.accumulateS).toFixed(1).padStart(12)} ${r.writeS.toFixed(1).padStart(9)} ${(regionMP / r.writeS).toFixed(1).padStart(13)} ${r.peakRssMB.toFixed(0).padStart(12)} ${r.fileMB.toFixed(0).padStart(9)}`,
    );
  }
  const base = results.find((r) => r.variant === 'naive');
  if (base) {
    for (const r of results.filter((x) => x !== base)) {
      console.log(
        `${r.variant} vs naive: accumulate ${(base.accumulateS / r.accumulateS).toFixed(2)}x speed, write ${(base.writeS / r.writeS).toFixed(2)}x speed, peak RSS ${(r.peakRssMB / base.peakRssMB).toFixed(2)}x`,
      );
    }
  }
}
