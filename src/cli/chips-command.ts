/**
 * `geoslice chips`: load every slice of a slice table from a catalog and write each chip as a GeoTIFF.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { openCatalog } from '../catalog/open.js';
import type { GeoCatalog } from '../catalog/types.js';
import { GeosliceError, LoaderError } from '../errors.js';
import type { Chip } from '../loaders/chip.js';
import { createLoader } from '../loaders/loader.js';
import { httpOptionsOf } from './http-option.js';
import { mapOrdered } from '../loaders/prefetch.js';
import { slicesFromCatalog } from '../samplers/slice-table.js';
import { writeCog } from '../tiff/write/cog-writer.js';
import { onErrorOption, parseBands, parseNumber, UsageError, type CliContext, type SkippedItem } from './args.js';
import { cliProgressBar } from './progress.js';

interface ChipsFlags {
  out: string;
  bands?: string;
  resampling: 'nearest' | 'bilinear' | 'mode';
  concurrency: string;
  onError: 'skip' | 'fail';
}

const HELP = `
Each chip is written as <dir>/<slice id>.tif: a float32 GeoTIFF (COG layout) in the slice's CRS and
pixel grid, one band per --bands entry (described as band_<n> or the asset key), NaN as nodata where the
loader's validity mask is 0 (nodata in every source, or outside every raster). Without --bands a row's
assets are loaded in key order (every band of each file); pass 1,2,3 for bands of single-file rows or
asset keys (B04,B03,B02) for rows with several assets.
A slice whose pixels are all nodata is not written and is listed as skipped (EMPTY_CHIP). A slice that
cannot be loaded (no raster covers it, an unreadable file) stops the command with a one-line error
naming the slice; --on-error skip skips it and lists it in the summary.

Example:
  geoslice sample scenes.parquet --sampler grid --size 256 --out tiles.parquet
  geoslice chips scenes.parquet tiles.parquet --out chips/ --bands B04,B03,B02 --concurrency 8`;

/**
 * Registers `geoslice chips <catalog> <slices>` on the root command. `ctx` says whether `--json` is on and prints the result.
 */
export function addChipsCommand(root: Command, ctx: CliContext): void {
  root
    .command('chips <catalog> <slices>')
    .description('export the chips of a slice table (from `geoslice sample`) as GeoTIFFs')
    .requiredOption('--out <dir>', 'directory for the chips (created if missing)')
    .option('--bands <list>', 'bands in chip order: 1-based numbers (1,2,3) or asset keys (B04,B03,B02)')
    .addOption(
      new Option('--resampling <method>', 'when the slice grid is not the raster grid (mode: class maps)')
        .choices(['nearest', 'bilinear', 'mode'])
        .default('nearest'),
    )
    .option('--concurrency <n>', 'chips loaded and written at once', '4')
    .addOption(onErrorOption('a slice that cannot be loaded'))
    .addHelpText('after', HELP)
    .action(async (catalogPath: string, slicesPath: string, o: ChipsFlags) => {
      const concurrency = parseNumber('--concurrency', o.concurrency, { integer: true, positive: true });
      const bands = o.bands === undefined ? undefined : parseBands(o.bands);
      const catalog = await openCatalog(catalogPath);
      let table: GeoCatalog | undefined;
      try {
        table = await openCatalog(slicesPath);
        await mkdir(o.out, { recursive: true });
        const total = await table.count();
        const loader = createLoader({
          catalog,
          bands,
          resampling: o.resampling,
          concurrency,
          http: httpOptionsOf(root),
        });
        const bar = cliProgressBar(ctx.json(), 'chips', total);
        let written = 0;
        const skipped: SkippedItem[] = [];
        try {
          const tasks = mapOrdered(
            slicesFromCatalog(table),
            async ({ id, slice }) => {
              const file = join(o.out, `${safeName(id)}.tif`);
              const chip = await loader.load(slice);
              // like loader.chips: a chip without any valid pixel is not written
              if (chip.validFraction === 0) return null;
              await writeChip(file, chip, bands);
              return file;
            },
            { concurrency },
          );
          for await (const r of tasks) {
            bar.tick();
            if ('value' in r) {
              if (r.value !== null) written++;
              else
                skipped.push({
                  input: r.input.id,
                  code: 'EMPTY_CHIP',
                  message: `slice ${r.input.id}: every pixel is nodata or masked`,
                });
              continue;
            }
            const e = r.error;
            if (o.onError === 'skip' && e instanceof GeosliceError) {
              skipped.push({ input: r.input.id, code: e.code, message: e.message });
              continue;
            }
            if (e instanceof GeosliceError) {
              throw new LoaderError(
                e.code,
                `slice ${r.input.id} of ${slicesPath}: ${e.message} (--on-error skip skips such slices)`,
                { cause: e, subject: r.input.id },
              );
            }
            throw e;
          }
        } finally {
          bar.stop();
          await loader.close();
        }
        ctx.skipped(skipped);
        ctx.print(
          { out: o.out, chips: written, skipped },
          `${written} chips -> ${o.out}${skipped.length ? ` (${skipped.length} skipped, listed above)` : ''}`,
        );
      } finally {
        await table?.close();
        await catalog.close();
      }
    });
}

/** A slice id as a file name: letters, digits, `_`, `-` and `.` only, never `.` or `..`. */
function safeName(id: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || id === '.' || id === '..') {
    throw new UsageError(
      'BAD_SLICE_ID',
      `slice id ${JSON.stringify(id)} cannot be a file name; give slices ids made of letters, digits, _, - and .`,
    );
  }
  return id;
}

/** Writes a chip `[C, H, W]` as a float32 GeoTIFF in its slice grid, NaN where the mask is 0, in tiles of at most 256 pixels. */
async function writeChip(file: string, chip: Chip, bands: (string | number)[] | undefined): Promise<void> {
  if (chip.shape.length !== 3)
    throw new LoaderError(
      'BAD_SHAPE',
      `${file}: chips are written one layer at a time, got shape [${chip.shape.join(', ')}]`,
    );
  const [c, h, w] = chip.shape;
  const data = chip.data instanceof Float32Array ? chip.data : Float32Array.from(chip.data);
  if (chip.mask) {
    const n = h * w;
    for (let i = 0; i < n; i++) if (chip.mask[i] === 0) for (let b = 0; b < c; b++) data[b * n + i] = NaN;
  }
  const [xmin, , , ymax] = chip.slice.bounds;
  const [rx, ry] = chip.slice.resolution;
  await writeCog(
    file,
    {
      width: w,
      height: h,
      bands: c,
      dtype: 'float32',
      crs: chip.slice.crs,
      transform: [xmin, rx, 0, ymax, 0, -ry],
      nodata: NaN,
      bandNames: bands?.map((b) => (typeof b === 'number' ? `band_${b}` : b)),
      data,
    },
    { tileSize: Math.min(256, Math.ceil(Math.max(w, h, 16) / 16) * 16) },
  );
}
