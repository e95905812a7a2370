import { RasterError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { asGeosliceError, resolveLimits, windowTooLarge, type ResourceLimits } from './limits.js';
import { assertCogLayout, type CogLayout, readTiffLayout } from '../tiff/cog-layout.js';
import type { BlockCache } from '../sources/block-cache.js';
import type { ByteSource } from '../sources/byte-source.js';
import { openSource } from '../sources/open-source.js';
import { checkHttpOptions, type HttpSourceOptions } from '../sources/http-source.js';
import type { S3Options } from '../sources/s3-config.js';
import { sidecarsOf, withSidecars } from '../tiff/read/sidecars.js';
import { TiffRasterReader } from '../tiff/read/tiff-reader.js';

import type { RasterInfo, RasterReader, WindowData } from '../tiff/raster-reader.js';

export type { RasterDtype, SampleArray, SampleDtype, TypedArray } from '../tiff/dtype.js';
export type { GeoTransform } from '../tiff/geotransform.js';
export type { RasterInfo, RasterLevel, RasterReader, WindowData } from '../tiff/raster-reader.js';

/**
 * Options of {@link openRaster}.
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

/** The keys of {@link OpenRasterOptions} (the compiler checks the list is complete). */
export const OPEN_RASTER_OPTION_KEYS = optionKeys<OpenRasterOptions>()([
  'layout',
  'source',
  'blockCache',
  'http',
  's3',
  'limits',
]);

/**
 * Opens a GeoTIFF / COG (a path, `file://`, `http(s)://` or `s3://` URL) for window reads. Reads the header
 * unless `opts.layout` is given. A local file's `.ovr` and `.msk` sidecars are used like GDAL does
 * (see {@link withSidecars}). Throws {@link RasterError} (`BAD_MAGIC`, `TRUNCATED`,
 * `UNSUPPORTED_DTYPE`, `UNSUPPORTED_COMPRESSION`, `GCP_ONLY`, `UNSUPPORTED_CRS`, `NON_EARTH_CRS`,
 * `BAD_LAYOUT`) or SourceError.
 *
 * @example
 * ```ts
 * import { openRaster } from 'geoslice/loaders';
 *
 * const reader = await openRaster('https://example.com/b04.tif');
 * const { data, mask } = await reader.readWindow(1, 0, 0, 128, 128, [0]); // first overview
 * console.log(data[0].length, mask?.length);
 * await reader.close();
 * ```
 */
export async function openRaster(href: string, opts: OpenRasterOptions = {}): Promise<RasterReader> {
  checkOptionKeys(opts, OPEN_RASTER_OPTION_KEYS, 'openRaster', RasterError);
  const owns = !opts.source;
  const limits = resolveLimits(opts.limits);
  const source =
    opts.source ?? (await openSource(href, { http: checkHttpOptions(opts.http, 'openRaster http'), s3: opts.s3 }));
  try {
    const reader = opts.layout
      ? new TiffRasterReader(href, source, assertCogLayout(opts.layout, href), owns, opts.blockCache)
      : new TiffRasterReader(href, source, await readTiffLayout(source), owns, opts.blockCache, await source.size());
    const sidecars = sidecarsOf(href, reader.info);
    // the source is closed below when a sidecar fails to open
    const full = sidecars.ovr || sidecars.msk ? await withSidecars(reader, sidecars, opts.blockCache) : reader;
    return new LimitedReader(href, full, limits);
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

  async readWindow(
    level: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    bands: number[],
    into?: WindowData,
  ): Promise<WindowData> {
    const why = windowTooLarge(w, h, bands.length, `${this.href} level ${level}`, this.limits);
    if (why) throw new RasterError('BAD_WINDOW', why, { subject: this.href });
    try {
      return await this.inner.readWindow(level, x0, y0, w, h, bands, into);
    } catch (e) {
      throw asGeosliceError(e, this.href);
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
