/**
 * Benchmark: seeded random 256x256 windows from a big DEFLATE+predictor uint16 COG (and a ZSTD
 * one), read by rasterio (/usr/bin/python3, one process, timed inside Python) and by geoslice's
 * raster reader (openRaster/readWindow) in this process: chips/s and the ratio. Rows: one reader
 * without and with a block cache of the same budget on both sides (GDAL_CACHEMAX 8 MB vs none, and
 * 1 GB vs a 1 GB BlockCache); one open per chip with and without the header cache (CogLayout);
 * HTTP on loopback (server in a child process; rasterio through /vsicurl/); and the high-level
 * loader when src/loaders/loader.ts exists. Each row is the median of interleaved rounds; the pixel
 * checksums of both sides (every round) are asserted equal before a row is printed.
 *
 *   npx tsx benchmarks/loader-vs-rasterio.ts [--size 10980] [--chips 400] [--concurrency 8] [--rounds 3]
 *
 * The test rasters are made once with gdal_translate and cached under .cache/bench/ (gitignored).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import seedrandom from 'seedrandom';
import { extractCogLayout, type CogLayout } from '../src/tiff/cog-layout.js';
import { createLoader } from '../src/loaders/loader.js';
import { openRaster, type RasterReader } from '../src/loaders/raster.js';
import { BlockCache } from '../src/sources/block-cache.js';
import {
  benchArgs,
  checksum,
  ensureBase,
  ensureCog,
  inFlight,
  interleaved,
  median,
  rasterioWindows,
  startRangeServer,
  type Win,
} from './lib/index.js';

const {
  size: SIZE,
  chips: N,
  concurrency: CONC,
  chip: CHIP,
  rounds: ROUNDS,
} = benchArgs({
  size: 10980,
  chips: 400,
  concurrency: 8,
  chip: 256,
  rounds: 3,
});
/** Block cache budget for both readers in the cached rows (GDAL_CACHEMAX and a BlockCache). */
const CACHE_MB = 1024;
/** Windows read before timing on both sides (the timed set includes them again). */
const PRE = 20;
const dir = resolve('.cache/bench');

function windows(): Win[] {
  const rng = seedrandom('geoslice-loader-bench');
  return Array.from({ length: N }, () => [Math.floor(rng() * (SIZE - CHIP)), Math.floor(rng() * (SIZE - CHIP))]);
}

/** chips/s and pixel checksum of one timed run. */
interface Timing {
  rate: number;
  check: number;
}

/** rasterio reading the windows in one Python process: one dataset for all, or one open per window. */
function rasterio(path: string, wins: Win[], mode: 'one' | 'per-chip', cacheMb: number): Timing {
  return rasterioWindows({
    path,
    pre: wins.slice(0, PRE),
    timed: wins,
    chip: CHIP,
    cacheMb,
    perChip: mode === 'per-chip',
  });
}

/** Median rates of `ROUNDS` interleaved runs of ours and rasterio's, after asserting equal pixel checksums. */
async function paired(label: string, ours: () => Promise<Timing>, theirs: () => Timing): Promise<[number, number]> {
  const got = await interleaved(ROUNDS, [
    ['ours', ours],
    ['rasterio', async () => theirs()],
  ]);
  const all = [...got.values()].flat();
  if (new Set(all.map((t) => t.check)).size !== 1)
    throw new Error(`${label}: pixel checksums differ: ${all.map((t) => t.check).join(', ')}`);
  const rate = (name: string) => median((got.get(name) ?? []).map((t) => t.rate));
  return [rate('ours'), rate('rasterio')];
}

/** Reads all windows (band 1) with `CONC` in flight after `PRE` untimed ones; chips/s and checksum. */
async function timed(wins: Win[], readOne: (x: number, y: number) => Promise<ArrayLike<number>>): Promise<Timing> {
  await inFlight(wins.slice(0, PRE), CONC, ([x, y]) => readOne(x, y));
  const { rate, out } = await inFlight(wins, CONC, ([x, y]) => readOne(x, y));
  return { rate, check: checksum(out) };
}

async function withReader<T>(
  href: string,
  blockCache: BlockCache | undefined,
  f: (r: RasterReader) => Promise<T>,
): Promise<T> {
  const r = await openRaster(href, { blockCache });
  try {
    return await f(r);
  } finally {
    await r.close();
  }
}

