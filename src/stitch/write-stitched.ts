/**
 * A stitch and its catalog rows committed together: the prediction (and uncertainty) COGs and the
 * predictions GeoParquet appear at their paths in one commit (`commit.ts`), so a reader never finds
 * a stitched raster without its rows or rows without their raster.
 */
import { existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { tempSibling } from '../catalog/temp-files.js';
import type { GeoCatalog } from '../catalog/types.js';
import { StitchError } from '../errors.js';
import { recoverCommits } from './commit.js';
import type { StitchWriteOptions, StitchWriteResult } from './stitch-writer.js';
import type { Stitcher } from './stitcher.js';
import {
  writePredictions,
  type PredictionResult,
  type WritePredictionsOptions,
  type WritePredictionsResult,
} from './write-predictions.js';

/**
 * Writes the predictions catalog of `results` (see {@link writePredictions}) and the stitcher's
 * COGs, then commits all of them at once. After a kill at any point, the next stitch (or
 * `geoslice clean <dir>`) leaves either all old or all new files. Throws like both writers.
 */
export async function writeStitchWithPredictions(
  stitcher: Stitcher,
  path: string,
  stitchOpts: StitchWriteOptions,
  catalog: GeoCatalog,
  results: Iterable<PredictionResult> | AsyncIterable<PredictionResult>,
  predictionOpts: WritePredictionsOptions,
): Promise<{ stitch: StitchWriteResult; predictions: WritePredictionsResult }> {
  const out = resolve(predictionOpts.out);
  if (existsSync(catalog.source) && resolve(catalog.source) === out)
    throw new StitchError('WOULD_OVERWRITE_INPUT', `${out} is the input catalog; write predictions to a new path`, {
      subject: out,
    });
  if (existsSync(out) && !predictionOpts.overwrite)
    throw new StitchError('EXISTS', `${out} exists; pass overwrite: true or choose another path`, { subject: out });
  // Finish an earlier killed commit first: its temps must not be mistaken for stale ones below.
  recoverCommits(dirname(resolve(path)));
  const tmp = `${tempSibling(out)}.parquet`;
  try {
    const predictions = await writePredictions(catalog, results, { ...predictionOpts, out: tmp, overwrite: true });
    const stitch = await stitcher.write(path, {
      ...stitchOpts,
      commitWith: [...(stitchOpts.commitWith ?? []), [tmp, out]],
    });
    return { stitch, predictions: { ...predictions, path: out } };
  } finally {
    rmSync(tmp, { force: true });
  }
}
