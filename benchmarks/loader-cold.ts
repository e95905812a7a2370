/**
 * Benchmark of the path a user runs: 256x256 windows of a big uint16 COG read by
 *
 * - `raw reader`:  `openRaster(href).readWindow(...)`, one reader per round;
 * - `createLoader`: a loader over a catalog built with `buildRasterCatalog(..., { cogHeaders: true })`,
 *   a fresh loader per round, `chips()` with `--concurrency` slices in flight, `dtype: 'uint16'`;
 * - `loadSlice`:    standalone `loadSlice([href], slice)` calls, `--concurrency` in flight;
 * - `rasterio`:     /usr/bin/python3 with rasterio, one dataset (a `WarpedVRT` for warped windows),
 *   timed inside Python.
 *
 * Cases: cold single-tile windows (each window inside one 512x512 tile no other window touches, so
 * no decoded-tile cache can help), multi-tile windows (each across a tile corner), a warm cache (the
 * windows fall in a 2048x2048 area read once before timing; 256 MB caches on both sides), warped
 * windows (UTM 33N -> EPSG:4326 and -> UTM 34N, nearest), ZSTD and LZW COGs (cold single-tile), and
 * HTTP on loopback (cold single-tile DEFLATE; rasterio through /vsicurl/). geoslice's readers hand
 * each chip to a consumer that copies its pixels into one array allocated before timing and drops
 * the chip (`PixelSink`), as a training loop copies chips into a batch; rasterio's arrays are kept in
 * a Python list (free under reference counting). Each case runs `--rounds`
 * interleaved rounds of every reader; figures are medians. Before a case's times are printed, the
 * pixel checksums of all readers are asserted equal (warped windows: geoslice's readers equal each
 * other and agree with GDAL's warper on >= 99% of pixels, the conformance tests' criterion, since
 * GDAL's approximate transformer moves some nearest-neighbour picks by one pixel).
 *
 * Loader rows also show the work done (process-wide `readCounters()` of `geoslice/tiff`: MB of
 * blocks read, blocks decoded, headers parsed), the main thread's idle share
 * (`performance.eventLoopUtilization`) and the CPU used by the whole process as a share of all cores.
 *
 *   npx tsx benchmarks/loader-cold.ts [--size 10980] [--chips 300] [--concurrency 8] [--rounds 3] [--only 'ZSTD|warped'] [--profile]
 *                                     [--summary goals.json] [--tsx]
 *
 * geoslice runs as users run the package: this file and the library are compiled to JavaScript
 * under `.cache/` first (a few seconds) and run on plain node; `--tsx` runs them under tsx instead,
 * whose transformed code was 5-10% slower here.
 *
 * (`--only` runs the cases whose name contains one of the `|`-separated strings. `--profile` adds one
 * untimed `createLoader` run per case under the V8 CPU profiler and prints the main thread's idle,
 * GC, main-thread file I/O and postMessage shares.)
 *
 * The test rasters are made with numpy + gdal_translate on the first run and cached under
 * .cache/bench-cold/ (gitignored).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';
import { buildRasterCatalog } from '../src/catalog/builders/build-raster-catalog.js';
import type { GeoCatalog } from '../src/catalog/types.js';
import { transformBBox, transformPoint } from '../src/geo/transform.js';
import type { GeoSlice } from '../src/geo/slice.js';
import { loadSlice } from '../src/loaders/load-slice.js';
import { createLoader } from '../src/loaders/loader.js';
import { openRaster, type RasterInfo } from '../src/loaders/raster.js';
import { BlockCache } from '../src/sources/block-cache.js';
import {
  agreement,
  benchArgs,
  compileForNode,
  describeRuntime,
  checksum,
  describeLoaderSettings,
  describeProfile,
  describeWork,
  ensureBase,
  ensureCog,
  type Goal,
  type Grid,
  inFlight,
  interleaved,
  measured,
  median,
  PixelSink,
  profiled,
  type ProfileShares,
  rasterioVersion,
  rasterioWindows,
  reportGoals,
  RUNTIME,
  startRangeServer,
  type Win,
} from './lib/index.js';

const values = benchArgs({ size: 10980, chips: 300, concurrency: 8, rounds: 3 }, { only: '', summary: '' }, [
  'profile',
  'tsx',
]);
const SIZE = values.size;
const CONC = values.concurrency;
const ROUNDS = values.rounds;
const CHIP = 256;
const TILE = 512;
/** Windows read before timing (from tiles outside the timed set): worker start-up, catalog index. */
const WARMUP = 8;
const CACHE_MB = 256;
const CORES = availableParallelism();
const dir = resolve('.cache/bench-cold');
/** This run's catalogs: the fixture folder is only read, so concurrent runs never swap each other's catalog. */
const scratch = mkdtempSync(join(tmpdir(), 'geoslice-bench-cold-'));

