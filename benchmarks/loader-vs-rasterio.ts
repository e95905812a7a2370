/**
 * Benchmark: seeded random 256x256 windows from a big DEFLATE+predictor uint16 COG (and a ZSTD
 * one), read by rasterio (/usr/bin/python3, one process, timed inside Python) and by geoslice's
 * raster reader (openRaster/readWindow) in this process: chips/s and the ratio. Rows: one reader
 * without and with a block cache of the same budget on both sides (GDAL_CACHEMAX 8 MB vs none, and
 * 1 GB vs a 1 GB BlockCache); one open per chip with and without the header cache (CogLayout);
 * HTTP on loopback (server in a child process; rasterio through /vsicurl/); and the high-level
 * loader when src/loaders/loader.ts exists. Each row is the median of interleaved rounds.
 *
 *   npx tsx benchmarks/loader-vs-rasterio.ts [--size 10980] [--chips 400] [--concurrency 8] [--rounds 3]
 *
 * The test rasters are made once with gdal_translate and cached under .cache/bench/ (gitignored).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { extractCogLayout, type CogLayout } from '../src/tiff/cog-layout.js';
import { openRaster, type RasterReader } from '../src/loaders/raster.js';
import { BlockCache } from '../src/sources/block-cache.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '10980' },
    chips: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '8' },
    chip: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
  },
});
const SIZE = Number(values.size);
const N = Number(values.chips);
const CONC = Number(values.concurrency);
const CHIP = Number(values.chip);
const ROUNDS = Number(values.rounds);
/** Block cache budget for both readers in the cached rows (GDAL_CACHEMAX and a BlockCache). */
const CACHE_MB = 1024;
const PY = '/usr/bin/python3';
const dir = resolve('.cache/bench');
mkdirSync(dir, { recursive: true });

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A synthetic reflectance-like scene (smooth fields + noise), written once as an uncompressed tiled GTiff. */
function ensureBase(): string {
  const base = `${dir}/base_${SIZE}.tif`;
  if (existsSync(base)) return base;
  console.error(`making ${base} ...`);
  const py = `
import numpy as np, rasterio
from rasterio.transform import Affine
n = ${SIZE}; rng = np.random.default_rng(7)
prof = dict(driver='GTiff', width=n, height=n, count=1, dtype='uint16', crs='EPSG:32633', tiled=True, blockxsize=512, blockysize=512,
            transform=Affine(10, 0, 600000, 0, -10, 5000000), BIGTIFF='IF_SAFER')
with rasterio.open('${base}.tmp', 'w', **prof) as dst:
    x = np.arange(n)
    for r0 in range(0, n, 1024):
        y = np.arange(r0, min(n, r0 + 1024))[:, None]
        f = 3000 + 1500 * np.sin(x / 170.0) * np.cos(y / 230.0) + 800 * np.sin((x + 2 * y) / 37.0) + rng.normal(0, 40, (len(y), n))
        dst.write(np.clip(f, 0, 10000).astype('uint16')[None], window=((r0, r0 + len(y)), (0, n)))
`;
  run(PY, ['-c', py]);
  renameSync(`${base}.tmp`, base);
  return base;
}

function ensureCog(name: string, opts: string[]): string {
  const out = `${dir}/${name}_${SIZE}.tif`;
  if (existsSync(out)) return out;
  const base = ensureBase();
  console.error(`making ${out} ...`);
  run('gdal_translate', [
    '-q',
    '-of',
    'COG',
    '-co',
    'BLOCKSIZE=512',
    '-co',
    'OVERVIEWS=NONE',
    '-co',
    'NUM_THREADS=ALL_CPUS',
    ...opts,
    base,
    `${out}.tmp`,
  ]);
  renameSync(`${out}.tmp`, out);
  return out;
}

function windows(): [number, number][] {
  const rng = seedrandom('geoslice-loader-bench');
  return Array.from({ length: N }, () => [Math.floor(rng() * (SIZE - CHIP)), Math.floor(rng() * (SIZE - CHIP))]);
}

/**
 * rasterio reading the windows in one Python process, timed inside Python. `mode`: one dataset for
 * all windows, or one open per window. `cacheMb` is GDAL_CACHEMAX (its block cache).
 */
function rasterio(path: string, wins: [number, number][], mode: 'one' | 'per-chip', cacheMb: number): number {
  const py = `
import json, sys, time, rasterio
from rasterio.windows import Window
wins = json.load(sys.stdin); n = ${CHIP}; path = ${JSON.stringify(path)}
with rasterio.Env(GDAL_CACHEMAX=${cacheMb}, GDAL_DISABLE_READDIR_ON_OPEN='EMPTY_DIR'):
    s = 0
    if ${JSON.stringify(mode)} == 'one':
        with rasterio.open(path) as src:
            for (x, y) in wins[:20]: src.read(1, window=Window(x, y, n, n))
            t = time.perf_counter()
            for (x, y) in wins: s += int(src.read(1, window=Window(x, y, n, n))[0, 0])
            dt = time.perf_counter() - t
    else:
        for (x, y) in wins[:20]:
            with rasterio.open(path) as src: src.read(1, window=Window(x, y, n, n))
        t = time.perf_counter()
        for (x, y) in wins:
            with rasterio.open(path) as src: s += int(src.read(1, window=Window(x, y, n, n))[0, 0])
        dt = time.perf_counter() - t
print(json.dumps({'seconds': dt, 'check': s}))
`;
  const r = JSON.parse(run(PY, ['-c', py], JSON.stringify(wins))) as { seconds: number };
  return wins.length / r.seconds;
}

