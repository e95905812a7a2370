import type { SampleArray, SampleDtype } from './dtype.js';
import type { GeoTransform } from './geotransform.js';

/**
 * One resolution level of a raster: the full resolution image or an overview.
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
 */
export interface RasterInfo {
  href: string;
  width: number;
  height: number;
  bands: number;
  dtype: SampleDtype;
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
  /** True when the alpha band is also the per-dataset mask of native reads (GDAL's `GetMaskFlags` rule). */
  alphaMask?: boolean;
  /** Per-band scale and offset (physical value = raw * scale + offset) from GDAL metadata; null when absent. Reads return raw values. */
  scaleOffset?: { scale: number[]; offset: number[] } | null;
  /** The colour table of a palette raster (`[r, g, b, a]` per index, 0..255); null when absent. */
  palette?: [number, number, number, number][] | null;
}

/**
 * Pixels of a window: one row-major `h * w` array per requested band, in the file's dtype, and a
 * validity mask (1 = valid). Pixels outside the raster are 0 in the mask and hold the nodata value
 * (0 without one). A pixel is invalid when it is outside, the internal mask says so, the alpha band
 * (see {@link RasterInfo.alphaBand}) is 0 there, or every requested band holds nodata or NaN there
 * (GDAL's per-dataset mask semantics; NaN counts as invalid even without a nodata value).
 */
export interface WindowData {
  data: SampleArray[];
  /** 1 = valid. Always present in readers made by {@link openRaster}. */
  mask?: Uint8Array;
}

/**
 * Reads pixel windows of one raster file at any of its resolution levels. Safe to call
 * concurrently; a failed window does not affect later ones.
 */
export interface RasterReader {
  info: RasterInfo;
  /**
   * Window `(x0, y0, w, h)` in pixels of `level`; may extend past the edges. `bands` are 0-based.
   * `into` offers arrays to fill instead of allocating (one `w * h` array of the raster's dtype per
   * band, or a float array that holds its values exactly — float32 for 8/16-bit integers, float64
   * up to 32-bit integers and float32 — and a `w * h` mask): a reader may use or ignore them, so
   * always read the returned arrays.
   */
  readWindow(
    level: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    bands: number[],
    into?: WindowData,
  ): Promise<WindowData>;
  close(): Promise<void>;
}
