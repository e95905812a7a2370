import type { GeoTags } from '../geotransform.js';
import { parseGeoKeys } from '../geokeys.js';
import { crsFromKeys } from './geokey-crs.js';

/**
 * The CRS of the GeoKeys as GDAL builds it (see {@link crsFromKeys}): `"EPSG:n"` or `"ESRI:n"` when
 * equivalent to a code, else a complete proj4 definition; null when the file has no CRS keys.
 */
export function crsFromGeoKeys(tags: GeoTags, href: string): string | null {
  return crsFromKeys(parseGeoKeys(tags.geoKeyDirectory, tags.geoDoubleParams, tags.geoAsciiParams), href);
}
