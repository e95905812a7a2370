import { rmSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { StitchError } from '../errors.js';
import { optionKeys } from '../option-keys.js';
import type { Plane, TileAccumulator } from './accumulator.js';
import { createCogWriter, type CogWriter, type CogWriteOptions } from '../tiff/write/cog-writer.js';
import { commitRenames, recoverCommits } from './commit.js';
import { removeStaleTemps, tempSibling } from '../catalog/temp-files.js';
import { convertValue } from './convert-value.js';
import type { StitchSpec } from './stitcher-options.js';
import { dtypeInfo, type RasterArray } from '../tiff/dtype.js';

/**
 * Options of {@link Stitcher.write}.
 *
 * Output files: the prediction bands go to `path` in the stitcher's dtype with its nodata; the
 * uncertainty bands (`entropy`, `variance`, `margin` — or `variance` alone for regression) go to a second
 * float32 file, `<path without .tif>_uncertainty.tif` by default, with nodata NaN. Two files because a
 * GeoTIFF holds one sample type and class maps are usually integers while uncertainties are not.
 * Both files have the grid's CRS and geotransform and nodata wherever no prediction landed.
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
  /**
   * Complete files (`[temp, final]`) renamed into place in the same commit as the COGs, e.g. the
   * predictions catalog of {@link writeStitchWithPredictions}. The temps must be fsynced files.
   */
  commitWith?: [temp: string, final: string][];
}

/** The keys of {@link StitchWriteOptions} (the compiler checks the list is complete). */
export const STITCH_WRITE_OPTION_KEYS = optionKeys<StitchWriteOptions>()([
  'cog',
  'compression',
  'predictor',
  'level',
  'overviews',
  'resampling',
  'uncertainty',
  'uncertaintyPath',
  'concurrency',
  'commitWith',
]);

/**
 * What {@link Stitcher.write} produced.
 */
export interface StitchWriteResult {
  prediction: string;
  uncertainty?: string;
  /** Grid pixels that received at least one prediction. */
  coveredPixels: number;
}

/** Buffers of one writing lane of a {@link StitchOutput}. */
interface Lane {
  /** Integer dtypes: the final values before their checked conversion into `bands`. */
  tp: Float64Array | undefined;
  /** Where `finalizeTile` puts the prediction planes: `bands` themselves for float dtypes, else views of `tp`. */
  predPlanes: Plane[];
  bands: RasterArray[];
  unc: Float32Array[] | undefined;
}

/**
 * Default uncertainty path for a prediction path.
 */
export function uncertaintyPathFor(path: string): string {
  const ext = extname(path);
  const stem = ['.tif', '.tiff'].includes(ext.toLowerCase()) ? basename(path, ext) : basename(path);
  return join(dirname(path), `${stem}_uncertainty.tif`);
}

/**
 * An open pair of output writers for a stitcher (prediction file, and the uncertainty file when asked
 * for): accumulator tiles are finalised (blended values converted to the dtype, uncertainty computed)
 * just before they are handed to the COG writer — one accumulator tile is one output tile — so the extra
 * memory is `concurrency` tiles. Tiles never written are filled with nodata by the writer.
 * Used by {@link Stitcher.open}, {@link Stitcher.flush} and {@link Stitcher.write}.
 */
export class StitchOutput {
  private covered = 0;
  /** Writing lanes' buffers, kept across `writeTiles` calls. */
  private readonly lanes: Lane[] = [];

  private constructor(
    readonly path: string,
    private readonly uncPath: string | undefined,
    private readonly st: StitchSpec,
    private readonly acc: TileAccumulator,
    private readonly pred: CogWriter,
    private readonly unc: CogWriter | undefined,
    private readonly concurrency: number,
    private readonly commitWith: [string, string][],
  ) {}

  /** Creates the writers (nothing appears at the paths before {@link StitchOutput.finish}). */
  static async open(
    st: StitchSpec,
    acc: TileAccumulator,
    path: string,
    opts: StitchWriteOptions,
  ): Promise<StitchOutput> {
    const withUnc = opts.uncertainty ?? acc.opts.trackVariance;
    if (withUnc && !acc.opts.trackVariance) {
      throw new StitchError(
        'BAD_OPTION',
        `${path}: the stitcher was created with uncertainty: false, so it has no uncertainty bands to write; pass uncertainty: false`,
        { subject: path },
      );
    }
    const uncPath = withUnc ? (opts.uncertaintyPath ?? uncertaintyPathFor(path)) : undefined;
    if (uncPath === path)
      throw new StitchError('BAD_OPTION', `uncertaintyPath must differ from the prediction path ${path}`, {
        subject: path,
      });
    const [gx0, , , gy1] = st.grid.bounds;
    const [rx, ry] = st.grid.resolution;
    const transform: [number, number, number, number, number, number] = [gx0, rx, 0, gy1, 0, -ry];
    const base: CogWriteOptions = {
      cog: opts.cog ?? true,
      compression: opts.compression,
      predictor: opts.predictor,
      level: opts.level,
      overviews: opts.overviews,
      tileSize: st.tileSize,
    };
    const meta = { width: st.width, height: st.height, crs: st.grid.crs, transform };
    recoverCommits(dirname(resolve(path)));
    removeStaleTemps(dirname(resolve(path)));
    if (uncPath) removeStaleTemps(dirname(resolve(uncPath)));
    const pred = await createCogWriter(
      `${tempSibling(path)}.tif`,
      { ...meta, bands: st.bands, dtype: st.dtype, nodata: st.nodata, bandNames: st.bandNames },
      { ...base, resampling: opts.resampling },
    );
    try {
      const unc = uncPath
        ? await createCogWriter(
            `${tempSibling(uncPath)}.tif`,
            {
              ...meta,
              bands: st.uncertaintyBands.length,
              dtype: 'float32',
              nodata: NaN,
              bandNames: st.uncertaintyBands,
            },
            { ...base, predictor: undefined, resampling: 'average' },
          )
        : undefined;
      return new StitchOutput(
        path,
        uncPath,
        st,
        acc,
        pred,
        unc,
        Math.max(1, opts.concurrency ?? 4),
        opts.commitWith ?? [],
      );
    } catch (e) {
      await pred.abort();
      throw e;
    }
  }

