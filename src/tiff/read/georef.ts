import { RasterError } from '../../errors.js';
import type { GeoTransform } from '../../loaders/raster.js';
import { crsFromKeys } from './geokey-crs.js';
import { parseGeoKeys } from './geokeys.js';

/**
 * The georeferencing tags of one TIFF image, as numbers.
 *
 * @example
 * ```ts
 * const tags: GeoTags = { pixelScale: [10, 10, 0], tiepoints: [0, 0, 0, 500000, 4000000, 0] };
 * ```
 */
export interface GeoTags {
  pixelScale?: number[];
  tiepoints?: number[];
  transformation?: number[];
  geoKeyDirectory?: number[];
  /** GeoDoubleParamsTag (34736). */
  geoDoubleParams?: number[];
  /** GeoAsciiParamsTag (34737). */
  geoAsciiParams?: string;
}

/**
 * GDAL's geotransform for the tags, in the PixelIsArea convention: a PixelIsPoint raster
 * (GTRasterTypeGeoKey = 2) is shifted by half a pixel exactly as GDAL does. Without
 * georeferencing the result is GDAL's default `[0, 1, 0, 0, 0, 1]`. Rotated and sheared
 * transforms (ModelTransformationTag) are kept as they are. Throws {@link RasterError} `GCP_ONLY`
 * for rasters georeferenced by ground control points only (several tie points, or one without a
 * pixel scale), and `BAD_GEOTRANSFORM` for a transform that cannot be inverted.
 *
 * @example
 * ```ts
 * geoTransformFromTags({ pixelScale: [10, 10, 0], tiepoints: [0, 0, 0, 500000, 4000000, 0] }, 'a.tif');
 * // [500000, 10, 0, 4000000, 0, -10]
 * ```
 */
export function geoTransformFromTags(tags: GeoTags, href: string): GeoTransform {
  let gt: GeoTransform;
  const m = tags.transformation;
  const tp = tags.tiepoints ?? [];
  if (m && m.length >= 16) {
    gt = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else if (tp.length >= 6 && tp.length < 12 && tags.pixelScale && tags.pixelScale.length >= 2) {
    const [i, j, , x, y] = tp;
    const [sx, sy] = tags.pixelScale;
    gt = [x - i * sx, sx, 0, y + j * sy, 0, -sy];
  } else if (tp.length >= 6) {
    const n = Math.floor(tp.length / 6);
    throw new RasterError(
      'GCP_ONLY',
      `${href} is georeferenced by ${n} ground control point(s) (ModelTiepointTag without a ModelPixelScaleTag), not by a geotransform; geoslice does not warp GCP-only rasters: rectify it first (gdalwarp ${href} out.tif)`,
      { subject: href },
    );
  } else {
    return [0, 1, 0, 0, 0, 1];
  }
  if (!gt.every(Number.isFinite) || gt[1] * gt[5] - gt[2] * gt[4] === 0) {
    throw new RasterError(
      'BAD_GEOTRANSFORM',
      `${href} has a degenerate geotransform [${gt.join(', ')}] (not invertible); the georeferencing tags are corrupt`,
      { subject: href },
    );
  }
  if (geoKey(tags.geoKeyDirectory, 1025) === 2) {
    gt[0] -= gt[1] * 0.5 + gt[2] * 0.5;
    gt[3] -= gt[4] * 0.5 + gt[5] * 0.5;
  }
  return gt;
}

/**
 * The CRS of the GeoKeys as GDAL builds it (see {@link crsFromKeys}): `"EPSG:n"` when equivalent to
 * an EPSG code, else a complete proj4 definition; null when the file has no CRS keys.
 *
 * @example
 * ```ts
 * crsFromGeoKeys({ geoKeyDirectory: [1, 1, 0, 1, 3072, 0, 1, 32633] }, 'a.tif'); // 'EPSG:32633'
 * ```
 */
export function crsFromGeoKeys(tags: GeoTags, href: string): string | null {
  return crsFromKeys(parseGeoKeys(tags.geoKeyDirectory, tags.geoDoubleParams, tags.geoAsciiParams), href);
}

/** A short-valued (inline) GeoKey from the GeoKeyDirectory, or undefined. */
function geoKey(dir: number[] | undefined, id: number): number | undefined {
  const v = parseGeoKeys(dir).get(id);
  return typeof v === 'number' ? v : undefined;
}
