/**
 * The spatial and temporal parts of a query over an in-memory relation: R-tree bbox pushdown,
 * exact footprint refinement, interval overlap.
 */
import {
  type BBox,
  bboxContains,
  type Geometry,
  geometryBBox,
  geometryContainsBBox,
  geometryIntersectsBBox,
  overlapsInterval,
} from '../../geo/index.js';
import type { NormalizedQuery, SpatialPlan } from '../query-plan.js';
import { footprint, rtree, type Entry, type Relation } from './relation.js';

/**
 * Rows of `rel` whose footprint intersects one of the query's EPSG:4326 boxes (exact test after
 * the R-tree search) and whose time range overlaps `q.interval` (undated rows only with
 * `q.includeUndated`), in their original order. `q.where` is not applied here (see `evalWhere`).
 *
 * The search runs on the plan's `cover` boxes (which contain the exact ones): a footprint that
 * misses the cover misses the exact boxes, one that contains a cover box meets them; only a
 * footprint whose boundary passes through a cover box is tested against the exact boxes, computed
 * then. The rows kept are those of a test against the exact boxes alone.
 */
export function filterRelation(
  rel: Relation,
  q: Pick<NormalizedQuery, 'interval' | 'includeUndated'> & { spatial: SpatialPlan | null },
): Entry[] {
  let candidates: readonly Entry[] = rel.entries;
  const spatial = q.spatial;
  if (spatial !== null) {
    const tree = rtree(rel);
    const hit = new Uint8Array(rel.entries.length);
    let any = false;
    if (tree) {
      for (const b of spatial.cover) {
        for (const i of tree.search(b[0], b[1], b[2], b[3])) {
          if (hit[i] === 0 && intersectsExact(footprint(rel.entries[i]), b, spatial)) {
            hit[i] = 1;
            any = true;
          }
        }
      }
    }
    candidates = any ? rel.entries.filter((_, i) => hit[i] === 1) : [];
  }
  const iv = q.interval;
  if (iv === null) return [...candidates];
  return candidates.filter((e) => overlapsInterval(e.row.tmin, e.row.tmax, iv, q.includeUndated));
}

/** Whether `g` meets one of the exact boxes of `plan`, given that `cover` (one of its cover boxes) contains them. */
function intersectsExact(g: Geometry, cover: BBox, plan: SpatialPlan): boolean {
  const inner = innerBox(g);
  if ((inner && bboxContains(inner, cover)) || geometryContainsBBox(g, cover)) return true;
  if (!geometryIntersectsBBox(g, cover)) return false;
  return plan.coverIsExact || plan.exact().some((b) => geometryIntersectsBBox(g, b));
}

/** A box inside each footprint, by parsed footprint (they are kept while their footprint is). */
const inners = new WeakMap<Geometry, BBox | null>();

/**
 * A box inside `g` (its bbox shrunk about its centre until {@link geometryContainsBBox} holds), or null:
 * most slices fall inside it and need no edge-by-edge test. Computed once per parsed footprint.
 */
function innerBox(g: Geometry): BBox | null {
  let inner = inners.get(g);
  if (inner !== undefined) return inner;
  inner = null;
  if (g.type !== 'Point') {
    const [x0, y0, x1, y1] = geometryBBox(g);
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    for (const f of [0.95, 0.85, 0.7, 0.5]) {
      const b: BBox = [
        cx - ((x1 - x0) * f) / 2,
        cy - ((y1 - y0) * f) / 2,
        cx + ((x1 - x0) * f) / 2,
        cy + ((y1 - y0) * f) / 2,
      ];
      if (geometryContainsBBox(g, b)) {
        inner = b;
        break;
      }
    }
  }
  inners.set(g, inner);
  return inner;
}