  /** Path of the uncertainty file, when one is written. */
  get uncertaintyPath(): string | undefined {
    return this.unc?.path;
  }

  /** Finalises accumulator tiles (by index) and hands them to the writers. Each tile at most once. */
  async writeTiles(indices: readonly number[]): Promise<void> {
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: this.concurrency }, async (_, k) => {
          this.lanes[k] ??= this.lane();
          const lane = this.lanes[k];
          while (next < indices.length) await this.writeOne(indices[next++], lane);
        }),
      );
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /**
   * Buffers of one writing lane, kept for the next `writeTiles` call and reused tile after tile (the
   * writer copies a tile before its promise settles). Float dtypes are finalised straight into the
   * band arrays; integer ones through `tp` (checked conversion).
   */
  private lane(): Lane {
    const n = this.st.tileSize * this.st.tileSize;
    const U = this.st.uncertaintyBands.length;
    const info = dtypeInfo(this.st.dtype);
    const bands = Array.from({ length: this.st.bands }, () => info.create(n));
    const tp = info.float ? undefined : new Float64Array(this.st.bands * n);
    return {
      tp,
      predPlanes: tp
        ? Array.from({ length: this.st.bands }, (_, c) => tp.subarray(c * n, (c + 1) * n))
        : (bands as Plane[]),
      bands,
      unc: this.unc ? Array.from({ length: U }, () => new Float32Array(n)) : undefined,
    };
  }

  private async writeOne(index: number, lane: Lane): Promise<void> {
    const { st, acc } = this;
    const T = st.tileSize;
    const n = T * T;
    const info = dtypeInfo(st.dtype);
    const tx = index % acc.tilesX;
    const ty = Math.floor(index / acc.tilesX);
    const { tp, bands } = lane;
    // Float outputs: NaN becomes nodata (convertValue's rule for floats, without its per-pixel error context).
    this.covered += acc.finalizeTile(index, lane.predPlanes, st.nodata, lane.unc, NaN, info.float);
    if (tp)
      for (let c = 0; c < st.bands; c++) {
        const a = bands[c];
        for (let p = 0; p < n; p++)
          a[p] = convertValue(
            tp[c * n + p],
            st.dtype,
            info.float,
            info.min,
            info.max,
            st.nodata,
            tx * T + (p % T),
            ty * T + Math.floor(p / T),
          );
      }
    const jobs = [this.pred.writeTile(tx, ty, bands)];
    if (this.unc && lane.unc) jobs.push(this.unc.writeTile(tx, ty, lane.unc));
    await Promise.all(jobs);
  }

  /**
   * Builds overviews, writes both files complete under temp names, then commits them together
   * (`commit.ts`): after a kill at any point the outputs are both old or both new once the next
   * stitch or `geoslice clean` has run.
   */
  async finish(): Promise<StitchWriteResult> {
    try {
      // Both files at once: one's overview tiles are encoded while the other's bytes are copied or fsynced.
      const done = await Promise.allSettled([this.pred.finish(), this.unc?.finish()]);
      for (const d of done) if (d.status === 'rejected') throw d.reason;
      const renames: [string, string][] = [[this.pred.path, this.path]];
      if (this.unc && this.uncPath) renames.push([this.unc.path, this.uncPath]);
      commitRenames([...renames, ...this.commitWith]);
    } catch (e) {
      await this.abort();
      if (e instanceof StitchError) throw e;
      throw new StitchError('WRITE_FAILED', `writing stitched raster ${this.path} failed: ${(e as Error).message}`, {
        cause: e,
        subject: this.path,
      });
    }
    return { prediction: this.path, uncertainty: this.uncPath, coveredPixels: this.covered };
  }

  /** Abandons both files; neither path is created or changed. */
  async abort(): Promise<void> {
    await Promise.all([this.pred, this.unc].map((w) => w?.abort().catch(() => undefined)));
    for (const w of [this.pred, this.unc]) if (w) rmSync(w.path, { force: true });
  }
}
