/**
 * The `geoslice` command. Run `geoslice --help` (and `geoslice <command> --help`).
 *
 * - `catalog build|from-stac|inspect|stats|query|intersect|union|optimize|map`: make, query and combine
 *   GeoParquet catalogs, and picture their coverage;
 * - `sample <catalog> --sampler random|grid|stratified --out slices.parquet`: run a sampler and save its
 *   slices as a slice table (`src/samplers/slice-table.ts`);
 * - `chips <catalog> <slices> --out dir`: load each slice and write it as a GeoTIFF chip;
 * - `stitch <predictions...> --out pred.tif`: blend prediction GeoTIFFs into a COG plus `_uncertainty.tif`;
 * - `predict <raster|catalog> --model m.onnx --out pred.tif`: run a model over a region (resumable).
 *
 * Bad input prints one line on stderr (`geoslice: ...`, no stack trace unless `GEOSLICE_DEBUG` is set)
 * and exits with code 2; `--json` prints one machine-readable JSON line per command. Long work (build,
 * sample, chips, stitch) draws a progress bar on stderr when stdout and stderr are terminals, never in
 * pipes, in CI or with `--json`.
 *
 * @example
 * ```sh
 * geoslice catalog build 'scenes/*.tif' --out scenes.parquet --cog-headers
 * geoslice catalog query scenes.parquet --aoi 11.8,47.1,12.2,47.3 --tmin 2024-06-01 --out summer.parquet
 * geoslice sample summer.parquet --sampler grid --size 256 --stride 224 --out tiles.parquet
 * geoslice chips summer.parquet tiles.parquet --out chips/ --bands 1,2,3
 * geoslice stitch preds/ --out pred.tif --blend cosine
 * ```
 */
import { Command, CommanderError } from 'commander';
import { BuildError, GeosliceError } from '../errors.js';
import { httpOptionsOf } from './http-option.js';
import { openCatalog } from '../catalog/open.js';
import { buildRasterCatalog, buildCatalogFromTable, optimizeCatalog } from '../catalog/builders/index.js';
import { interval } from '../geo/interval.js';
import { readWkb } from '../geo/wkb.js';
import { cliContext, onErrorOption, parseAoi, parseNumber, type CliIO } from './args.js';
import { addChipsCommand } from './chips-command.js';
import { addCleanCommand } from './clean-command.js';
import { renderCoverageMap } from '../quicklook/coverage-map.js';
import { showProgress } from './progress.js';
import { addPredictCommand } from './predict-command.js';
import { VERSION } from './version.js';
import { codecs } from '../tiff/codecs/report.js';
import { inFlags } from './flags.js';
import { addSampleCommand } from './sample-command.js';
import { addStitchCommand } from './stitch-command.js';

