import { StitchError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { type GeoSlice, normalizeCrs, sliceHeight, sliceWidth, validateSlice } from '../geo/index.js';
import { dtypeInfo, type DTypeInfo, type RasterDtype } from '../tiff/dtype.js';
import { TileAccumulator } from './accumulator.js';
import { assertBlendMode, BLEND_RULES, type BlendMode, type BlendWindow } from './blend.js';
import type { ValueKind } from './uncertainty.js';

/**
 * Options of {@link createStitcher}.
 */
export interface StitcherOptions {
  /** The output grid: bounds, CRS and resolution of the raster to produce (e.g. a region's bounding slice). */
  grid: GeoSlice;
  /**
   * Bands `C` of the output (classes, or regression outputs). Every prediction holds `C` bands — `2C`
   * (means, then sigmas) with blend `'inverse-variance'`.
   */
  bands: number;
  /**
   * How overlapping predictions combine into the prediction bands (see {@link BlendMode}). Default `'mean'`.
   * The uncertainty bands come from the weighted mean and spread of the predictions (cosine weights for
   * `'cosine'`, uniform otherwise), whatever the blend — except `'inverse-variance'`, whose uncertainty
   * bands are the merged σ of each band (`sigma`, or `sigma_1..C`).
   */
  blend?: BlendMode;
  /** Spatial window that multiplies the `'inverse-variance'` weights. Default `'uniform'`. */
  window?: BlendWindow;
  /** Add a `count` band (predictions per pixel) after the uncertainty bands. Default false. */
  count?: boolean;
  /** Value written where no prediction landed. Default NaN for float dtypes; required for integer dtypes. */
  nodata?: number;
  /** Output dtype of the prediction bands. Default `'float32'`. Uncertainty bands are always float32. */
  dtype?: RasterDtype;
  /** Edge of the square accumulation (and output) tiles in pixels, a multiple of 16. Default 256. */
  tileSize?: number;
  /** What the bands hold. Default `'probabilities'`. */
  values?: ValueKind;
  /**
   * How a prediction at another resolution (or grid offset) is sampled into the grid: `'nearest'` for
   * class ids, `'bilinear'` (default) for probabilities and continuous values. Grid-aligned predictions
   * are copied exactly either way.
   */
  resample?: 'nearest' | 'bilinear';
  /** Track the second moment needed for the variance band. Default true. */
  uncertainty?: boolean;
  /** Bytes of accumulation state kept in memory before tiles spill to a scratch file. Default 512 MiB. */
  memoryBudget?: number;
  /** Directory of the scratch file (default `os.tmpdir()`). */
  scratchDir?: string;
  /** Names of the prediction bands (written as band descriptions). Default `band_1..band_C`. */
  bandNames?: string[];
  /**
   * `'rows'` promises that predictions arrive north to south: each slice's top edge is at or south of
   * the previous one's (as a grid sampler yields them). Then tile rows north of the latest slice are
   * finished, and {@link Stitcher.flush} writes them out and frees them. Default `'any'`.
   */
  order?: 'any' | 'rows';
}

/** The keys of {@link StitcherOptions} (the compiler checks the list is complete). */
export const STITCHER_OPTION_KEYS = optionKeys<StitcherOptions>()([
  'grid',
  'bands',
  'blend',
  'window',
  'count',
  'nodata',
  'dtype',
  'tileSize',
  'values',
  'resample',
  'uncertainty',
  'memoryBudget',
  'scratchDir',
  'bandNames',
  'order',
]);

/**
 * {@link StitcherOptions} checked, with every default filled in and the sizes derived from them: what
 * the parts of a stitcher (accumulation, window reads, output files) share.
 */
export interface StitchSpec {
  grid: GeoSlice;
  /** The grid's CRS, normalized (slices are compared with it). */
  gridCrs: string;
  width: number;
  height: number;
  bands: number;
  blend: BlendMode;
  window: BlendWindow;
  /** Whether a `count` band follows the uncertainty bands. */
  count: boolean;
  dtype: RasterDtype;
  dtypeInfo: DTypeInfo;
  nodata: number;
  tileSize: number;
  values: ValueKind;
  resample: 'nearest' | 'bilinear';
  trackVariance: boolean;
  bandNames: string[];
  uncertaintyBands: string[];
  /** Tiles of accumulation state that fit the memory budget. */
  maxInMemory: number;
  order: 'any' | 'rows';
  scratchDir?: string;
}

const MIB = 1024 * 1024;

/**
 * Checks stitcher options and fills in the defaults. Throws {@link StitchError} `BAD_OPTION` naming the
 * option (e.g. an integer dtype without `nodata`, a memory budget smaller than one tile).
 */
export function resolveStitcherOptions(opts: StitcherOptions): StitchSpec {
  if (!opts || typeof opts !== 'object')
    throw new StitchError(
      'BAD_OPTION',
      `createStitcher needs an options object { grid, bands, ... }, got ${String(opts)}`,
    );
  checkOptionKeys(opts, STITCHER_OPTION_KEYS, 'createStitcher', StitchError);
  const grid = validateSlice(opts.grid);
  const gridCrs = normalizeCrs(grid.crs);
  const bands = opts.bands;
  if (!Number.isInteger(bands) || bands < 1)
    throw new StitchError('BAD_OPTION', `bands must be a positive integer, got ${bands}`);
  const blend = opts.blend ?? 'mean';
  assertBlendMode(blend);
  const dtype = opts.dtype ?? 'float32';
  const info = dtypeInfo(dtype);
  const nodata = opts.nodata ?? (info.float ? NaN : undefined);
  if (nodata === undefined)
    throw new StitchError(
      'BAD_OPTION',
      `dtype ${dtype} needs a nodata value (e.g. nodata: ${info.max}) for pixels no prediction covers`,
    );
  if (!info.float && (!Number.isInteger(nodata) || nodata < info.min || nodata > info.max)) {
    throw new StitchError('BAD_OPTION', `nodata ${nodata} does not fit dtype ${dtype} (${info.min}..${info.max})`);
  }
  const tileSize = opts.tileSize ?? 256;
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0)
    throw new StitchError('BAD_OPTION', `tileSize must be a multiple of 16 (TIFF tiles), got ${tileSize}`);
  const ivw = BLEND_RULES[blend].inverseVariance === true;
  const values = opts.values ?? (ivw ? 'regression' : 'probabilities');
  if (ivw && values !== 'regression')
    throw new StitchError(
      'BAD_OPTION',
      `blend 'inverse-variance' merges (mean, sigma) regression outputs; pass values: 'regression', got ${JSON.stringify(values)}`,
    );
  const window = opts.window ?? 'uniform';
  if (window !== 'uniform' && window !== 'cosine')
    throw new StitchError('BAD_OPTION', `window must be 'uniform' or 'cosine', got ${JSON.stringify(window)}`);
  const count = opts.count ?? false;
  if (!['probabilities', 'logits', 'regression'].includes(values))
    throw new StitchError(
      'BAD_OPTION',
      `values must be 'probabilities', 'logits' or 'regression', got ${JSON.stringify(values)}`,
    );
  const resample = opts.resample ?? 'bilinear';
  if (resample !== 'nearest' && resample !== 'bilinear')
    throw new StitchError('BAD_OPTION', `resample must be 'nearest' or 'bilinear', got ${JSON.stringify(resample)}`);
  const trackVariance = opts.uncertainty ?? true;
  const bandNames = opts.bandNames ?? Array.from({ length: bands }, (_, i) => `band_${i + 1}`);
  if (bandNames.length !== bands)
    throw new StitchError('BAD_OPTION', `bandNames has ${bandNames.length} names for ${bands} bands`);
  const tileBytes = TileAccumulator.tileBytes({ bands, tileSize, blend, trackVariance, count });
  const budget = opts.memoryBudget ?? 512 * MIB;
  const maxInMemory = Math.floor(budget / tileBytes);
  if (maxInMemory < 1)
    throw new StitchError(
      'BAD_OPTION',
      `memoryBudget ${budget} B is smaller than one tile's state (${tileBytes} B); raise it or lower tileSize`,
    );
  const spread = ivw
    ? bands === 1
      ? ['sigma']
      : Array.from({ length: bands }, (_, i) => `sigma_${i + 1}`)
    : values === 'regression'
      ? ['variance']
      : ['entropy', 'variance', 'margin'];
  const order = opts.order ?? 'any';
  if (order !== 'any' && order !== 'rows')
    throw new StitchError('BAD_OPTION', `order must be 'any' or 'rows', got ${JSON.stringify(order)}`);
  return {
    grid,
    gridCrs,
    width: sliceWidth(grid),
    height: sliceHeight(grid),
    bands,
    blend,
    window,
    count,
    dtype,
    dtypeInfo: info,
    nodata,
    tileSize,
    values,
    resample,
    trackVariance,
    bandNames,
    uncertaintyBands: count ? [...spread, 'count'] : spread,
    maxInMemory,
    order,
    scratchDir: opts.scratchDir,
  };
}