/** Full tiles that are not on the border ring, shuffled with a fixed seed. */
function interiorTiles(seed: string): Win[] {
  const n = Math.floor(SIZE / TILE);
  const tiles: Win[] = [];
  for (let ty = 1; ty < n - 1; ty++) for (let tx = 1; tx < n - 1; tx++) tiles.push([tx, ty]);
  const rng = seedrandom(seed);
  for (let i = tiles.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [tiles[i], tiles[j]] = [tiles[j], tiles[i]];
  }
  return tiles;
}

const N = Math.min(Number(values.chips), interiorTiles('n').length - WARMUP);

/** One window inside each of `WARMUP + N` distinct tiles: no two windows share a tile. */
function coldWindows(): Win[] {
  const rng = seedrandom('cold');
  return interiorTiles('cold')
    .slice(0, WARMUP + N)
    .map(([tx, ty]) => [
      tx * TILE + Math.floor(rng() * (TILE - CHIP + 1)),
      ty * TILE + Math.floor(rng() * (TILE - CHIP + 1)),
    ]);
}

/** Windows across distinct tile corners (each touches 4 tiles). */
function cornerWindows(): Win[] {
  const rng = seedrandom('corner');
  const jitter = () => Math.floor((rng() - 0.5) * (CHIP / 2));
  return interiorTiles('corner')
    .slice(0, WARMUP + N)
    .map(([tx, ty]) => [tx * TILE - CHIP / 2 + jitter(), ty * TILE - CHIP / 2 + jitter()]);
}

/** Random windows inside one 2048x2048 area (16 tiles): after one pass every tile is cached. */
function warmWindows(): Win[] {
  const rng = seedrandom('warm');
  const o = Math.max(0, Math.floor((SIZE - 2048) / 2 / TILE) * TILE);
  return Array.from({ length: WARMUP + N }, () => [
    o + Math.floor(rng() * (2048 - CHIP)),
    o + Math.floor(rng() * (2048 - CHIP)),
  ]);
}

function nativeGrid(info: RasterInfo): Grid {
  return { crs: info.crs as string, transform: [...info.transform], width: info.width, height: info.height };
}

/** A grid in `crs` with pixel size `res` covering the raster, origin on a multiple of the pixel size. */
function warpGrid(info: RasterInfo, crs: string, res: [number, number]): Grid {
  const [x0, rx, , y0, , ry] = info.transform;
  const b = transformBBox([x0, y0 + ry * info.height, x0 + rx * info.width, y0], info.crs as string, crs);
  const X0 = Math.floor(b[0] / res[0]) * res[0];
  const Y0 = Math.ceil(b[3] / res[1]) * res[1];
  return {
    crs,
    transform: [X0, res[0], 0, Y0, 0, -res[1]],
    width: Math.ceil((b[2] - X0) / res[0]),
    height: Math.ceil((Y0 - b[1]) / res[1]),
  };
}

