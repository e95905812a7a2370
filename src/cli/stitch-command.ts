/**
 * `geoslice stitch`: blend GeoTIFF prediction chips into one prediction COG plus an uncertainty COG.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { StitchError } from '../errors.js';
import { bboxUnion, type BBox } from '../geo/bbox.js';
import { normalizeCrs } from '../geo/crs.js';
import { validateSlice, type GeoSlice } from '../geo/slice.js';
import { mapOrdered } from '../loaders/prefetch.js';
import { openRaster } from '../loaders/raster.js';
import { rasterSlice } from '../loaders/raster-slice.js';
import { BLEND_MODES, type BlendMode, type BlendWindow } from '../stitch/blend.js';
import { createStitcher } from '../stitch/stitcher.js';
import type { ValueKind } from '../stitch/uncertainty.js';
import { parseNumber, UsageError, type CliContext, type SkippedItem } from './args.js';
import { cliProgressBar } from './progress.js';
import { toNumberSamples } from '../tiff/read/number-samples.js';

interface StitchFlags {
  out: string;
  blend: BlendMode;
  window: BlendWindow;
  values: ValueKind;
  resample: 'nearest' | 'bilinear';
  grid?: string;
  concurrency: string;
}

/** One prediction file: its pixel grid as a slice, and what the stitcher needs to check it. */
interface Input {
  path: string;
  slice: GeoSlice;
  bands: number;
}

const HELP = `
Inputs: GeoTIFFs (or directories of *.tif/*.tiff), e.g. the chips written by \`geoslice chips\` or a
model's per-chip outputs, all in ONE CRS with the same number of bands (each band = one class
probability, logit or regression output, see --values). Nodata / NaN pixels are ignored.

Output grid (--grid):
  (default)                      the union of the inputs' bounds, on the first input's pixel grid
  <raster.tif>                   the extent, CRS and pixel grid of that raster (e.g. the source scene)
  xmin,ymin,xmax,ymax            that box (inputs' CRS), snapped outward onto the first input's grid
  xmin,ymin,xmax,ymax,res[,resy],EPSG:n   exactly that grid (its CRS must be the inputs')
Inputs off the grid's pixel lattice or resolution are resampled (--resample); inputs entirely
outside the grid are skipped and listed on stderr (and in the --json result).

Outputs: --out (float32 COG, one band per input band, NaN where no prediction landed) and
<out without .tif>_uncertainty.tif (float32 COG: entropy, variance, margin; variance only with
--values regression), both on the output grid.

--blend first|last: the first / last input (in the order given, directories sorted by name) with a
value at a pixel wins, as in GDAL mosaics. --blend inverse-variance: inputs hold C means then C sigmas;
the output holds the merged means, the uncertainty file the merged sigmas (see docs/inference.md).

Example:
  geoslice stitch preds/ --out pred.tif --blend cosine
  geoslice stitch chips/*.tif --out mosaic.tif --values regression --grid scene.tif`;

/**
 * Registers `geoslice stitch <predictions...>` on the root command. `ctx` says whether `--json` is on and prints the result.
 */
export function addStitchCommand(root: Command, ctx: CliContext): void {
  root
    .command('stitch <predictions...>')
    .description('blend prediction GeoTIFFs (chips) into one prediction COG and an uncertainty COG')
    .requiredOption('--out <path>', 'prediction COG to write (the uncertainty COG goes next to it)')
    .addOption(
      new Option('--blend <mode>', 'how overlapping predictions combine').choices([...BLEND_MODES]).default('mean'),
    )
    .addOption(
      new Option('--window <w>', 'spatial weights of --blend inverse-variance')
        .choices(['uniform', 'cosine'])
        .default('uniform'),
    )
    .addOption(
      new Option('--values <kind>', 'what the bands hold')
        .choices(['probabilities', 'logits', 'regression'])
        .default('probabilities'),
    )
    .addOption(
      new Option('--resample <method>', 'for inputs off the output pixel grid')
        .choices(['nearest', 'bilinear'])
        .default('bilinear'),
    )
    .option(
      '--grid <raster|bbox[,res[,resy],crs]>',
      "output grid (default: union of the inputs on the first input's grid)",
    )
    .option('--concurrency <n>', 'inputs read at once', '4')
    .addHelpText('after', HELP)
    .action(async (paths: string[], o: StitchFlags) => {
      const concurrency = parseNumber('--concurrency', o.concurrency, { integer: true, positive: true });
      const files = expandInputs(paths);
      const inputs: Input[] = [];
      for await (const r of mapOrdered(files, readInput, { concurrency })) {
        if ('error' in r) throw r.error;
        inputs.push(r.value);
      }
      const first = inputs[0];
      for (const i of inputs) {
        if (i.slice.crs !== first.slice.crs) {
          throw new UsageError(
            'CRS_MISMATCH',
            `${i.path} is in ${i.slice.crs} but ${first.path} is in ${first.slice.crs}; stitch inputs must share one CRS (warp them first)`,
            { subject: i.path },
          );
        }
        if (i.bands !== first.bands)
          throw new UsageError(
            'BAND_MISMATCH',
            `${i.path} has ${i.bands} bands but ${first.path} has ${first.bands}; stitch inputs must have the same bands`,
            { subject: i.path },
          );
      }
      const grid = await outputGrid(o.grid, inputs);
      const ivw = o.blend === 'inverse-variance';
      if (ivw && first.bands % 2 !== 0)
        throw new UsageError(
          'BAND_MISMATCH',
          `${first.path} has ${first.bands} bands; --blend inverse-variance needs means then sigmas (2 bands per output band)`,
          { subject: first.path },
        );
      const stitcher = createStitcher({
        grid,
        bands: ivw ? first.bands / 2 : first.bands,
        blend: o.blend,
        window: o.window,
        values: ivw ? 'regression' : o.values,
        resample: o.resample,
      });
      try {
        const bar = cliProgressBar(ctx.json(), 'stitch', inputs.length);
        const skipped: SkippedItem[] = [];
        try {
          for await (const r of mapOrdered(inputs, readPixels, { concurrency })) {
            if ('error' in r) throw r.error;
            try {
              stitcher.add(r.input.slice, r.value.data, { mask: r.value.mask });
            } catch (e) {
              if (!(e instanceof StitchError && e.code === 'OUTSIDE_GRID')) throw e;
              skipped.push({ input: r.input.path, code: e.code, message: e.message });
            }
            bar.tick();
          }
        } finally {
          bar.stop();
        }
        const res = await stitcher.write(o.out, { uncertainty: true });
        const [w, h, used, outside] = [stitcher.width, stitcher.height, inputs.length - skipped.length, skipped.length];
        ctx.skipped(skipped);
        ctx.print(
          {
            out: res.prediction,
            uncertainty: res.uncertainty,
            inputs: used,
            outside,
            skipped,
            width: w,
            height: h,
            crs: grid.crs,
            bounds: grid.bounds,
            coveredPixels: res.coveredPixels,
          },
          `${used} predictions -> ${res.prediction} (${w}x${h}, ${res.coveredPixels} pixels covered) + ${res.uncertainty}${outside ? `; ${outside} outside the grid skipped, listed above` : ''}`,
        );
      } finally {
        stitcher.close();
      }
    });
}