/** The command tree of `geoslice`, printing to `io`. */
export function program(io: CliIO): Command {
  const root = new Command('geoslice')
    .description('GeoParquet raster catalogs for machine learning')
    .version(VERSION, '-V, --version', 'print the geoslice version')
    .option('--json', 'print results as one JSON line (errors and skipped inputs too)')
    .option(
      '--http <json>',
      'options for http(s) files, e.g. \'{"timeoutMs":10000,"deadlineMs":60000,"maxRetries":4}\'',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const json = () => Boolean(root.opts().json);
  const ctx = cliContext(json, io);
  root
    .command('codecs')
    .description('the decoder of each TIFF compression (native, WebAssembly, JavaScript) and decode threads')
    .action(async () => {
      const r = await codecs();
      const names = Object.keys(r.codecs);
      const w = Math.max(...names.map((n) => n.length));
      ctx.print(
        { version: VERSION, ...r },
        [
          `geoslice ${VERSION}, ${r.decodeThreads} decode thread(s)`,
          ...names.map((n) => `${n.padEnd(w)}  ${r.codecs[n]}`),
        ].join('\n'),
      );
    });
  const cat = root.command('catalog').description('build, inspect, query and combine catalogs');

  cat
    .command('build [files...]')
    .description('catalog GeoTIFFs (paths or directories, taken literally; patterns with --glob)')
    .requiredOption('--out <path>', 'GeoParquet to write')
    .option('--glob <pattern>', 'catalog the files matching this pattern (e.g. "tiles/**/*.tif")')
    .option('--cog-headers', 'store the COG header cache')
    .addOption(onErrorOption('a file that cannot be catalogued'))
    .action(async (files: string[], o) => {
      if (Boolean(o.glob) === files.length > 0)
        throw new BuildError('BAD_OPTION', 'catalog build needs either file paths or --glob <pattern>, not both');
      const input = o.glob ? { glob: String(o.glob) } : files.length === 1 ? files[0] : files;
      const r = await buildRasterCatalog(input, {
        http: httpOptionsOf(root),
        out: o.out,
        cogHeaders: Boolean(o.cogHeaders),
        onError: o.onError,
        progress: showProgress(json()),
      });
      await ctx.built(o.out, r);
    });
  cat
    .command('from-stac <file>')
    .description('catalog STAC items / stac-geoparquet')
    .requiredOption('--out <path>', 'GeoParquet to write')
    .addOption(onErrorOption('a record that cannot be catalogued'))
    .action(async (file: string, o) => {
      const r = await buildCatalogFromTable(file, { out: o.out, onError: o.onError, progress: showProgress(json()) });
      await ctx.built(o.out, r);
    });
  cat
    .command('inspect <catalog>')
    .description('row count, bounds, time extent and columns')
    .action(async (path: string) => {
      const c = await openCatalog(path);
      const info = {
        rows: await c.count(),
        bounds: await c.bounds(),
        time: await c.temporalExtent(),
        columns: await c.schema(),
      };
      ctx.print(
        info,
        [
          `rows     ${info.rows}`,
          `bounds   ${JSON.stringify(info.bounds)}`,
          `time     ${info.time?.start?.toISOString() ?? '-'} .. ${info.time?.end?.toISOString() ?? '-'}`,
          `columns  ${info.columns.map((x) => `${x.name}:${x.type}`).join(', ')}`,
        ].join('\n'),
      );
      await c.close();
    });
  cat
    .command('stats <catalog>')
    .description('row counts grouped by month and/or columns')
    .option('--by <key...>', '"month" or column names', ['month'])
    .action(async (path: string, o) => {
      const c = await openCatalog(path);
      const keys = (o.by as string[]).map((k) =>
        k === 'month' ? `strftime(tmin, '%Y-%m') AS month` : `"${k.replaceAll('"', '""')}"`,
      );
      const names = (o.by as string[]).map((k) => (k === 'month' ? 'month' : `"${k.replaceAll('"', '""')}"`));
      const rows = await c.aggregate(
        `SELECT ${keys.join(', ')}, count(*) AS n FROM catalog GROUP BY ALL ORDER BY ${names.join(', ')}`,
      );
      ctx.print(rows, rows.map((r) => Object.values(r).map(String).join('\t')).join('\n'));
      await c.close();
    });
  cat
    .command('query <catalog>')
    .description('filter by AOI, time and SQL')
    .option('--aoi <bbox|geojson>', 'region: xmin,ymin,xmax,ymax (EPSG:4326) or a GeoJSON file')
    .option('--tmin <date>', 'rows acquired on or after this date')
    .option('--tmax <date>', 'rows acquired on or before this date')
    .option('--where <sql>', 'SQL condition on the catalog columns, e.g. "cloud_pct < 20"')
    .requiredOption('--out <path>', 'GeoParquet to write')
    .action(async (path: string, o) => {
      const c = await openCatalog(path);
      const q = c.query({
        bbox: o.aoi ? parseAoi(o.aoi) : undefined,
        interval: o.tmin || o.tmax ? interval(o.tmin ?? null, o.tmax ?? null) : undefined,
        where: o.where,
      });
      await q.toGeoParquet(o.out);
      const n = await q.count();
      ctx.print({ out: o.out, rows: n }, `${n} rows -> ${o.out}`);
      await c.close();
    });
  for (const op of ['intersect', 'union'] as const) {
    cat
      .command(`${op} <a> <b>`)
      .description(op === 'union' ? 'all rows of both' : 'pairs whose footprints (and times) overlap')
      .option('--spatial-only', 'ignore time (intersect)')
      .requiredOption('--out <path>', 'GeoParquet to write')
      .action(async (a: string, b: string, o) => {
        const [ca, cb] = [await openCatalog(a), await openCatalog(b)];
        const r = op === 'union' ? ca.union(cb) : ca.intersect(cb, { spatialOnly: Boolean(o.spatialOnly) });
        await r.toGeoParquet(o.out);
        const n = await r.count();
        ctx.print({ out: o.out, rows: n }, `${n} rows -> ${o.out}`);
        await ca.close();
        await cb.close();
      });
  }
  cat
    .command('optimize <catalog>')
    .description('rewrite sorted by Hilbert key and time, with small row groups')
    .requiredOption('--out <path>', 'GeoParquet to write (may be the input file: replaced atomically)')
    .action(async (path: string, o) => {
      await optimizeCatalog(path, o.out);
      ctx.print({ out: o.out }, `optimized -> ${o.out}`);
    });
  cat
    .command('map <catalog>')
    .description('PNG of footprints and coverage counts')
    .requiredOption('--out <png>', 'PNG to write')
    .option('--width <px>', 'map width in pixels', '800')
    .option('--title <text>', 'title above the map (default: the footprint count)')
    .action(async (path: string, o) => {
      const c = await openCatalog(path);
      async function* geoms() {
        for await (const r of c.rows()) yield readWkb(r.geometry);
      }
      const width = parseNumber('--width', o.width, { integer: true, positive: true });
      const info = await renderCoverageMap(geoms(), o.out, { width, title: o.title });
      ctx.print({ out: o.out, ...info }, `${info.footprints} footprints, max coverage ${info.maxCount} -> ${o.out}`);
      await c.close();
    });
  addSampleCommand(root, ctx);
  addChipsCommand(root, ctx);
  addStitchCommand(root, ctx);
  addPredictCommand(root, ctx);
  addCleanCommand(root, ctx);
  return root;
}

const PROCESS_IO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * Runs the CLI on `argv` (without the node and script entries) and returns the exit code: 0, 2 for
 * bad input (a {@link GeosliceError} or a command-line error, reported as one line on stderr in the
 * words of the command's flags; with `--json` also as `{"error":{code,message,subject}}` on stdout),
 * 1 for anything else. `io` receives the output (default: the process streams).
 */
export async function runCli(argv: string[], io: CliIO = PROCESS_IO): Promise<number> {
  const root = program(io);
  let active: Command = root;
  root.hook('preAction', (_root, command) => {
    active = command;
  });
  try {
    await root.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const msg = inFlags((e instanceof Error ? e.message : String(e)).split('\n')[0], active);
    io.stderr(`geoslice: ${msg}\n`);
    if (root.opts().json) {
      const { code, subject } = e instanceof GeosliceError ? e : { code: 'INTERNAL', subject: undefined };
      io.stdout(`${JSON.stringify({ error: { code, message: msg, ...(subject ? { subject } : {}) } })}\n`);
    }
    if (process.env.GEOSLICE_DEBUG) console.error(e);
    return e instanceof GeosliceError ? 2 : 1;
  }
}
