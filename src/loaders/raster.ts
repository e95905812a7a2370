import { assertCogLayout, type CogLayout, readTiffLayout } from '../tiff/cog-layout.js';
import type { BlockCache } from '../sources/block-cache.js';
import type { ByteSource } from '../sources/byte-source.js';
import { openSource } from '../sources/open-source.js';
import type { HttpSourceOptions } from '../sources/http-source.js';
import type { S3Options } from '../sources/s3-config.js';
import { sidecarsOf, withSidecars } from '../tiff/read/sidecars.js';
import { TiffRasterReader } from '../tiff/read/tiff-reader.js';

import type { RasterReader } from '../tiff/raster-reader.js';

export type { RasterDtype, TypedArray } from '../tiff/dtype.js';
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
}

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
  const owns = !opts.source;
  const source = opts.source ?? (await openSource(href, { http: opts.http, s3: opts.s3 }));
  try {
    const reader = opts.layout
      ? new TiffRasterReader(href, source, assertCogLayout(opts.layout, href), owns, opts.blockCache)
      : new TiffRasterReader(href, source, await readTiffLayout(source), owns, opts.blockCache, await source.size());
    const sidecars = sidecarsOf(href, reader.info);
    // the source is closed below when a sidecar fails to open
    return sidecars.ovr || sidecars.msk ? await withSidecars(reader, sidecars, opts.blockCache) : reader;
  } catch (e) {
    if (owns) await source.close();
    throw e;
  }
}
