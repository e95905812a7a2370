import type { GeoSlice } from '../../geo/slice.js';
import { planQuery } from '../query-plan.js';
import type { CatalogRow } from '../types.js';
import type { MemoryCatalog } from './catalog.js';
import { filterRelation } from './filter.js';

/**
 * The rows of `cat` a slice selects (footprint intersecting the slice, time overlapping its
 * interval), in catalog order: what `cat.query(slice).rows()` yields, without building a derived
 * catalog and copying every row per call. The rows are the catalog's own objects: read them, never
 * change them. The loader looks up every slice this way.
 */
export async function matchingRows(cat: MemoryCatalog, slice: GeoSlice): Promise<CatalogRow[]> {
  const plan = planQuery(slice);
  const rel = await cat.relation();
  return filterRelation(rel, plan).map((e) => e.row);
}
