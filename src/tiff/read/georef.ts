import type { GeoTags } from '../geotransform.js';
import { parseGeoKeys } from '../geokeys.js';
import { crsFromKeys } from './geokey-crs.js';

/**
 * The CRS of the GeoKeys as GDAL builds it (see {@link crsFromKeys}): `"EPSG:n"` or `"ESRI:n"` when
 * equivalent to a code, else a complete proj4 definition; null when the file has no CRS keys.
 *
 * @example
 * ```ts
 * crsFromGeoKeys({ geoKeyDirectory: [1, 1, 0, 1, 3072, 0, 1, 32633] }, 'a.tif'); // 'EPSG:32633'
 * ```
 */
export function crsFromGeoKeys(tags: GeoTags, href: string): string | null {
  return crsFromKeys(parseGeoKeys(tags.geoKeyDirectory, tags.geoDoubleParams, tags.geoAsciiParams), href);
}