/** Windows of `grid` centred on the centres of the cold windows (so each still falls in its own tile). */
function warpedWindows(info: RasterInfo, grid: Grid): Win[] {
  const [x0, rx, , y0, , ry] = info.transform;
  const [X0, RX, , Y0, , RY] = grid.transform;
  return coldWindows().map(([x, y]) => {
    const [lon, lat] = transformPoint(info.crs as string, grid.crs, [
      x0 + (x + CHIP / 2) * rx,
      y0 + (y + CHIP / 2) * ry,
    ]);
    return [Math.round((lon - X0) / RX) - CHIP / 2, Math.round((lat - Y0) / RY) - CHIP / 2];
  });
}

function sliceOf(grid: Grid, [x, y]: Win): GeoSlice {
  const [X0, RX, , Y0, , RY] = grid.transform;
  return {
    bounds: [X0 + x * RX, Y0 + (y + CHIP) * RY, X0 + (x + CHIP) * RX, Y0 + y * RY],
    crs: grid.crs,
    resolution: [RX, -RY],
  };
}

interface Timing {
  rate: number;
  check: number;
  /** Pixels of all windows in order (kept only where agreement with rasterio is measured). */
  pixels?: ArrayLike<number>[];
  note?: string;
  /** CPU milliseconds of the whole process per chip (loader rows). */
  cpuMsPerChip?: number;
}

interface Case {
  name: string;
  href: string;
  catalog: GeoCatalog;
  grid: Grid;
  wins: Win[];
  warped: boolean;
  warm: boolean;
}

async function rawReader(c: Case): Promise<Timing> {
  const reader = await openRaster(c.href, c.warm ? { blockCache: new BlockCache(CACHE_MB << 20) } : {});
  try {
    const sink = new PixelSink(N, CHIP * CHIP);
    const read = ([x, y]: Win, i: number) =>
      reader.readWindow(0, x, y, CHIP, CHIP, [0]).then((w) => sink.put(i % N, w.data[0] as ArrayLike<number>));
    await inFlight(c.wins.slice(0, c.warm ? c.wins.length : WARMUP), CONC, read);
    const { value, work } = await measured(() => inFlight(c.wins.slice(WARMUP), CONC, read));
    return { rate: value.rate, check: checksum(sink.arrays()), note: describeWork(work, N) };
  } finally {
    await reader.close();
  }
}

/** The settings of the last loader made (default options but `concurrency`, and the warm case's cache). */
let settings = '';

/** A fresh loader reads the case's windows; with `profile`, the timed part runs under the CPU profiler. */
async function viaLoader(c: Case, profile = false): Promise<Timing & { shares?: ProfileShares }> {
  const loader = createLoader({
    catalog: c.catalog,
    bands: ['image'],
    dtype: 'uint16',
    concurrency: CONC,
    ...(c.warm ? { cacheBytes: CACHE_MB << 20 } : {}),
  });
  if (!c.warm) settings = describeLoaderSettings(loader, CONC);
  try {
    const slices = c.wins.map((w) => sliceOf(c.grid, w));
    for await (const chip of loader.chips(slices.slice(0, c.warm ? slices.length : WARMUP))) void chip;
    const timed = async () => {
      const sink = new PixelSink(N, CHIP * CHIP);
      let n = 0;
      const t = performance.now();
      for await (const chip of loader.chips(slices.slice(WARMUP))) sink.put(n++, chip.data);
      return { rate: n / ((performance.now() - t) / 1000), n, out: sink.arrays() };
    };
    const {
      value: { value, shares },
      work,
    } = await measured(
      (): Promise<{ value: Awaited<ReturnType<typeof timed>>; shares?: ProfileShares }> =>
        profile ? profiled(timed) : timed().then((v) => ({ value: v })),
    );
    if (value.n !== N) throw new Error(`${c.name}: the loader gave ${value.n} of ${N} chips`);
    return {
      rate: value.rate,
      check: checksum(value.out),
      pixels: c.warped ? value.out : undefined,
      note: describeWork(work, value.n),
      cpuMsPerChip: work.cpuMs / value.n,
      shares,
    };
  } finally {
    await loader.close();
  }
}

