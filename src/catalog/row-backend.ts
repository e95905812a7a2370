import type { CatalogRow } from './types.js';

/**
 * What a catalog row describes, from its `backend` column: `'raster'` (imagery, masks), `'vector'`
 * (a vector file or one feature of it, written by `buildVectorCatalog`) or `'xarray'`. Every builder
 * fills the column; rows of catalogs written before it existed read as `'raster'`.
 */
export type RowBackend = 'raster' | 'vector' | 'xarray';

/**
 * The {@link RowBackend} of a row (`'raster'` when the column is absent or NULL).
 */
export function rowBackend(row: CatalogRow): RowBackend {
  const b = row.extras?.backend;
  return b === 'vector' || b === 'xarray' ? b : 'raster';
}
