import { LoaderError } from '../errors.js';
import { normalizeCrs } from '../geo/crs.js';
import { validateSlice, type GeoSlice } from '../geo/slice.js';
import type { RasterInfo } from './raster.js';

/**
 * The full pixel grid of a raster as a slice (its extent, CRS and resolution). Throws
 * {@link LoaderError} `NO_CRS` when the raster has no EPSG CRS.
 */
export function rasterSlice(info: RasterInfo): GeoSlice {
  if (!info.crs)
    throw new LoaderError('NO_CRS', `${info.href} has no EPSG CRS; give the raster one (gdal_edit.py -a_srs)`, {
      subject: info.href,
    });
  const [x0, rx, , y0, , ry] = info.transform;
  return validateSlice({
    bounds: [x0, y0 + info.height * ry, x0 + info.width * rx, y0],
    crs: normalizeCrs(info.crs),
    resolution: [rx, -ry],
  });
}