let loadSliceRuns = 0;

async function viaLoadSlice(c: Case): Promise<Timing> {
  const slices = c.wins.map((w) => sliceOf(c.grid, w));
  // Standalone calls share a process-wide block cache that outlives a round. Cold cases start each
  // round cold, as the other readers do: a local file is touched (the shared readers then drop it
  // and the cache), an HTTP file gets a new query string (other cache keys; the server ignores it).
  let href = c.href;
  if (!c.warm && href.startsWith('http')) href = `${href}?round=${loadSliceRuns++}`;
  else if (!c.warm) utimesSync(href, new Date(), new Date());
  const sink = new PixelSink(N, CHIP * CHIP);
  const read = (s: GeoSlice, i: number) =>
    loadSlice([href], s, { bands: [1], dtype: 'uint16' }).then((chip) => sink.put(i % N, chip.data));
  await inFlight(slices.slice(0, c.warm ? slices.length : WARMUP), CONC, read);
  const { value, work } = await measured(() => inFlight(slices.slice(WARMUP), CONC, read));
  return { rate: value.rate, check: checksum(sink.arrays()), note: describeWork(work) };
}

const gdalPath = (href: string) => (href.startsWith('http') ? `/vsicurl/${href}` : href);

const results = new Map<string, Map<string, number>>();

async function runCase(c: Case): Promise<void> {
  /** rasterio over the timed windows of this case (`pixels`: keep them; `tolerance` of the WarpedVRT). */
  const viaRasterio = (pre: Win[], pixels: boolean, tolerance?: number) =>
    rasterioWindows({
      path: gdalPath(c.href),
      pre,
      timed: c.wins.slice(WARMUP),
      chip: CHIP,
      cacheMb: CACHE_MB,
      vrt: c.warped ? c.grid : null,
      tolerance,
      pixels,
    });
  const readers: [string, () => Promise<Timing>][] = [
    ['rasterio', async () => viaRasterio(c.warm ? c.wins : c.wins.slice(0, WARMUP), false)],
    ...(c.warped ? [] : ([['raw reader', () => rawReader(c)]] as [string, () => Promise<Timing>][])),
    ['createLoader', () => viaLoader(c)],
    ['loadSlice', () => viaLoadSlice(c)],
  ];
  const got = await interleaved(ROUNDS, readers);
  // checksums first: every round of every reader
  const ours = [...got.entries()].filter(([n]) => n !== 'rasterio').flatMap(([, t]) => t.map((x) => x.check));
  const theirs = got.get('rasterio')!.map((x) => x.check);
  if (new Set(ours).size !== 1)
    throw new Error(`${c.name}: geoslice readers disagree: checksums ${[...new Set(ours)].join(', ')}`);
  let pixelsNote = `pixel checksums equal (${ours[0]})`;
  if (c.warped) {
    const mine = got.get('createLoader')![0].pixels!;
    const exact = agreement(mine, viaRasterio([], true, 1e-6).pixels!);
    const approx = agreement(mine, viaRasterio([], true).pixels!);
    if (exact < 0.99)
      throw new Error(
        `${c.name}: only ${(100 * exact).toFixed(2)}% of pixels equal rasterio's WarpedVRT (tolerance 1e-6)`,
      );
    pixelsNote =
      `geoslice checksums equal; pixels equal to rasterio WarpedVRT nearest: ${(100 * exact).toFixed(3)}% with near-exact ` +
      `transforms (tolerance 1e-6 px), ${(100 * approx).toFixed(3)}% with the default tolerance 0.125 that is timed`;
  } else if (new Set(theirs).size !== 1 || theirs[0] !== ours[0]) {
    throw new Error(`${c.name}: checksums differ: geoslice ${ours[0]}, rasterio ${theirs.join(', ')}`);
  }
  const base = median(got.get('rasterio')!.map((t) => t.rate));
  console.log(`\n${c.name}  [${pixelsNote}]`);
  const row = new Map<string, number>();
  for (const [name, ts] of got) {
    const rate = median(ts.map((t) => t.rate));
    row.set(name, rate);
    if (name === 'createLoader') row.set('createLoader CPU ms per chip', median(ts.map((t) => t.cpuMsPerChip ?? 0)));
    // the work of the round with the median rate
    const mid = [...ts].sort((a, b) => a.rate - b.rate)[Math.floor(ts.length / 2)];
    const notes = name === 'createLoader' || name === 'raw reader' ? `   ${mid.note}` : '';
    console.log(
      `  ${name.padEnd(13)} ${rate.toFixed(0).padStart(6)} chips/s  ${(rate / base).toFixed(2)}x rasterio${notes}`,
    );
  }
  results.set(c.name, row);
  if (values.profile) {
    const { shares } = await viaLoader(c, true);
    if (shares) console.log(`  createLoader  ${describeProfile(shares)} (one more run, not in the figures above)`);
  }
}