/** Median of `ROUNDS` runs of each of `a` and `b`, interleaved so that machine load hits both alike. */
async function paired(a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ra.push(await a());
    rb.push(await b());
  }
  const med = (v: number[]) => v.sort((x, y) => x - y)[Math.floor(v.length / 2)];
  return [med(ra), med(rb)];
}

/** Reads all windows with `CONC` in flight; returns chips/s. */
async function timed(wins: [number, number][], readOne: (x: number, y: number) => Promise<unknown>): Promise<number> {
  await Promise.all(wins.slice(0, 20).map(([x, y]) => readOne(x, y)));
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < wins.length) {
        const [x, y] = wins[next++];
        await readOne(x, y);
      }
    }),
  );
  return wins.length / ((performance.now() - t) / 1000);
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

/** Serves `dir` with byte ranges from a child process on 127.0.0.1; resolves to its base URL. */
async function startServer(): Promise<{ url: string; stop: () => void }> {
  const code = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = ${JSON.stringify(dir)};
http.createServer((req, res) => {
  const file = path.join(root, decodeURIComponent(req.url.slice(1)));
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404); res.end(); return; }
    const m = /bytes=(\\d+)-(\\d+)/.exec(req.headers.range || '');
    const start = m ? Number(m[1]) : 0, end = m ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
    res.writeHead(m ? 206 : 200, { 'Content-Length': end - start + 1, 'Content-Range': 'bytes ' + start + '-' + end + '/' + st.size, 'Accept-Ranges': 'bytes' });
    fs.createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((res) => child.stdout!.once('data', (d: Buffer) => res(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const deflate = ensureCog('deflate', ['-co', 'COMPRESS=DEFLATE', '-co', 'PREDICTOR=YES']);
  const zstd = ensureCog('zstd', ['-co', 'COMPRESS=ZSTD', '-co', 'PREDICTOR=YES']);
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
  const server = await startServer();
  try {
    for (const [name, path] of [
      ['deflate+pred2', deflate],
      ['zstd+pred2', zstd],
    ] as const) {
      // A fresh cache per round: rasterio starts each round in a new process with an empty cache.
      const oneReader = (cacheMb: number) => () =>
        withReader(path, cacheMb > 0 ? new BlockCache(cacheMb << 20) : undefined, (r) =>
          timed(wins, (x, y) => r.readWindow(0, x, y, CHIP, CHIP, [0])),
        );
      report(
        `${name}, local, one reader, no block cache`,
        await paired(oneReader(0), async () => rasterio(path, wins, 'one', 8)),
      );
      report(
        `${name}, local, one reader, ${CACHE_MB} MB block cache`,
        await paired(oneReader(CACHE_MB), async () => rasterio(path, wins, 'one', CACHE_MB)),
      );
      const layout = JSON.parse(JSON.stringify(await extractCogLayout(path))) as CogLayout;
      const perChip = (withLayout: boolean) => () =>
        timed(wins, async (x, y) => {
          const r = await openRaster(path, withLayout ? { layout } : {});
          await r.readWindow(0, x, y, CHIP, CHIP, [0]);
          await r.close();
        });
      report(
        `${name}, local, open per chip, header cache`,
        await paired(perChip(true), async () => rasterio(path, wins, 'per-chip', 8)),
      );
      report(
        `${name}, local, open per chip, no header cache`,
        await paired(perChip(false), async () => rasterio(path, wins, 'per-chip', 8)),
      );
      const url = server.url + path.slice(dir.length + 1);
      report(
        `${name}, HTTP loopback, one reader, no block cache`,
        await paired(
          () => withReader(url, undefined, (r) => timed(wins, (x, y) => r.readWindow(0, x, y, CHIP, CHIP, [0]))),
          async () => rasterio(url, wins, 'one', 8),
        ),
      );
      if (existsSync(resolve('src/loaders/loader.ts'))) {
        const { createLoader } = await import('../src/loaders/loader.js');
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
        const viaLoader = async () => {
          const loader = createLoader({ sources: [path], concurrency: CONC, cacheBytes: 0 });
          await loader.load(slices[0]);
          const t = performance.now();
          for await (const chip of loader.chips(slices)) void chip;
          const rate = N / ((performance.now() - t) / 1000);
          await loader.close();
          return rate;
        };
        report(
          `${name}, high-level loader (createLoader), no block cache`,
          await paired(viaLoader, async () => rasterio(path, wins, 'one', 8)),
        );
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
