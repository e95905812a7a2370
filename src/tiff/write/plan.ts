import { endianness } from 'node:os';
import { StitchError } from '../../errors.js';
import { optionKeys } from '../../option-keys.js';
import { COMPRESSION_CODE, type TiffCompression } from './compress.js';
import { dtypeInfo, type DTypeInfo, type RasterDtype } from '../dtype.js';
import { bandNamesXml, nodataText } from './gdal-metadata.js';
import type { GeoTransform } from '../geotransform.js';
import { geoTiffEntries } from './georef.js';
import { TAG, TIFF_TYPE } from '../tags.js';
import type { TiffEntry } from './encode-ifd.js';
import { OVERVIEW_RESAMPLING, overviewFactors, type OverviewResampling } from './overview.js';

/**
 * Everything about a raster except its pixels: what {@link createCogWriter} needs up front.
 */
export interface CogMeta {
  width: number;
  height: number;
  bands: number;
  dtype: RasterDtype;
  /** `"EPSG:n"`, a projected or geographic 2D CRS. */
  crs: string;
  /** GDAL geotransform, north-up: `[x0, xres, 0, y0, 0, -yres]`. */
  transform: GeoTransform;
  /** Written as GDAL_NODATA; must be exactly representable in `dtype`. */
  nodata?: number | null;
  /** One description per band (GDAL_METADATA). */
  bandNames?: string[];
}

/** The keys of {@link CogMeta} (the compiler checks the list is complete). */
export const COG_META_KEYS = optionKeys<CogMeta>()([
  'width',
  'height',
  'bands',
  'dtype',
  'crs',
  'transform',
  'nodata',
  'bandNames',
]);

/**
 * Writer options. Defaults: DEFLATE level 6, predictor 2 for integer and 3 for float dtypes,
 * 256-pixel tiles, `cog: true` with overviews halving until a level fits in one tile, `average`
 * resampling, classic TIFF unless the file would pass 4 GiB.
 */
export interface CogWriteOptions {
  compression?: TiffCompression;
  /** 1 none, 2 horizontal differencing (integer dtypes), 3 floating point (float dtypes). Needs compression. */
  predictor?: 1 | 2 | 3;
  /** DEFLATE level 0..9 (ignored by LZW and none). */
  level?: number;
  /** Tile width and height in pixels, a multiple of 16 (TIFF rule) from 16 to 4096. */
  tileSize?: number;
  /** `true`: halve until a level fits in one tile; a list: those decimation factors; `false`: none. Default: `cog`. */
  overviews?: boolean | number[];
  resampling?: OverviewResampling;
  /** COG layout with GDAL's structural-metadata header. `false` writes a plain tiled GeoTIFF (same order, no header, no default overviews). */
  cog?: boolean;
  /** `'auto'` (default): BigTIFF only when a classic TIFF would pass 4 GiB. */
  bigTiff?: boolean | 'auto';
  /** Called as work completes, e.g. to draw a progress bar on a TTY. Must not throw. */
  onProgress?: (p: CogProgress) => void;
}

/** The keys of {@link CogWriteOptions} (the compiler checks the list is complete). */
export const COG_WRITE_OPTION_KEYS = optionKeys<CogWriteOptions>()([
  'compression',
  'predictor',
  'level',
  'tileSize',
  'overviews',
  'resampling',
  'cog',
  'bigTiff',
  'onProgress',
]);

/**
 * Progress of a write: full-resolution tiles stored (`tiles`), overview tiles built
 * (`overviews`, during `finish`), tiles copied into the output file (`assemble`).
 */
export interface CogProgress {
  stage: 'tiles' | 'overviews' | 'assemble';
  done: number;
  total: number;
}

/**
 * One resolution level of the output: level 0 is full resolution.
 */
export interface LevelPlan {
  /** Decimation factor relative to full resolution (1 for level 0). */
  factor: number;
  /** Factor relative to the level above (0 for level 0). */
  ratio: number;
  width: number;
  height: number;
  tilesX: number;
  tilesY: number;
}

/**
 * Validated metadata and options with every default filled in, as the writer uses them.
 */
export interface CogPlan {
  path: string;
  width: number;
  height: number;
  bands: number;
  dtype: RasterDtype;
  info: DTypeInfo;
  nodata: number | null;
  tileSize: number;
  compression: TiffCompression;
  predictor: 1 | 2 | 3;
  level: number;
  resampling: OverviewResampling;
  cog: boolean;
  bigTiff: boolean | 'auto';
  levels: LevelPlan[];
  onProgress: ((p: CogProgress) => void) | undefined;
  /** Tags written in the full-resolution IFD only (georeferencing, band names). */
  mainEntries: TiffEntry[];
  /** GDAL_NODATA text, written in every IFD. */
  nodataText: string | null;
}

function bad(path: string, message: string): StitchError {
  return new StitchError('BAD_OPTION', `${path}: ${message}`, { subject: path });
}

