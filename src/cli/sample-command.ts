/**
 * `geoslice sample`: run a sampler over a catalog and save its slices as a slice table (GeoParquet).
 */
import { Option, type Command } from 'commander';
import { openCatalog } from '../catalog/open.js';
import type { GeoCatalog } from '../catalog/types.js';
import { writeGeoParquet } from '../catalog/geoparquet/writer.js';
import { interval } from '../geo/interval.js';
import type { GeoSlice } from '../geo/slice.js';
import type { CommonSamplerOptions } from '../samplers/options.js';
import { gridSampler } from '../samplers/grid.js';
import { randomSampler } from '../samplers/random.js';
import { stratifiedSampler } from '../samplers/stratified.js';
import { SLICE_COLUMN_TYPES, slicesToRows, type RowTimes } from '../samplers/slice-table.js';
import { parseAoiRegion, parseNumber, parseNumberPair, UsageError, type CliContext } from './args.js';
import { cliProgressBar } from './progress.js';

/** The options commander hands to the action (all strings, as typed). */
interface SampleFlags {
  sampler: 'random' | 'grid' | 'stratified';
  out: string;
  size: string;
  units?: 'pixels' | 'crs';
  resolution?: string;
  crs?: string;
  length?: string;
  weight?: string;
  replacement: boolean;
  stride?: string;
  edge?: 'snap' | 'pad' | 'center';
  column?: string;
  perStratum?: string;
  seed?: string;
  aoi?: string;
  tmin?: string;
  tmax?: string;
  includeUndated?: boolean;
}

/** Which flags belong to which sampler (the common ones belong to all). */
const ONLY: Record<string, { flag: string; key: keyof SampleFlags }[]> = {
  random: [
    { flag: '--length', key: 'length' },
    { flag: '--weight', key: 'weight' },
  ],
  grid: [
    { flag: '--stride', key: 'stride' },
    { flag: '--edge', key: 'edge' },
  ],
  stratified: [
    { flag: '--column', key: 'column' },
    { flag: '--per-stratum', key: 'perStratum' },
  ],
};

const HELP = `
Output: a GeoParquet slice table, one row per slice in sampler order, readable by openCatalog:
  id (slice number 0, 1, ...), geometry/bbox (slice footprint, EPSG:4326), crs (slice CRS),
  tmin/tmax (the slice's time interval if it has one, else its source row's times),
  slice_xmin, slice_ymin, slice_xmax, slice_ymax (bounds in the slice CRS), slice_res_x, slice_res_y,
  slice_interval (true when tmin/tmax are the slice's interval), source_id (the row a random or
  stratified slice was drawn from). Feed it to \`geoslice chips\`, or to slicesFromCatalog() in code.

Examples:
  geoslice sample scenes.parquet --sampler random --size 256 --length 1000 --seed 1 --out train.parquet
  geoslice sample scenes.parquet --sampler grid --size 256 --stride 224 --aoi field.geojson --out tiles.parquet
  geoslice sample scenes.parquet --sampler stratified --column label --per-stratum 50 --size 128 --out strata.parquet`;

/**
 * Registers `geoslice sample <catalog>` on the root command. `ctx` says whether `--json` is on and prints the result.
 */