async function catalogOf(name: string, href: string): Promise<GeoCatalog> {
  const out = join(scratch, `catalog-${name}.parquet`);
  const { catalog } = await buildRasterCatalog([href], { out, cogHeaders: true, workers: 0, progress: false });
  return catalog;
}

const goal = (label: string, value: number, target: number): Goal => ({ label, value, target, direction: '>=' });

/** A 512-tiled COG with predictor 2 of the shared base scene (numpy seed 11). */
const cog = (name: string, compress: string) =>
  ensureCog(dir, ensureBase(dir, SIZE, 11), name, SIZE, [`COMPRESS=${compress}`, 'PREDICTOR=YES']);

async function main(): Promise<void> {
  const started = performance.now();
  const files = {
    deflate: cog('deflate', 'DEFLATE'),
    zstd: cog('zstd', 'ZSTD'),
    lzw: cog('lzw', 'LZW'),
  };
  for (const f of Object.values(files)) readFileSync(f); // page cache warm for every reader alike
  const info = await openRaster(files.deflate).then(async (r) => {
    await r.close();
    return r.info;
  });
  const native = nativeGrid(info);
  const wgs84 = warpGrid(info, 'EPSG:4326', [0.000127, 0.00009]);
  const utm34 = warpGrid(info, 'EPSG:32634', [10, 10]);
  const catalogs = {
    deflate: await catalogOf('deflate', files.deflate),
    zstd: await catalogOf('zstd', files.zstd),
    lzw: await catalogOf('lzw', files.lzw),
  };
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `loader-cold: ${N} timed 256x256 windows per run, ${SIZE}x${SIZE} uint16 COGs (512 tiles, predictor 2, no overviews); ` +
      `${CORES} cores, load average ${load}; geoslice (${describeRuntime()}): ${CONC} windows in flight, dtype uint16; rasterio ${rasterioVersion()} (GDAL), one dataset; ` +
      `medians of ${ROUNDS} interleaved rounds; ${WARMUP} untimed warm-up windows from other tiles per run`,
  );
  const server = await startRangeServer(dir);
  try {
    const cases: Case[] = [
      {
        name: 'cold single-tile windows, DEFLATE',
        href: files.deflate,
        catalog: catalogs.deflate,
        grid: native,
        wins: coldWindows(),
        warped: false,
        warm: false,
      },
      {
        name: 'multi-tile windows (2x2 tiles), DEFLATE',
        href: files.deflate,
        catalog: catalogs.deflate,
        grid: native,
        wins: cornerWindows(),
        warped: false,
        warm: false,
      },
      {
        name: `warm cache (${CACHE_MB} MB, windows in 2048x2048), DEFLATE`,
        href: files.deflate,
        catalog: catalogs.deflate,
        grid: native,
        wins: warmWindows(),
        warped: false,
        warm: true,
      },
      {
        name: 'warped UTM 33N -> EPSG:4326, cold, DEFLATE',
        href: files.deflate,
        catalog: catalogs.deflate,
        grid: wgs84,
        wins: warpedWindows(info, wgs84),
        warped: true,
        warm: false,
      },
      {
        name: 'warped UTM 33N -> UTM 34N, cold, DEFLATE',
        href: files.deflate,
        catalog: catalogs.deflate,
        grid: utm34,
        wins: warpedWindows(info, utm34),
        warped: true,
        warm: false,
      },
      {
        name: 'cold single-tile windows, ZSTD',
        href: files.zstd,
        catalog: catalogs.zstd,
        grid: native,
        wins: coldWindows(),
        warped: false,
        warm: false,
      },
      {
        name: 'cold single-tile windows, LZW',
        href: files.lzw,
        catalog: catalogs.lzw,
        grid: native,
        wins: coldWindows(),
        warped: false,
        warm: false,
      },
    ];
    const url = server.url + files.deflate.slice(dir.length + 1);
    cases.push({
      name: 'HTTP loopback, cold single-tile windows, DEFLATE',
      href: url,
      catalog: await catalogOf('http', url),
      grid: native,
      wins: coldWindows(),
      warped: false,
      warm: false,
    });
    const only = values.only ? values.only.split('|') : null;
    for (const c of cases) if (!only || only.some((o) => c.name.includes(o))) await runCase(c);
  } finally {
    server.stop();
  }
  const r = (c: string, who: string) => results.get(c)?.get(who) ?? Number.NaN;
  const cold = 'cold single-tile windows, DEFLATE';
  const zstd = 'cold single-tile windows, ZSTD';
  const goals = [
    goal('createLoader / rasterio, cold single-tile DEFLATE', r(cold, 'createLoader') / r(cold, 'rasterio'), 1.5),
    goal('createLoader / raw reader, cold single-tile DEFLATE', r(cold, 'createLoader') / r(cold, 'raw reader'), 0.95),
    goal('createLoader / rasterio, ZSTD', r(zstd, 'createLoader') / r(zstd, 'rasterio'), 1.2),
    goal('loadSlice / createLoader, ZSTD', r(zstd, 'loadSlice') / r(zstd, 'createLoader'), 0.9),
    ...[...results.keys()]
      .filter((k) => k.startsWith('warped'))
      .map((w) => goal(`createLoader / rasterio WarpedVRT, ${w}`, r(w, 'createLoader') / r(w, 'rasterio'), 1.2)),
    goal(
      'createLoader HTTP loopback / local, cold single-tile DEFLATE',
      r('HTTP loopback, cold single-tile windows, DEFLATE', 'createLoader') / r(cold, 'createLoader'),
      0.9,
    ),
  ];
  const http = 'HTTP loopback, cold single-tile windows, DEFLATE';
  const cpu = (c: string) => r(c, 'createLoader CPU ms per chip');
  const notes = [`createLoader: ${settings}`];
  if (!Number.isNaN(cpu(http) / cpu(cold)))
    notes.push(
      `createLoader CPU ms per chip (all threads of this process; the range server not counted), cold single-tile DEFLATE: ` +
        `local ${cpu(cold).toFixed(2)}, HTTP loopback ${cpu(http).toFixed(2)}: local / HTTP ${(cpu(cold) / cpu(http)).toFixed(2)}, ` +
        'the HTTP / local ratio to expect when both cores are busy',
    );
  reportGoals('issue 14 goals, windows of one COG (2 cores):', goals, notes, values.summary);
  console.log(
    `\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  for (const c of Object.values(catalogs)) await c.close();
}

try {
  if (RUNTIME === 'tsx' && !values.tsx) {
    // run as users run the package: this file and the library compiled, on plain node
    const built = compileForNode(fileURLToPath(import.meta.url));
    try {
      const r = spawnSync(process.execPath, [built.entry, ...process.argv.slice(2)], {
        stdio: 'inherit',
      });
      process.exitCode = r.status ?? 1;
    } finally {
      rmSync(built.dir, { recursive: true, force: true });
    }
  } else await main();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
