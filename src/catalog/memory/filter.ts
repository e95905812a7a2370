/**
 * The spatial and temporal parts of a query over an in-memory relation: R-tree bbox pushdown,
 * exact footprint refinement, interval overlap.
 */
import { geometryIntersectsBBox, overlapsInterval } from '../../geo/index.js';
import type { NormalizedQuery } from '../query-plan.js';
import { footprint, rtree, type Entry, type Relation } from './relation.js';

/**
 * Rows of `rel` whose footprint intersects one of `q.boxes` (exact test after the R-tree search) and
 * whose time range overlaps `q.interval` (undated rows only with `q.includeUndated`), in their
 * original order. `q.where` is not applied here (see `evalWhere`).
 */
export function filterRelation(
  rel: Relation,
  q: Pick<NormalizedQuery, 'boxes' | 'interval' | 'includeUndated'>,
): Entry[] {
  let candidates: readonly Entry[] = rel.entries;
  if (q.boxes !== null) {
    const tree = rtree(rel);
    const hit = new Uint8Array(rel.entries.length);
    if (tree) {
      for (const b of q.boxes) {
        for (const i of tree.search(b[0], b[1], b[2], b[3])) {
          if (hit[i] === 0 && geometryIntersectsBBox(footprint(rel.entries[i]), b)) hit[i] = 1;
        }
      }
    }
    candidates = rel.entries.filter((_, i) => hit[i] === 1);
  }
  const iv = q.interval;
  if (iv === null) return [...candidates];
  return candidates.filter((e) => overlapsInterval(e.row.tmin, e.row.tmax, iv, q.includeUndated));
}
