import { RasterError, StitchError } from '../errors.js';
import { GEOKEY, geoKey, RASTER_TYPE } from './geokeys.js';

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
}

/**
 * GDAL's geotransform for the tags, in the PixelIsArea convention: a PixelIsPoint raster
 * (GTRasterTypeGeoKey = 2) is shifted by half a pixel exactly as GDAL does. Without
 * georeferencing the result is GDAL's default `[0, 1, 0, 0, 0, 1]`. Rotated or sheared transforms
 * throw {@link RasterError} `ROTATED_TRANSFORM`.
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
  if (m && m.length >= 16) {
    gt = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else if (tags.tiepoints && tags.tiepoints.length >= 6 && tags.pixelScale && tags.pixelScale.length >= 2) {
    const [i, j, , x, y] = tags.tiepoints;
    const [sx, sy] = tags.pixelScale;
    gt = [x - i * sx, sx, 0, y + j * sy, 0, -sy];
  } else {
    return [0, 1, 0, 0, 0, 1];
  }
  if (gt[2] !== 0 || gt[4] !== 0) {
    throw new RasterError(
      'ROTATED_TRANSFORM',
      `${href} has a rotated or sheared geotransform [${gt.join(', ')}]; warp it to a north-up grid first (e.g. gdalwarp)`,
      { subject: href },
    );
  }
  if (geoKey(tags.geoKeyDirectory, GEOKEY.GTRasterType) === RASTER_TYPE.PIXEL_IS_POINT) {
    gt[0] -= gt[1] * 0.5 + gt[2] * 0.5;
    gt[3] -= gt[4] * 0.5 + gt[5] * 0.5;
  }
  return gt;
}

/**
 * The ModelPixelScale and ModelTiepoint values (pixel (0,0) corner at the transform origin,
 * PixelIsArea) of a north-up geotransform: the inverse of {@link geoTransformFromTags}.
 *
 * @example
 * ```ts
 * geoTransformTags([500000, 10, 0, 4100000, 0, -10]);
 * // { pixelScale: [10, 10, 0], tiepoints: [0, 0, 0, 500000, 4100000, 0] }
 * ```
 */
export function geoTransformTags(t: GeoTransform): Required<Pick<GeoTags, 'pixelScale' | 'tiepoints'>> {
  return { pixelScale: [t[1], -t[5], 0], tiepoints: [0, 0, 0, t[0], t[3], 0] };
}

/**
 * Throws {@link StitchError} `BAD_TRANSFORM` unless `t` is a finite north-up geotransform
 * (no rotation, positive pixel width, negative pixel height).
 *
 * @example
 * ```ts
 * assertNorthUp([0, 1, 0, 10, 0, -1], 'out.tif');
 * ```
 */
export function assertNorthUp(t: unknown, path: string): asserts t is GeoTransform {
  const ok = Array.isArray(t) && t.length === 6 && t.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok || t[2] !== 0 || t[4] !== 0 || !(t[1] > 0) || !(t[5] < 0)) {
    throw new StitchError(
      'BAD_TRANSFORM',
      `${path}: transform must be a north-up GDAL geotransform [x0, xres>0, 0, y0, 0, -yres<0], got ${JSON.stringify(t)}`,
      { subject: path },
    );
  }
}
