/**
 * Choosing which footprint samplers place chips in: the raster's extent (`geometry`, the default) or
 * its valid-data polygon (the `valid_footprint` column written by `buildRasterCatalog({ footprint: 'valid' })`).
 */
import type { GeoCatalog } from '../catalog/types.js';
import { SamplerError } from '../errors.js';

/**
 * `'bbox'`: the raster's extent (fast, the default); `'valid'`: its valid-data polygon.
 */
export type FootprintMode = 'bbox' | 'valid';

/**
 * The column holding each raster's valid-data footprint (EPSG:4326 WKB).
 */
export const VALID_FOOTPRINT_COLUMN = 'valid_footprint';

/**
 * The catalog with `geometry` replaced by the valid-data footprint (`'valid'`; rows without one keep
 * their extent), or the catalog itself (`'bbox'` / undefined). Lazy: a catalog without the column fails
 * when its rows are read, with the catalog's `BAD_QUERY` error naming the missing `valid_footprint`
 * column (build it with `footprint: 'valid'`). Throws {@link SamplerError} `BAD_OPTION` for another mode.
 */
export function withFootprints(catalog: GeoCatalog, mode: FootprintMode | undefined): GeoCatalog {
  if (mode === undefined || mode === 'bbox') return catalog;
  if (mode !== 'valid')
    throw new SamplerError('BAD_OPTION', `footprint must be 'bbox' or 'valid', got ${JSON.stringify(mode)}`);
  return catalog.sql(`SELECT * REPLACE (coalesce(${VALID_FOOTPRINT_COLUMN}, geometry) AS geometry) FROM catalog`);
}
