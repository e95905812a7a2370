/**
 * Benchmark: how a loader finds the catalog rows under each slice. The demo's setting (the built-in
 * sample archive, 12 scenes, 200 random 32-px slices): loading the slices with `createLoader({ catalog })`
 * where the DuckDB catalog is queried per slice (`memoryIndexRows: 0`, the baseline) against the
 * default, which indexes a small catalog in memory once. Prints ms per slice for the row lookup
 * alone and for whole loads, and the ratios.
 *
 * Run: `npx tsx benchmarks/loader-lookup.ts [slices=200]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSampleArchive } from '../examples/sample-archive.js';
import { buildRasterCatalog } from '../src/catalog/builders/index.js';
import type { GeoCatalog } from '../src/catalog/types.js';
import type { GeoSlice } from '../src/geo/slice.js';
import { createLoader } from '../src/loaders/loader.js';
import { randomSampler } from '../src/samplers/index.js';

const SLICES = Number(process.argv[2] ?? 200);
const log = (s: string) => process.stdout.write(`${s}\n`);

async function lookupMs(catalog: GeoCatalog, slices: GeoSlice[]): Promise<number> {
  const t = performance.now();
  for (const s of slices) for await (const r of catalog.query(s).rows()) void r;
  return (performance.now() - t) / slices.length;
}

async function loadMs(catalog: GeoCatalog, slices: GeoSlice[], memoryIndexRows: number | undefined): Promise<number> {
  const loader = createLoader({
    catalog,
    bands: [1, 2, 3, 4],
    concurrency: 4,
    memoryIndexRows,
    onError: () => undefined,
  });
  try {
    const t = performance.now();
    for await (const chip of loader.chips(slices)) void chip;
    return (performance.now() - t) / slices.length;
  } finally {
    await loader.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'geoslice-lookup-'));
try {
  const archive = await ensureSampleArchive();
  const { catalog } = await buildRasterCatalog(archive.scenes, {
    out: join(dir, 'catalog.parquet'),
    cogHeaders: true,
    progress: false,
  });
  const slices: GeoSlice[] = [];
  for await (const s of randomSampler(catalog, { size: 32, resolution: [30, 30], length: SLICES, seed: 1 }))
    slices.push(s);
  const memory = await catalog.materialize();
  await lookupMs(catalog, slices.slice(0, 10)); // warm up both paths
  await lookupMs(memory, slices.slice(0, 10));
  const sqlLookup = await lookupMs(catalog, slices);
  const memLookup = await lookupMs(memory, slices);
  const sqlLoad = await loadMs(catalog, slices, 0);
  const memLoad = await loadMs(catalog, slices, undefined);
  log(`${slices.length} slices over ${await catalog.count()} scenes`);
  log(
    `row lookup: DuckDB query ${sqlLookup.toFixed(2)} ms/slice, in-memory index ${memLookup.toFixed(3)} ms/slice -> ${(sqlLookup / memLookup).toFixed(0)}x`,
  );
  log(
    `whole load (concurrency 4): memoryIndexRows 0 ${sqlLoad.toFixed(2)} ms/slice, default ${memLoad.toFixed(2)} ms/slice -> ${(sqlLoad / memLoad).toFixed(1)}x`,
  );
  await memory.close();
  await catalog.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
