import { asGeosliceError, checkWindow, resolveLimits, type ResourceLimits } from './limits.js';
import { assertCogLayout, type CogLayout } from '../tiff/cog-layout.js';
import type { BlockCache } from '../sources/block-cache.js';
import type { ByteSource } from '../sources/byte-source.js';
import { openSource } from '../sources/open-source.js';
import { checkHttpOptions, type HttpSourceOptions } from '../sources/http-source.js';
import type { S3Options } from '../sources/s3-config.js';
import { readTiffLayout } from '../tiff/read/header.js';
import { TiffRasterReader } from '../tiff/read/tiff-reader.js';

/**
 * Sample types geoslice reads.
 *
 * @example
 * ```ts
 * const d: RasterDtype = reader.info.dtype; // 'uint16'
 * ```
 */
export type RasterDtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/**
 * A typed array of one of the {@link RasterDtype}s.
 *
 * @example
 * ```ts
 * const band: TypedArray = (await reader.readWindow(0, 0, 0, 64, 64, [0])).data[0];
 * ```
 */
export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * GDAL-order geotransform `[x0, xres, xrot, y0, yrot, yres]` in the PixelIsArea convention:
 * pixel (col, row)'s top-left corner is at `x0 + col * xres`, `y0 + row * yres` (a PixelIsPoint raster
 * is shifted half a pixel, like GDAL). Rotation terms are always 0 here.
 *
 * @example
 * ```ts
 * const [x0, xres, , y0, , yres] = reader.info.transform;
 * ```
 */
export type GeoTransform = [number, number, number, number, number, number];

/**
 * One resolution level of a raster: the full resolution image or an overview.
 *
 * @example
 * ```ts
 * const coarsest: RasterLevel = reader.info.levels.at(-1)!;
 * ```
 */
export interface RasterLevel {
  width: number;
  height: number;
  /** Geotransform of this level (the full-resolution one scaled by the size ratio, like GDAL). */
  transform: GeoTransform;
  /** Block size: tile size, or width x RowsPerStrip for striped files. */
  tileWidth: number;
  tileHeight: number;
}

/**
 * What a {@link RasterReader} knows about its raster.
 *
 * @example
 * ```ts
 * const { width, height, bands, dtype, nodata, crs } = reader.info;
 * ```
 */
export interface RasterInfo {
  href: string;
  width: number;
  height: number;
  bands: number;
  dtype: RasterDtype;
  /** The GDAL nodata value (NaN possible for floats), or null. */
  nodata: number | null;
  /** "EPSG:n", or null when the file has no or a user-defined CRS. */
  crs: string | null;
  transform: GeoTransform;
  /** `[0]` = full resolution, then overviews from largest to smallest. */
  levels: RasterLevel[];
  /** True when the file has an internal (mask IFD) mask. */
  hasMask: boolean;
}

/**
 * Pixels of a window: one row-major `h * w` array per requested band, in the file's dtype, and a
 * validity mask (1 = valid). Pixels outside the raster are 0 in the mask and hold the nodata value
 * (0 without one). A pixel is invalid when it is outside, the internal mask says so, or every
 * requested band holds nodata or NaN there (GDAL's per-dataset mask semantics).
 *
 * @example
 * ```ts
 * const { data, mask } = await reader.readWindow(0, 100, 100, 256, 256, [0, 1, 2]);
 * ```
 */
export interface WindowData {
  data: TypedArray[];
  /** 1 = valid. Always present in readers made by {@link openRaster}. */
  mask?: Uint8Array;
}

/**
 * Reads pixel windows of one raster file at any of its resolution levels. Safe to call
 * concurrently; a failed window does not affect later ones.
 *
 * @example
 * ```ts
 * const reader = await openRaster('b04.tif');
 * const win = await reader.readWindow(0, 0, 0, 256, 256, [0]);
 * await reader.close();
 * ```
 */
export interface RasterReader {
  info: RasterInfo;
  /** Window `(x0, y0, w, h)` in pixels of `level`; may extend past the edges. `bands` are 0-based. */
  readWindow(level: number, x0: number, y0: number, w: number, h: number, bands: number[]): Promise<WindowData>;
  close(): Promise<void>;
}

/**
 * Options of {@link openRaster}.
 *
 * @example
 * ```ts
 * const opts: OpenRasterOptions = { layout: cachedLayout, blockCache: new BlockCache(64 << 20) };
 * ```
 */
export interface OpenRasterOptions {
  /** A header cache from {@link extractCogLayout}: with it, opening does no header I/O. */
  layout?: CogLayout;
  /** Read bytes from this source instead of opening `href` (the caller keeps ownership and closes it). */
  source?: ByteSource;
  /** Decoded blocks are kept here and reused across windows and readers. */
  blockCache?: BlockCache;
  /** Options for `http(s)://` (and `s3://`) sources opened by this call. */
  http?: HttpSourceOptions;
  /** Endpoint, region and credentials for `s3://` sources; default: the AWS environment. */
  s3?: S3Options;
  /** Largest window `readWindow` accepts; larger ones are refused with `TOO_LARGE` before allocation. */
  limits?: ResourceLimits;
}

/**
 * Opens a GeoTIFF / COG (a path, `file://`, `http(s)://` or `s3://` URL) for window reads. Reads the header
 * unless `opts.layout` is given. Throws {@link RasterError} (`BAD_MAGIC`, `TRUNCATED`,
 * `UNSUPPORTED_DTYPE`, `UNSUPPORTED_COMPRESSION`, `ROTATED_TRANSFORM`, `BAD_LAYOUT`) or SourceError.
 *
 * @example
 * ```ts
 * const reader = await openRaster('https://example.com/b04.tif');
 * const { data, mask } = await reader.readWindow(1, 0, 0, 128, 128, [0]); // first overview
 * await reader.close();
 * ```
 */
export async function openRaster(href: string, opts: OpenRasterOptions = {}): Promise<RasterReader> {
  const owns = !opts.source;
  const limits = resolveLimits(opts.limits);
  const source =
    opts.source ?? (await openSource(href, { http: checkHttpOptions(opts.http, 'openRaster http'), s3: opts.s3 }));
  try {
    const layout = opts.layout ? assertCogLayout(opts.layout, href) : await readTiffLayout(source);
    return new LimitedReader(href, new TiffRasterReader(href, source, layout, owns, opts.blockCache), limits);
  } catch (e) {
    if (owns) await source.close();
    throw asGeosliceError(e, href);
  }
}

/** A reader that refuses windows above the limits before the inner reader allocates them, and types stray errors. */
class LimitedReader implements RasterReader {
  constructor(
    private readonly href: string,
    private readonly inner: RasterReader,
    private readonly limits: Required<ResourceLimits>,
  ) {}

  get info(): RasterInfo {
    return this.inner.info;
  }

  async readWindow(level: number, x0: number, y0: number, w: number, h: number, bands: number[]): Promise<WindowData> {
    checkWindow(w, h, bands.length, `${this.href} level ${level}`, this.limits);
    try {
      return await this.inner.readWindow(level, x0, y0, w, h, bands);
    } catch (e) {
      throw asGeosliceError(e, this.href);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