async function main(): Promise<void> {
  const base = ensureBase(dir, SIZE, 7);
  const deflate = ensureCog(dir, base, 'deflate', SIZE, ['COMPRESS=DEFLATE', 'PREDICTOR=YES']);
  const zstd = ensureCog(dir, base, 'zstd', SIZE, ['COMPRESS=ZSTD', 'PREDICTOR=YES']);
  const wins = windows();
  for (const f of [deflate, zstd]) readFileSync(f); // warm the page cache for both readers
  console.log(
    `${N} seeded random ${CHIP}x${CHIP} windows, ${SIZE}x${SIZE} uint16 COGs with 512 tiles; ${availableParallelism()} cores; ` +
      `ours: ${CONC} windows in flight; medians of ${ROUNDS} interleaved rounds`,
  );
  const rows: { label: string; ours: number; rasterio: number }[] = [];
  const report = (label: string, [ours, base]: [number, number]) => {
    rows.push({ label, ours, rasterio: base });
    console.log(
      `${label.padEnd(58)} ours ${ours.toFixed(1).padStart(7)} chips/s   rasterio ${base.toFixed(1).padStart(7)} chips/s   ${(ours / base).toFixed(2)}x`,
    );
  };
  const server = await startRangeServer(dir);
  try {
    for (const [name, path] of [
      ['deflate+pred2', deflate],
      ['zstd+pred2', zstd],
    ] as const) {
      // A fresh cache per round: rasterio starts each round in a new process with an empty cache.
      const oneReader = (cacheMb: number) => () =>
        withReader(path, cacheMb > 0 ? new BlockCache(cacheMb << 20) : undefined, (r) =>
          timed(wins, (x, y) => r.readWindow(0, x, y, CHIP, CHIP, [0]).then((w) => w.data[0] as ArrayLike<number>)),
        );
      report(
        `${name}, local, one reader, no block cache`,
        await paired(`${name}, local, one reader, no block cache`, oneReader(0), () => rasterio(path, wins, 'one', 8)),
      );
      report(
        `${name}, local, one reader, ${CACHE_MB} MB block cache`,
        await paired(`${name}, local, one reader, ${CACHE_MB} MB block cache`, oneReader(CACHE_MB), () =>
          rasterio(path, wins, 'one', CACHE_MB),
        ),
      );
      const layout = JSON.parse(JSON.stringify(await extractCogLayout(path))) as CogLayout;
      const perChip = (withLayout: boolean) => () =>
        timed(wins, async (x, y) => {
          const r = await openRaster(path, withLayout ? { layout } : {});
          const w = await r.readWindow(0, x, y, CHIP, CHIP, [0]);
          await r.close();
          return w.data[0] as ArrayLike<number>;
        });
      report(
        `${name}, local, open per chip, header cache`,
        await paired(`${name}, local, open per chip, header cache`, perChip(true), () =>
          rasterio(path, wins, 'per-chip', 8),
        ),
      );
      report(
        `${name}, local, open per chip, no header cache`,
        await paired(`${name}, local, open per chip, no header cache`, perChip(false), () =>
          rasterio(path, wins, 'per-chip', 8),
        ),
      );
      const url = server.url + path.slice(dir.length + 1);
      const http = `${name}, HTTP loopback, one reader, no block cache`;
      report(
        http,
        await paired(
          http,
          () =>
            withReader(url, undefined, (r) =>
              timed(wins, (x, y) => r.readWindow(0, x, y, CHIP, CHIP, [0]).then((w) => w.data[0] as ArrayLike<number>)),
            ),
          () => rasterio(url, wins, 'one', 8),
        ),
      );
      {
        const info = await withReader(path, undefined, async (r) => r.info);
        const [x0, res, , y0] = info.transform;
        const slices = wins.map(([x, y]) => ({
          bounds: [x0 + x * res, y0 - (y + CHIP) * res, x0 + (x + CHIP) * res, y0 - y * res] as [
            number,
            number,
            number,
            number,
          ],
          crs: info.crs!,
          resolution: [res, res] as [number, number],
        }));
        const viaLoader = async (): Promise<Timing> => {
          const loader = createLoader({ sources: [path], concurrency: CONC, cacheBytes: 0 });
          await loader.load(slices[0]);
          const out: ArrayLike<number>[] = [];
          const t = performance.now();
          for await (const chip of loader.chips(slices)) out.push(chip.data);
          const rate = N / ((performance.now() - t) / 1000);
          await loader.close();
          return { rate, check: checksum(out) };
        };
        const label = `${name}, high-level loader (createLoader), no block cache`;
        report(label, await paired(label, viaLoader, () => rasterio(path, wins, 'one', 8)));
      }
    }
  } finally {
    server.stop();
  }
  writeFileSync(
    `${dir}/last-results.json`,
    JSON.stringify({ size: SIZE, chips: N, concurrency: CONC, rounds: ROUNDS, rows }, null, 1),
  );
}

await main();
