import type { CatalogQuery, GeoCatalog } from '../catalog/index.js';
import { type FootprintMode, withFootprints } from '../footprints/use-footprint.js';
import type { TimeInterval } from '../geo/index.js';
import type { PreparedRoi } from './roi.js';

/**
 * Narrows a catalog to the rows a sampler may use: the roi's box (pruned by the catalog, refined
 * exactly by the sampler) and the time interval, with `footprint: 'valid'` placing chips in each row's
 * valid-data polygon instead of its extent. Returns the catalog itself when there is nothing to do.
 */
export function samplerSource(
  catalog: GeoCatalog,
  roi: PreparedRoi | undefined,
  interval: TimeInterval | undefined,
  includeUndated: boolean | undefined,
  footprint?: FootprintMode,
): GeoCatalog {
  catalog = withFootprints(catalog, footprint);
  if (!roi && !interval) return catalog;
  const q: CatalogQuery = {};
  if (roi) {
    q.bbox = roi.bbox;
    q.crs = roi.crs;
  }
  if (interval) {
    q.interval = interval;
    if (includeUndated) q.includeUndated = true;
  }
  return catalog.query(q);
}