export function addSampleCommand(root: Command, ctx: CliContext): void {
  root
    .command('sample <catalog>')
    .description(
      'draw slices (chips) from a catalog with the random, grid or stratified sampler and write them as a slice table',
    )
    .addOption(
      new Option('--sampler <name>', 'which sampler').choices(['random', 'grid', 'stratified']).makeOptionMandatory(),
    )
    .requiredOption('--out <path>', 'slice table (GeoParquet) to write')
    .requiredOption('--size <px>', 'chip size: n or height,width (pixels, or CRS units with --units crs)')
    .addOption(
      new Option('--units <units>', 'unit of --size and --stride').choices(['pixels', 'crs']).default('pixels'),
    )
    .option('--resolution <m>', "CRS units per pixel: r or x,y (default: the rasters' native resolution)")
    .option('--crs <EPSG:n>', "CRS of the slices (default: each row's native CRS; grid: the rows' common CRS)")
    .option('--length <n>', 'random: number of slices')
    .option('--weight <how>', 'random: "area" (default), "uniform" or a numeric column')
    .option('--no-replacement', 'random: each row gives at most one slice')
    .option('--stride <px>', 'grid: step between tiles, n or y,x (default: --size, no overlap)')
    .addOption(
      new Option(
        '--edge <mode>',
        'grid: last row/column snapped inside, padded past the edge, or layout centred',
      ).choices(['snap', 'pad', 'center']),
    )
    .option('--column <col>', 'stratified: column whose values are the strata')
    .option('--per-stratum <n>', 'stratified: slices per stratum')
    .option('--seed <n|text>', 'random seed (default 0)')
    .option('--aoi <bbox|geojson>', 'region of interest: xmin,ymin,xmax,ymax (EPSG:4326) or a GeoJSON file')
    .option('--tmin <date>', 'only rows acquired on or after this date')
    .option('--tmax <date>', 'only rows acquired on or before this date')
    .option('--include-undated', 'with --tmin/--tmax, keep rows whose time is unknown')
    .addHelpText('after', HELP)
    .action(async (path: string, o: SampleFlags) => {
      const common = commonOptions(o);
      const catalog = await openCatalog(path);
      try {
        const slices = sampler(catalog, o, common);
        const bar = cliProgressBar(ctx.json(), 'slices', o.sampler === 'random' ? Number(o.length) : null);
        async function* counted(rows: AsyncIterable<GeoSlice> | Iterable<GeoSlice>): AsyncGenerator<GeoSlice> {
          for await (const s of rows) {
            bar.tick();
            yield s;
          }
        }
        let n: number;
        try {
          if (o.sampler === 'grid') {
            n = await writeGeoParquet(slicesToRows(counted(slices)), o.out, {
              sortBy: [],
              extrasTypes: { ...SLICE_COLUMN_TYPES },
            });
          } else {
            // Random and stratified samples are held in memory by the samplers anyway (O(length)); keep
            // them to look up their source rows' times in one more pass over the catalog.
            const all: GeoSlice[] = [];
            for await (const s of counted(slices)) all.push(s);
            const timesOf = await sourceTimes(catalog, all);
            n = await writeGeoParquet(slicesToRows(all, timesOf), o.out, {
              sortBy: [],
              extrasTypes: { ...SLICE_COLUMN_TYPES },
            });
          }
        } finally {
          bar.stop();
        }
        ctx.print({ out: o.out, sampler: o.sampler, slices: n }, `${n} slices (${o.sampler}) -> ${o.out}`);
      } finally {
        await catalog.close();
      }
    });
}

function commonOptions(o: SampleFlags): CommonSamplerOptions {
  for (const [name, flags] of Object.entries(ONLY)) {
    if (name === o.sampler) continue;
    const stray = flags.find((f) => o[f.key] !== undefined);
    if (stray) throw new UsageError('BAD_OPTION', `${stray.flag} applies to --sampler ${name}, not ${o.sampler}`);
  }
  if (o.sampler !== 'random' && !o.replacement)
    throw new UsageError('BAD_OPTION', `--no-replacement applies to --sampler random, not ${o.sampler}`);
  const integer = o.units !== 'crs';
  return {
    size: parseNumberPair('--size', o.size, { integer, positive: true }),
    units: o.units,
    resolution:
      o.resolution === undefined ? undefined : parseNumberPair('--resolution', o.resolution, { positive: true }),
    crs: o.crs,
    roi: o.aoi === undefined ? undefined : parseAoiRegion(o.aoi),
    interval: o.tmin !== undefined || o.tmax !== undefined ? interval(o.tmin ?? null, o.tmax ?? null) : undefined,
    includeUndated: Boolean(o.includeUndated),
    seed: o.seed === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(o.seed) ? Number(o.seed) : o.seed,
  };
}

function required(flag: string, value: string | undefined, sampler: string): string {
  if (value === undefined) throw new UsageError('BAD_OPTION', `--sampler ${sampler} needs ${flag}`);
  return value;
}

function sampler(catalog: GeoCatalog, o: SampleFlags, common: CommonSamplerOptions): AsyncGenerator<GeoSlice> {
  if (o.sampler === 'random') {
    const length = parseNumber('--length', required('--length', o.length, 'random'), { integer: true });
    return randomSampler(catalog, { ...common, length, weight: o.weight, replacement: o.replacement });
  }
  if (o.sampler === 'grid') {
    const stride =
      o.stride === undefined
        ? undefined
        : parseNumberPair('--stride', o.stride, { integer: o.units !== 'crs', positive: true });
    return gridSampler(catalog, { ...common, stride, edge: o.edge });
  }
  const column = required('--column', o.column, 'stratified');
  const perStratum = parseNumber('--per-stratum', required('--per-stratum', o.perStratum, 'stratified'), {
    integer: true,
    positive: true,
  });
  return stratifiedSampler(catalog, { ...common, column, perStratum });
}

/** The time ranges of the rows the slices were drawn from, in one pass over the catalog. */
async function sourceTimes(catalog: GeoCatalog, slices: GeoSlice[]): Promise<RowTimes> {
  const wanted = new Set(slices.map((s) => s.rowId).filter((id): id is string => id !== undefined));
  const times = new Map<string, { tmin: Date | null; tmax: Date | null }>();
  if (wanted.size > 0) {
    for await (const row of catalog.rows({ batchSize: 4096 }))
      if (wanted.has(row.id)) times.set(row.id, { tmin: row.tmin, tmax: row.tmax });
  }
  return (id) => times.get(id);
}