/** Paths as given, directories replaced by their `.tif`/`.tiff` files (sorted). */
function expandInputs(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError('NOT_FOUND', `${p}: no such file or directory`, { subject: p });
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    const tifs = readdirSync(p)
      .filter((f) => ['.tif', '.tiff'].includes(extname(f).toLowerCase()))
      .sort();
    if (tifs.length === 0)
      throw new UsageError('NOT_FOUND', `${p}: the directory holds no .tif/.tiff files`, { subject: p });
    out.push(...tifs.map((f) => join(p, f)));
  }
  return out;
}

async function readInput(path: string): Promise<Input> {
  const reader = await openRaster(path);
  try {
    return { path, slice: rasterSlice(reader.info), bands: reader.info.bands };
  } finally {
    await reader.close();
  }
}

/** A prediction file's pixels as one band-sequential array `[C, H, W]` and its validity mask. */
async function readPixels(input: Input): Promise<{ data: Float64Array; mask?: Uint8Array }> {
  const reader = await openRaster(input.path);
  try {
    const { width, height, bands } = reader.info;
    const win = await reader.readWindow(
      0,
      0,
      0,
      width,
      height,
      Array.from({ length: bands }, (_, b) => b),
    );
    const data = new Float64Array(bands * width * height);
    toNumberSamples(win.data, win.mask, input.path).forEach((band, b) => data.set(band, b * width * height));
    return { data, mask: win.mask };
  } finally {
    await reader.close();
  }
}

/** The output grid: see the command help. */
async function outputGrid(spec: string | undefined, inputs: Input[]): Promise<GeoSlice> {
  const first = inputs[0].slice;
  if (spec !== undefined && existsSync(spec) && statSync(spec).isFile()) {
    const g = (await readInput(spec)).slice;
    if (g.crs !== first.crs)
      throw new UsageError(
        'CRS_MISMATCH',
        `--grid ${spec} is in ${g.crs} but the inputs are in ${first.crs}; use a grid in the inputs' CRS`,
        { subject: spec },
      );
    return g;
  }
  if (spec === undefined) return snapped(inputs.map((i) => i.slice.bounds).reduce(bboxUnion), first);
  const parts = spec.split(',');
  const nums = parts.slice(0, 4).map(Number);
  if (parts.length < 4 || !nums.every(Number.isFinite) || nums[0] >= nums[2] || nums[1] >= nums[3]) {
    throw new UsageError(
      'BAD_GRID',
      `--grid ${spec}: not a raster file, "xmin,ymin,xmax,ymax" nor "xmin,ymin,xmax,ymax,res[,resy],EPSG:n"`,
    );
  }
  const box = nums as BBox;
  if (parts.length === 4) return snapped(box, first);
  if (parts.length !== 6 && parts.length !== 7)
    throw new UsageError(
      'BAD_GRID',
      `--grid ${spec}: after the box give res[,resy] and the CRS, e.g. 500000,4000000,510000,4010000,10,EPSG:32633`,
    );
  const res = parts.slice(4, -1).map((v) => parseNumber('--grid resolution', v, { positive: true }));
  const crs = normalizeCrs(parts[parts.length - 1]);
  if (crs !== first.crs)
    throw new UsageError(
      'CRS_MISMATCH',
      `--grid ${spec} is in ${crs} but the inputs are in ${first.crs}; use a grid in the inputs' CRS`,
    );
  return validateSlice({ bounds: box, crs, resolution: [res[0], res[1] ?? res[0]] });
}

/** `box` snapped outward onto the pixel lattice of `ref` (same CRS). */
function snapped(box: BBox, ref: GeoSlice): GeoSlice {
  const [ox, , , oy] = ref.bounds;
  const [rx, ry] = ref.resolution;
  const EPS = 1e-6;
  const c0 = Math.floor((box[0] - ox) / rx + EPS);
  const c1 = Math.ceil((box[2] - ox) / rx - EPS);
  const r0 = Math.floor((oy - box[3]) / ry + EPS);
  const r1 = Math.ceil((oy - box[1]) / ry - EPS);
  return validateSlice({
    bounds: [ox + c0 * rx, oy - r1 * ry, ox + c1 * rx, oy - r0 * ry],
    crs: ref.crs,
    resolution: [rx, ry],
  });
}
