import { assertCogLayout, type CogLayout, readTiffLayout } from '../tiff/cog-layout.js';
import type { BlockCache } from '../sources/block-cache.js';
import type { ByteSource } from '../sources/byte-source.js';
import { openSource } from '../sources/open-source.js';
import type { HttpSourceOptions } from '../sources/http-source.js';
import type { S3Options } from '../sources/s3-config.js';
import { sidecarsOf, withSidecars } from '../tiff/read/sidecars.js';
import { TiffRasterReader } from '../tiff/read/tiff-reader.js';

import type { RasterDtype, TypedArray } from '../tiff/dtype.js';
import type { GeoTransform } from '../tiff/geotransform.js';

export type { GeoTransform, RasterDtype, TypedArray };

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
  /** 0-based band GDAL calls Alpha (ExtraSamples); null or absent when none. Warps treat alpha 0 as invalid, like gdalwarp. */
  alphaBand?: number | null;
  /** Per-band scale and offset (physical value = raw * scale + offset) from GDAL metadata; null when absent. Reads return raw values. */
  scaleOffset?: { scale: number[]; offset: number[] } | null;
  /** The colour table of a palette raster (`[r, g, b, a]` per index, 0..255); null when absent. */
  palette?: [number, number, number, number][] | null;
  /** True when the alpha band is also the per-dataset mask of native reads (GDAL's `GetMaskFlags` rule). */
  alphaMask?: boolean;
}

/**
 * Pixels of a window: one row-major `h * w` array per requested band, in the file's dtype, and a
 * validity mask (1 = valid). Pixels outside the raster are 0 in the mask and hold the nodata value
 * (0 without one). A pixel is invalid when it is outside, the internal mask says so, the alpha band
 * (see {@link RasterInfo.alphaBand}) is 0 there, or every requested band holds nodata or NaN there
 * (GDAL's per-dataset mask semantics; NaN counts as invalid even without a nodata value).
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
 * const reader = await openRaster('https://example.com/b04.tif');
 * const { data, mask } = await reader.readWindow(1, 0, 0, 128, 128, [0]); // first overview
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