function positiveInt(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
}

/**
 * Validates `meta` and `opts` for writing `path` and fills in defaults. Throws {@link StitchError}
 * naming the path: `BAD_SHAPE`, `UNKNOWN_DTYPE`, `UNKNOWN_CRS`, `BAD_TRANSFORM`, `BAD_NODATA`,
 * `BAD_BAND_NAMES` or `BAD_OPTION`.
 */
export function resolvePlan(path: string, meta: CogMeta, opts: CogWriteOptions = {}): CogPlan {
  if (typeof path !== 'string' || path === '')
    throw new StitchError('BAD_OPTION', `output path must be a non-empty string, got ${JSON.stringify(path)}`);
  if (endianness() !== 'LE')
    throw new StitchError('UNSUPPORTED_PLATFORM', `${path}: the GeoTIFF writer needs a little-endian host`, {
      subject: path,
    });
  if (meta === null || typeof meta !== 'object')
    throw new StitchError('BAD_SHAPE', `${path}: raster metadata must be an object`, { subject: path });
  const { width, height, bands } = meta;
  if (!positiveInt(width, 2 ** 31) || !positiveInt(height, 2 ** 31) || !positiveInt(bands, 65535)) {
    throw new StitchError(
      'BAD_SHAPE',
      `${path}: width, height and bands must be positive integers, got ${width}x${height}x${bands}`,
      { subject: path },
    );
  }
  const info = dtypeInfo(meta.dtype, path);
  const mainEntries = geoTiffEntries(meta.crs, meta.transform, path);
  const nodata = meta.nodata ?? null;
  const ndText = nodata === null ? null : nodataText(nodata, info, meta.dtype, path);
  if (meta.bandNames !== undefined) {
    mainEntries.push({
      tag: TAG.GdalMetadata,
      type: TIFF_TYPE.ASCII,
      values: bandNamesXml(meta.bandNames, bands, path),
    });
  }

  const compression = opts.compression ?? 'deflate';
  if (!Object.hasOwn(COMPRESSION_CODE, compression))
    throw bad(path, `compression must be deflate, lzw or none, got ${JSON.stringify(compression)}`);
  const defaultPredictor = compression === 'none' ? 1 : info.float ? 3 : 2;
  const predictor = opts.predictor ?? defaultPredictor;
  if (predictor !== 1 && predictor !== 2 && predictor !== 3)
    throw bad(path, `predictor must be 1, 2 or 3, got ${JSON.stringify(predictor)}`);
  if (predictor !== 1 && compression === 'none')
    throw bad(path, `predictor ${predictor} needs compression (deflate or lzw)`);
  if (predictor === 2 && info.float) throw bad(path, `predictor 2 is for integer dtypes; use 3 for ${meta.dtype}`);
  if (predictor === 3 && !info.float) throw bad(path, `predictor 3 is for float dtypes; use 2 for ${meta.dtype}`);
  const level = opts.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw bad(path, `level must be an integer 0..9, got ${JSON.stringify(level)}`);
  const tileSize = opts.tileSize ?? 256;
  if (!positiveInt(tileSize, 4096) || tileSize % 16 !== 0)
    throw bad(path, `tileSize must be a multiple of 16 from 16 to 4096, got ${JSON.stringify(tileSize)}`);
  const resampling = opts.resampling ?? 'average';
  if (!OVERVIEW_RESAMPLING.includes(resampling))
    throw bad(path, `resampling must be one of ${OVERVIEW_RESAMPLING.join(', ')}, got ${JSON.stringify(resampling)}`);
  const cog = opts.cog ?? true;
  if (typeof cog !== 'boolean') throw bad(path, `cog must be a boolean, got ${JSON.stringify(cog)}`);
  const bigTiff = opts.bigTiff ?? 'auto';
  if (bigTiff !== 'auto' && typeof bigTiff !== 'boolean')
    throw bad(path, `bigTiff must be true, false or 'auto', got ${JSON.stringify(bigTiff)}`);

  const onProgress = opts.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw bad(path, 'onProgress must be a function');
  const factors = [1, ...overviewFactors(opts.overviews ?? cog, width, height, tileSize, path)];
  const levels = factors.map((factor, i): LevelPlan => {
    const w = Math.ceil(width / factor);
    const h = Math.ceil(height / factor);
    return {
      factor,
      ratio: i === 0 ? 0 : factor / factors[i - 1],
      width: w,
      height: h,
      tilesX: Math.ceil(w / tileSize),
      tilesY: Math.ceil(h / tileSize),
    };
  });
  return {
    path,
    width,
    height,
    bands,
    dtype: meta.dtype,
    info,
    nodata,
    tileSize,
    compression,
    predictor,
    level,
    resampling,
    cog,
    bigTiff,
    onProgress,
    levels,
    mainEntries,
    nodataText: ndText,
  };
}
