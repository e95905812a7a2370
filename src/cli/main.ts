/**
 * The `geoslice` command (catalog subcommands). Run `geoslice --help`. Bad input prints one line on
 * stderr and exits with code 2; `--json` prints machine-readable results.
 *
 * @example
 * ```sh
 * geoslice catalog build 'scenes/*.tif' --out scenes.parquet --cog-headers
 * geoslice catalog query scenes.parquet --aoi 11.8,47.1,12.2,47.3 --tmin 2024-06-01 --out summer.parquet
 * ```
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { GeosliceError } from '../errors.js';
import { openCatalog } from '../catalog/open.js';
import { buildRasterCatalog, buildCatalogFromTable, optimizeCatalog } from '../catalog/build/index.js';
import { interval } from '../geo/interval.js';
import { readWkb } from '../geo/wkb.js';
import { geometryBBox, type Geometry } from '../geo/geometry.js';
import type { BBox } from '../geo/bbox.js';
import { renderCoverageMap } from './coverage-map.js';

/** A usage error of the command line (exit code 2). */
class UsageError extends GeosliceError {}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n` : `${text}\n`);
}

/** `xmin,ymin,xmax,ymax` or a GeoJSON file (Feature, FeatureCollection or geometry) -> EPSG:4326 bbox. */
function parseAoi(aoi: string): BBox {
  const nums = aoi.split(',').map(Number);
  if (nums.length === 4 && nums.every(Number.isFinite)) return nums as BBox;
  let doc: { type?: string; geometry?: Geometry; features?: { geometry: Geometry }[] };
  try {
    doc = JSON.parse(readFileSync(aoi, 'utf8'));
  } catch (e) {
    throw new UsageError('BAD_AOI', `--aoi ${aoi}: not "xmin,ymin,xmax,ymax" and not a readable GeoJSON file (${(e as Error).message})`);
  }
  const geoms = doc.type === 'FeatureCollection' ? (doc.features ?? []).map((f) => f.geometry) : doc.type === 'Feature' ? [doc.geometry!] : [doc as Geometry];
  if (geoms.length === 0) throw new UsageError('BAD_AOI', `--aoi ${aoi}: the GeoJSON has no geometry`);
  return geoms.map(geometryBBox).reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
}

function program(): Command {
  const root = new Command('geoslice').description('GeoParquet raster catalogs for machine learning').option('--json', 'print JSON').exitOverride();
  const json = () => Boolean(root.opts().json);
  const cat = root.command('catalog').description('build, inspect, query and combine catalogs');

  cat.command('build <files...>').description('catalog GeoTIFFs (paths, directories or globs)').requiredOption('--out <path>', 'GeoParquet to write')
    .option('--cog-headers', 'store the COG header cache').option('--on-error <mode>', 'fail or skip', 'fail')
    .action(async (files: string[], o) => {
      const r = await buildRasterCatalog(files.length === 1 ? files[0] : files, { out: o.out, cogHeaders: Boolean(o.cogHeaders), onError: o.onError });
      print(json(), { out: o.out, rows: r.rows, skipped: r.skipped }, `${r.rows} rows -> ${o.out}${r.skipped.length ? ` (${r.skipped.length} skipped)` : ''}`);
      await r.catalog.close();
    });
  cat.command('from-stac <file>').description('catalog STAC items / stac-geoparquet').requiredOption('--out <path>', 'GeoParquet to write')
    .action(async (file: string, o) => {
      const r = await buildCatalogFromTable(file, { out: o.out });
      print(json(), { out: o.out, rows: r.rows }, `${r.rows} rows -> ${o.out}`);
      await r.catalog.close();
    });
  cat.command('inspect <catalog>').description('row count, bounds, time extent and columns').action(async (path: string) => {
    const c = await openCatalog(path);
    const info = { rows: await c.count(), bounds: await c.bounds(), time: await c.temporalExtent(), columns: await c.schema() };
    print(json(), info, [`rows     ${info.rows}`, `bounds   ${JSON.stringify(info.bounds)}`,
      `time     ${info.time?.start?.toISOString() ?? '-'} .. ${info.time?.end?.toISOString() ?? '-'}`,
      `columns  ${info.columns.map((x) => `${x.name}:${x.type}`).join(', ')}`].join('\n'));
    await c.close();
  });
  cat.command('stats <catalog>').description('row counts grouped by month and/or columns').option('--by <key...>', '"month" or column names', ['month'])
    .action(async (path: string, o) => {
      const c = await openCatalog(path);
      const keys = (o.by as string[]).map((k) => (k === 'month' ? `strftime(tmin, '%Y-%m') AS month` : `"${k.replaceAll('"', '""')}"`));
      const names = (o.by as string[]).map((k) => (k === 'month' ? 'month' : `"${k.replaceAll('"', '""')}"`));
      const rows = await c.aggregate(`SELECT ${keys.join(', ')}, count(*) AS n FROM catalog GROUP BY ALL ORDER BY ${names.join(', ')}`);
      print(json(), rows, rows.map((r) => Object.values(r).map(String).join('\t')).join('\n'));
      await c.close();
    });
  cat.command('query <catalog>').description('filter by AOI, time and SQL').option('--aoi <bbox|geojson>').option('--tmin <date>').option('--tmax <date>')
    .option('--where <sql>').requiredOption('--out <path>', 'GeoParquet to write').action(async (path: string, o) => {
      const c = await openCatalog(path);
      const q = c.query({ bbox: o.aoi ? parseAoi(o.aoi) : undefined, interval: o.tmin || o.tmax ? interval(o.tmin ?? null, o.tmax ?? null) : undefined, where: o.where });
      await q.toGeoParquet(o.out);
      const n = await q.count();
      print(json(), { out: o.out, rows: n }, `${n} rows -> ${o.out}`);
      await c.close();
    });
  for (const op of ['intersect', 'union'] as const) {
    cat.command(`${op} <a> <b>`).description(op === 'union' ? 'all rows of both' : 'pairs whose footprints (and times) overlap')
      .option('--spatial-only', 'ignore time (intersect)').requiredOption('--out <path>', 'GeoParquet to write').action(async (a: string, b: string, o) => {
        const [ca, cb] = [await openCatalog(a), await openCatalog(b)];
        const r = op === 'union' ? ca.union(cb) : ca.intersect(cb, { spatialOnly: Boolean(o.spatialOnly) });
        await r.toGeoParquet(o.out);
        const n = await r.count();
        print(json(), { out: o.out, rows: n }, `${n} rows -> ${o.out}`);
        await ca.close(); await cb.close();
      });
  }
  cat.command('optimize <catalog>').description('rewrite sorted by time and Hilbert key').requiredOption('--out <path>').action(async (path: string, o) => {
    await optimizeCatalog(path, o.out);
    print(json(), { out: o.out }, `optimized -> ${o.out}`);
  });
  cat.command('map <catalog>').description('PNG of footprints and coverage counts').requiredOption('--out <png>').option('--width <px>', 'image width', '800')
    .action(async (path: string, o) => {
      const c = await openCatalog(path);
      async function* geoms() { for await (const r of c.rows()) yield readWkb(r.geometry); }
      const info = await renderCoverageMap(geoms(), o.out, { width: Number(o.width) });
      print(json(), { out: o.out, ...info }, `${info.footprints} footprints, max coverage ${info.maxCount} -> ${o.out}`);
      await c.close();
    });
  return root;
}

/**
 * Runs the CLI on `argv` (without the node and script entries) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['catalog', 'inspect', 'scenes.parquet']);
 * ```
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`geoslice: ${msg.split('\n')[0]}\n`);
    if (process.env.GEOSLICE_DEBUG) console.error(e);
    return e instanceof GeosliceError ? 2 : 1;
  }
}
