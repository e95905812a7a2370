/**
 * `geoslice predict`: run a model over a raster or a catalog region and stitch a prediction COG.
 */
import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import { runInference, type InferenceProgress } from '../inference/run-inference.js';
import { BLEND_MODES, type BlendMode, type BlendWindow } from '../stitch/blend.js';
import type { ValueKind } from '../stitch/uncertainty.js';
import { parseAoiRegion, parseBands, parseNumber, UsageError, type CliContext } from './args.js';
import { showProgress } from './progress.js';

interface PredictFlags {
  model: string;
  out: string;
  tile: string;
  overlap: string;
  bands?: string;
  blend: BlendMode;
  window: BlendWindow;
  values?: ValueKind;
  batch: string;
  resume?: boolean;
  threads?: string;
  layout: 'auto' | 'NCHW' | 'NHWC';
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  normalize?: string;
  aoi?: string;
  predictions?: string;
  modelId?: string;
}

const HELP = `
Source: a GeoTIFF/COG (the output has its grid), or a catalog (.parquet, .duckdb, a directory or a
glob; the output grid covers the tiles of the catalog's footprints, or of --aoi).
Model: an ONNX file (onnxruntime-node, CPU; install it with ONNXRUNTIME_NODE_INSTALL=skip npm install
onnxruntime-node) or a tfjs model.json (tfjs-node if installed, else @tensorflow/tfjs-backend-wasm, else
pure JS). The model gets raw band values, float32 [N, C, H, W] (NCHW; --layout NHWC or auto-detected
from the model) unless --normalize is given, and returns one band per class or output.

Outputs: --out (float32 COG with overviews) and <out without .tif>_uncertainty.tif (entropy, variance,
margin — variance for --values regression, sigma for --blend inverse-variance — and count, the number
of tiles that predicted each pixel).

Interrupted runs: finished batches are journaled in <out>.resume; rerun the same command with --resume
to continue where it stopped (the output is the same as an uninterrupted run's).

Example:
  geoslice predict scene.tif --model unet.onnx --out pred.tif --bands 1,2,3,4 --tile 256 --overlap 32
  geoslice predict scenes.parquet --model model/model.json --out pred.tif --aoi 11.8,47.1,12.2,47.3 --resume`;

/**
 * Registers `geoslice predict <source>` on the root command.
 */
export function addPredictCommand(root: Command, ctx: CliContext): void {
  root
    .command('predict <source>')
    .description('run a model (ONNX or tfjs) over a raster or catalog region into a prediction COG')
    .requiredOption('--model <file>', 'model.onnx or a tfjs model.json')
    .requiredOption('--out <path>', 'prediction COG to write (the uncertainty COG goes next to it)')
    .option('--tile <px>', 'tile size in pixels', '256')
    .option('--overlap <px>', 'pixels shared by neighbouring tiles', '32')
    .option('--bands <list>', 'input bands: 1-based numbers (rasters) or asset keys (catalogs), e.g. 1,2,3')
    .addOption(new Option('--blend <mode>', 'how overlapping tiles merge').choices([...BLEND_MODES]).default('cosine'))
    .addOption(
      new Option('--window <w>', 'spatial weights of --blend inverse-variance')
        .choices(['uniform', 'cosine'])
        .default('uniform'),
    )
    .addOption(
      new Option('--values <kind>', 'what the model outputs').choices(['probabilities', 'logits', 'regression']),
    )
    .option('--batch <n>', 'tiles per model call', '16')
    .option('--resume', 'continue an interrupted run from <out>.resume')
    .option('--threads <n>', 'onnxruntime threads (default: all cores)')
    .addOption(
      new Option('--layout <order>', 'ONNX input axis order').choices(['auto', 'NCHW', 'NHWC']).default('auto'),
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    )
    .option('--normalize <mean:std>', 'per-band normalisation, e.g. 900,1100,1300:300,350,400')
    .option('--aoi <bbox|geojson>', 'catalogs: area to predict (EPSG:4326 box or GeoJSON file)')
    .option('--predictions <parquet>', 'catalogs: also write per-tile predictions as a new catalog version')
    .option('--model-id <id>', 'model_id written with --predictions (default: the model file name)')
    .addHelpText('after', HELP)
    .action(async (source: string, o: PredictFlags) => {
      const int = (flag: string, v: string) => parseNumber(flag, v, { integer: true, positive: true });
      const tile = int('--tile', o.tile);
      const overlap = o.overlap === '0' ? 0 : int('--overlap', o.overlap);
      const bar = progressBar(ctx.json());
      try {
        const r = await runInference({
          source,
          model: o.model,
          out: o.out,
          tile,
          overlap,
          bands: o.bands ? parseBands(o.bands) : undefined,
          blend: o.blend,
          window: o.window,
          values: o.values,
          batchSize: int('--batch', o.batch),
          resume: Boolean(o.resume),
          aoi: o.aoi ? parseAoiRegion(o.aoi) : undefined,
          modelOptions: {
            threads: o.threads ? int('--threads', o.threads) : undefined,
            layout: o.layout,
            backend: o.backend,
            normalize: o.normalize ? parseNormalize(o.normalize) : undefined,
          },
          predictions: o.predictions
            ? { out: o.predictions, modelId: o.modelId ?? o.model.split('/').pop()!, level: 'slice' }
            : undefined,
          onProgress: bar?.update,
        });
        bar?.stop();
        ctx.print(
          {
            out: r.prediction,
            uncertainty: r.uncertainty,
            chips: r.chips,
            resumedChips: r.resumedChips,
            chipsPerSecond: r.chipsPerSecond,
            seconds: r.seconds,
            backend: r.backend,
            coveredPixels: r.coveredPixels,
            predictions: r.catalog?.path,
          },
          `${r.chips} tiles${r.resumedChips ? ` (${r.resumedChips} resumed)` : ''} on ${r.backend}, ${r.chipsPerSecond.toFixed(1)} chips/s -> ${r.prediction} + ${r.uncertainty}${r.catalog ? ` + ${r.catalog.path}` : ''}`,
        );
      } finally {
        bar?.stop();
      }
    });
}

/** `m1,m2,...:s1,s2,...` as a normalize option. */
function parseNormalize(v: string): { mean: number[]; std: number[] } {
  const parts = v.split(':');
  if (parts.length !== 2)
    throw new UsageError('BAD_OPTION', `--normalize ${v}: give means and stds as "m1,m2,...:s1,s2,..."`);
  const nums = (s: string) => s.split(',').map((x) => parseNumber('--normalize', x));
  return { mean: nums(parts[0]), std: nums(parts[1]) };
}

/** A progress bar with chips/s and ETA on a terminal (never in pipes, CI or with --json). */
function progressBar(json: boolean): { update: (p: InferenceProgress) => void; stop: () => void } | undefined {
  if (!showProgress(json)) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'predict [{bar}] {value}/{total} tiles | {rate} chips/s | eta {eta}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(p) {
      const payload = {
        rate: p.chipsPerSecond.toFixed(1),
        eta: Number.isFinite(p.etaSeconds) ? `${Math.round(p.etaSeconds)}s` : '-',
      };
      if (!started) {
        bar.start(p.total, p.done, payload);
        started = true;
      } else bar.update(p.done, payload);
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
