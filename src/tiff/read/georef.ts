import { geoKey } from '../geokeys.js';

/**
 * The CRS as `"EPSG:n"` from ProjectedCSTypeGeoKey or GeographicTypeGeoKey, or null when the file
 * has none or a user-defined one.
 *
 * @example
 * ```ts
 * crsFromGeoKeys([1, 1, 0, 1, 3072, 0, 1, 32633]); // 'EPSG:32633'
 * ```
 */
export function crsFromGeoKeys(dir: number[] | undefined): string | null {
  for (const key of [3072, 2048]) {
    const code = geoKey(dir, key);
    if (code !== undefined && code > 0 && code < 32767) return `EPSG:${code}`;
  }
  return null;
}
