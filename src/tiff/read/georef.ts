import { RasterError } from '../../errors.js';
import type { GeoTransform } from '../../loaders/raster.js';

/**
 * The georeferencing tags of one TIFF image, as numbers.
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
  if (geoKey(tags.geoKeyDirectory, 1025) === 2) {
    gt[0] -= gt[1] * 0.5 + gt[2] * 0.5;
    gt[3] -= gt[4] * 0.5 + gt[5] * 0.5;
  }
  return gt;
}

/**
 * The CRS as `"EPSG:n"` from ProjectedCSTypeGeoKey or GeographicTypeGeoKey, or null when the file
 * has none or a user-defined one.
 */
export function crsFromGeoKeys(dir: number[] | undefined): string | null {
  for (const key of [3072, 2048]) {
    const code = geoKey(dir, key);
    if (code !== undefined && code > 0 && code < 32767) return `EPSG:${code}`;
  }
  return null;
}

/** A short-valued (inline) GeoKey from the GeoKeyDirectory, or undefined. */
function geoKey(dir: number[] | undefined, id: number): number | undefined {
  if (!dir || dir.length < 4) return undefined;
  const n = dir[3];
  for (let k = 0; k < n; k++) {
    const e = 4 + k * 4;
    if (e + 3 >= dir.length) break;
    if (dir[e] === id && dir[e + 1] === 0) return dir[e + 3];
  }
  return undefined;
}
