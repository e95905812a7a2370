/**
 * Benchmark: catalog builders.
 * 1. Raster build: files/s over a synthetic archive of 2000 small COGs (hard links to one GDAL-made
 *    fixture, so the archive costs no disk), with 1 and 2 worker threads and inline (0) as the baseline.
 * 2. Table build: rows/s and peak RSS of buildCatalogFromTable over 10^6 synthetic STAC-like records,
 *    in its own process, against the writer alone (writeGeoParquet of ready-made rows) run side by
 *    side in another process as the baseline (both share the cores, so absolute rates are lower
 *    than a lone run; the ratio is what compares).
 *
 * Run: `npx tsx benchmarks/build.ts [files=2000] [records=1000000]`
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalogFromTable } from '../src/catalog/builders/build-from-table.js';
import { buildRasterCatalog } from '../src/catalog/builders/build-raster-catalog.js';
import { writeGeoParquet } from '../src/catalog/geoparquet/writer.js';
import type { CatalogRowInput } from '../src/catalog/types.js';
import { bboxToPolygon } from '../src/geo/geometry.js';
import { writeWkb } from '../src/geo/wkb.js';

const log = (s: string) => process.stdout.write(`${s}\n`);
const SELF = fileURLToPath(import.meta.url);
const FIXTURE = fileURLToPath(new URL('../test/fixtures/build/rasters/utm33_20240601.tif', import.meta.url));
const T0 = Date.UTC(2020, 0, 1);

function record(i: number): Record<string, unknown> {
  const x = ((i * 7.31) % 350) - 175;
  const y = ((i * 3.17) % 160) - 80;
  return {
    id: `scene-${i}`,
    datetime: new Date(T0 + (i % 1461) * 86_400_000).toISOString(),
    geometry: writeWkb(bboxToPolygon([x, y, x + 1, y + 1])),
    assets: { B04: { href: `s3://bucket/scene-${i}/B04.tif` }, B08: { href: `s3://bucket/scene-${i}/B08.tif` } },
    'proj:epsg': 32601 + (i % 60),
    'eo:cloud_cover': i % 100,
  };
}

function row(i: number): CatalogRowInput {
  const x = ((i * 7.31) % 350) - 175;
  const y = ((i * 3.17) % 160) - 80;
  const t = new Date(T0 + (i % 1461) * 86_400_000);
  return {
    id: `scene-${i}`,
    geometry: writeWkb(bboxToPolygon([x, y, x + 1, y + 1])),
    bbox: [x, y, x + 1, y + 1],
    tmin: t,
    tmax: t,
    assets: { B04: { href: `s3://bucket/scene-${i}/B04.tif` }, B08: { href: `s3://bucket/scene-${i}/B08.tif` } },
    crs: `EPSG:${32601 + (i % 60)}`,
    extras: { 'eo:cloud_cover': i % 100 },
  };
}

/** Child mode: one table build (or the writer baseline); prints JSON { seconds, rows, maxRssMB }. */
async function child(mode: 'table' | 'writer', n: number, out: string) {
  const t = performance.now();
  let rows: number;
  if (mode === 'table') {
    const { catalog, rows: r } = await buildCatalogFromTable(
      (function* () {
        for (let i = 0; i < n; i++) yield record(i);
      })(),
      { out, progress: false },
    );
    rows = r;
    const counted = await catalog.count();
    if (counted !== n) throw new Error(`built ${counted} rows, expected ${n}`);
    await catalog.close();
  } else {
    rows = await writeGeoParquet(
      (function* () {
        for (let i = 0; i < n; i++) yield row(i);
      })(),
      out,
      { memoryLimit: '256MB' },
    );
  }
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, rows, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

async function main() {
  const files = Number(process.argv[2] ?? 2000);
  const records = Number(process.argv[3] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-build-'));
  try {
    const archive = join(dir, 'archive');
    mkdirSync(archive);
    for (let i = 0; i < files; i++) linkSync(FIXTURE, join(archive, `tile_${String(i).padStart(5, '0')}_20240601.tif`));
    log(`raster build: ${files} files (COG 300x200x2 uint16, DEFLATE, 2 overviews), cogHeaders on`);
    const rate: Record<number, number> = {};
    for (const workers of [0, 1, 2]) {
      const t = performance.now();
      const { catalog, rows } = await buildRasterCatalog(archive, {
        out: join(dir, `r${workers}.parquet`),
        workers,
        cogHeaders: true,
        progress: false,
        filenameRegex: /_(?<date>\d{8})\.tif$/,
      });
      await catalog.close();
      const s = (performance.now() - t) / 1000;
      if (rows !== files) throw new Error(`built ${rows} rows, expected ${files}`);
      rate[workers] = files / s;
      log(
        `  workers=${workers}: ${s.toFixed(2)} s, ${rate[workers].toFixed(0)} files/s${workers ? `, ${(rate[workers] / rate[0]).toFixed(2)}x inline` : ' (baseline)'}`,
      );
    }
    log(`  2 workers vs 1 worker: ${(rate[2] / rate[1]).toFixed(2)}x`);

    log(
      `table build: ${records} records (WKB footprint, 2 assets, proj:epsg, eo:cloud_cover); the build and the writer-only baseline run side by side, each in its own process, DuckDB memory limit 256MB`,
    );
    const run = async (mode: string) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [...process.execArgv, SELF, '--child', mode, String(records), join(dir, `${mode}.parquet`)],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      return JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number; rows: number; maxRssMB: number };
    };
    const [writer, table] = await Promise.all([run('writer'), run('table')]);
    log(
      `  writer alone (baseline): ${writer.seconds.toFixed(1)} s, ${(writer.rows / writer.seconds).toFixed(0)} rows/s, peak RSS ${writer.maxRssMB.toFixed(0)} MB`,
    );
    log(
      `  buildCatalogFromTable:   ${table.seconds.toFixed(1)} s, ${(table.rows / table.seconds).toFixed(0)} rows/s, peak RSS ${table.maxRssMB.toFixed(0)} MB`,
    );
    log(
      `  ratio build/writer: throughput ${(table.rows / table.seconds / (writer.rows / writer.seconds)).toFixed(2)}x, peak RSS ${(table.maxRssMB / writer.maxRssMB).toFixed(2)}x; peak RSS < 1 GB: ${table.maxRssMB < 1024 ? 'yes' : 'NO'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child')
  await child(process.argv[3] as 'table' | 'writer', Number(process.argv[4]), process.argv[5]);
else await main();
