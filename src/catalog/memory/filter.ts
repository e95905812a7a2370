/**
 * The spatial and temporal parts of a query over an in-memory relation: R-tree bbox pushdown,
 * exact footprint refinement, interval overlap.
 */
import { type BBox, type Geometry, geometryIntersectsBBox, overlapsInterval } from '../../geo/index.js';
import { geometryBBox, pointInGeometry } from '../../geo/geometry.js';
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
  if (inner && cover[0] >= inner[0] && cover[1] >= inner[1] && cover[2] <= inner[2] && cover[3] <= inner[3])
    return true;
  if (containsBox(g, cover)) return true;
  if (!geometryIntersectsBBox(g, cover)) return false;
  return plan.coverIsExact || plan.exact().some((b) => geometryIntersectsBBox(g, b));
}

/** A box inside each footprint, by parsed footprint (they are kept while their footprint is). */
const inners = new WeakMap<Geometry, BBox | null>();

/**
 * A box inside `g` (its bbox shrunk about its centre until {@link containsBox} holds), or null:
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
      if (containsBox(g, b)) {
        inner = b;
        break;
      }
    }
  }
  inners.set(g, inner);
  return inner;
}

/**
 * True when the box lies inside the polygon(s) of `g`: no edge of any ring comes near the box and
 * one corner of the box is inside. Conservative: false whenever an edge might touch the box.
 */
export function containsBox(g: Geometry, b: BBox): boolean {
  if (g.type === 'Point') return false;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const [x0, y0, x1, y1] = b;
  for (const rings of polys) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [ax, ay] = ring[j];
        const [bx, by] = ring[i];
        if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) continue;
        // the edge's line leaves all four corners strictly on one side: the edge misses the box
        const s0 = side(ax, ay, bx, by, x0, y0);
        if (s0 === 0) return false;
        if (
          side(ax, ay, bx, by, x1, y0) !== s0 ||
          side(ax, ay, bx, by, x1, y1) !== s0 ||
          side(ax, ay, bx, by, x0, y1) !== s0
        )
          return false;
      }
    }
  }
  return pointInGeometry(g, x0, y0);
}

function side(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  const v = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}
