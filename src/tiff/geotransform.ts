import { RasterError, StitchError } from '../errors.js';
import { GEOKEY, geoKey, RASTER_TYPE } from './geokeys.js';

/**
 * GDAL-order geotransform `[x0, xres, xrot, y0, yrot, yres]` in the PixelIsArea convention:
 * pixel (col, row)'s top-left corner is at `x0 + col * xres`, `y0 + row * yres` (a PixelIsPoint raster
 * is shifted half a pixel, like GDAL). Rotated and sheared transforms have non-zero terms 2 and 4.
 */
export type GeoTransform = [number, number, number, number, number, number];

/**
 * The georeferencing tags of one TIFF image, as numbers.
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
  if (geoKey(tags.geoKeyDirectory, GEOKEY.GTRasterType) === RASTER_TYPE.PIXEL_IS_POINT) {
    gt[0] -= gt[1] * 0.5 + gt[2] * 0.5;
    gt[3] -= gt[4] * 0.5 + gt[5] * 0.5;
  }
  return gt;
}

/**
 * The ModelPixelScale and ModelTiepoint values (pixel (0,0) corner at the transform origin,
 * PixelIsArea) of a north-up geotransform: the inverse of {@link geoTransformFromTags}.
 */
export function geoTransformTags(t: GeoTransform): Required<Pick<GeoTags, 'pixelScale' | 'tiepoints'>> {
  return { pixelScale: [t[1], -t[5], 0], tiepoints: [0, 0, 0, t[0], t[3], 0] };
}

/**
 * Throws {@link StitchError} `BAD_TRANSFORM` unless `t` is a finite north-up geotransform
 * (no rotation, positive pixel width, negative pixel height).
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
