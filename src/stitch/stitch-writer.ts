import { basename, dirname, extname, join } from 'node:path';
import { StitchError } from '../errors.js';
import type { TileAccumulator } from './accumulator.js';
import { createCogWriter, type CogWriter, type CogWriteOptions } from './cog-writer.js';
import type { Stitcher } from './stitcher.js';
import { convertValue } from './stitcher.js';
import { dtypeInfo, type RasterArray } from './tiff/dtype.js';

/**
 * Options of {@link Stitcher.write}.
 *
 * Output files: the prediction bands go to `path` in the stitcher's dtype with its nodata; the
 * uncertainty bands (`entropy`, `variance`, `margin` — or `variance` alone for regression) go to a second
 * float32 file, `<path without .tif>_uncertainty.tif` by default, with nodata NaN. Two files because a
 * GeoTIFF holds one sample type and class maps are usually integers while uncertainties are not.
 * Both files have the grid's CRS and geotransform and nodata wherever no prediction landed.
 *
 * @example
 * ```ts
 * await stitcher.write('pred.tif', { cog: true, compression: 'deflate', overviews: true, uncertainty: true });
 * ```
 */
export interface StitchWriteOptions {
  /** COG layout (default true); false writes a plain tiled GeoTIFF. */
  cog?: boolean;
  /** Default DEFLATE. */
  compression?: CogWriteOptions['compression'];
  predictor?: CogWriteOptions['predictor'];
  /** DEFLATE level. */
  level?: number;
  /** Overview levels (default: as many as the COG needs). */
  overviews?: boolean | number[];
  /** Overview resampling of the prediction file (default `'average'`; use `'mode'` or `'nearest'` for class ids). The uncertainty file uses `'average'`. */
  resampling?: CogWriteOptions['resampling'];
  /** Also write the uncertainty file. Default: true when the stitcher tracks uncertainty. */
  uncertainty?: boolean;
  /** Where the uncertainty file goes. Default `<path without .tif/.tiff>_uncertainty.tif`. */
  uncertaintyPath?: string;
  /** Tiles finalised and handed to the writer at once. Default 4. */
  concurrency?: number;
}

/**
 * What {@link Stitcher.write} produced.
 *
 * @example
 * ```ts
 * const { prediction, uncertainty, coveredPixels } = await stitcher.write('pred.tif');
 * ```
 */
export interface StitchWriteResult {
  prediction: string;
  uncertainty?: string;
  /** Grid pixels that received at least one prediction. */
  coveredPixels: number;
}

/**
 * Default uncertainty path for a prediction path.
 *
 * @example
 * ```ts
 * uncertaintyPathFor('/out/pred.tif'); // "/out/pred_uncertainty.tif"
 * ```
 */
export function uncertaintyPathFor(path: string): string {
  const ext = extname(path);
  const stem = ['.tif', '.tiff'].includes(ext.toLowerCase()) ? basename(path, ext) : basename(path);
  return join(dirname(path), `${stem}_uncertainty.tif`);
}

/**
 * Streams a stitcher's tiles into the COG writer(s): one accumulator tile is one output tile, finalised
 * (blended values converted to the dtype, uncertainty computed) just before it is handed over, so the
 * extra memory is `concurrency` tiles. Tiles no prediction touched are left to the writer, which fills
 * them with nodata. Used by {@link Stitcher.write}; on failure both outputs are abandoned (neither path
 * is created or changed).
 *
 * @example
 * ```ts
 * const res = await writeStitched(stitcher, accumulator, 'pred.tif', { overviews: [2, 4] });
 * ```
 */
export async function writeStitched(st: Stitcher, acc: TileAccumulator, path: string, opts: StitchWriteOptions): Promise<StitchWriteResult> {
  const withUnc = opts.uncertainty ?? acc.opts.trackVariance;
  if (withUnc && !acc.opts.trackVariance) {
    throw new StitchError('BAD_OPTION', `${path}: the stitcher was created with uncertainty: false, so it has no uncertainty bands to write; pass uncertainty: false`, { subject: path });
  }
  const uncPath = withUnc ? (opts.uncertaintyPath ?? uncertaintyPathFor(path)) : undefined;
  if (uncPath === path) throw new StitchError('BAD_OPTION', `uncertaintyPath must differ from the prediction path ${path}`, { subject: path });
  const [gx0, , , gy1] = st.grid.bounds;
  const [rx, ry] = st.grid.resolution;
  const transform: [number, number, number, number, number, number] = [gx0, rx, 0, gy1, 0, -ry];
  const T = st.tileSize;
  const base: CogWriteOptions = { cog: opts.cog ?? true, compression: opts.compression, predictor: opts.predictor, level: opts.level, overviews: opts.overviews, tileSize: T };
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const writers: CogWriter[] = [];
  try {
    const pred = await createCogWriter(path, { width: st.width, height: st.height, bands: st.bands, dtype: st.dtype, crs: st.grid.crs, transform, nodata: st.nodata, bandNames: st.bandNames }, { ...base, resampling: opts.resampling });
    writers.push(pred);
    const unc = uncPath
      ? await createCogWriter(uncPath, { width: st.width, height: st.height, bands: st.uncertaintyBands.length, dtype: 'float32', crs: st.grid.crs, transform, nodata: NaN, bandNames: st.uncertaintyBands }, { ...base, predictor: undefined, resampling: 'average' })
      : undefined;
    if (unc) writers.push(unc);

    const info = dtypeInfo(st.dtype);
    const n = T * T;
    const U = st.uncertaintyBands.length;
    let covered = 0;
    const writeOne = async (index: number): Promise<void> => {
      const tx = index % acc.tilesX;
      const ty = Math.floor(index / acc.tilesX);
      const tp = new Float64Array(st.bands * n);
      const tu = unc ? new Float64Array(U * n) : undefined;
      covered += acc.finalizeTile(index, tp, st.nodata, tu);
      const bands: RasterArray[] = [];
      for (let c = 0; c < st.bands; c++) {
        const a = info.create(n);
        for (let p = 0; p < n; p++) a[p] = convertValue(tp[c * n + p], st.dtype, info.float, info.min, info.max, st.nodata, tx * T + (p % T), ty * T + Math.floor(p / T));
        bands.push(a);
      }
      const jobs = [pred.writeTile(tx, ty, bands)];
      if (unc && tu) jobs.push(unc.writeTile(tx, ty, Array.from({ length: U }, (_, u) => Float32Array.from(tu.subarray(u * n, (u + 1) * n)))));
      await Promise.all(jobs);
    };
    const touched: number[] = [];
    for (let i = 0; i < acc.tilesX * acc.tilesY; i++) if (acc.store.has(i)) touched.push(i);
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < touched.length) await writeOne(touched[next++]);
    }));
    if (unc) await unc.finish();
    await pred.finish();
    return { prediction: path, uncertainty: uncPath, coveredPixels: covered };
  } catch (e) {
    await Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
    if (e instanceof StitchError) throw e;
    throw new StitchError('WRITE_FAILED', `writing stitched raster ${path} failed: ${(e as Error).message}`, { cause: e, subject: path });
  }
}
