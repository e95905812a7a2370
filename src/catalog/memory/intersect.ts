/**
 * The in-memory spatial (and temporal band) join behind `GeoCatalog.intersect`.
 */
import { bboxIntersection, bboxIntersects, geometriesIntersect, type Geometry } from '../../geo/index.js';
import { timeRangesOverlap } from '../query-plan.js';
import type { CatalogRow } from '../types.js';
import { footprint, makeRelation, rtree, type Entry, type Relation } from './relation.js';

/**
 * Joins two relations per the intersect semantics of `GeoCatalog` (see `catalog/types.ts`): one row per
 * (left, right) pair whose footprints intersect exactly and, unless `spatialOnly`, whose time ranges
 * overlap. Pairs come out in left order, then right order. The R-tree of the right side prunes by bbox.
 */
export function intersectRelations(left: Relation, right: Relation, spatialOnly: boolean): Relation {
  const names = joinedColumns(left.columns, right.columns);
  const assetClash = (key: string, leftAssets: CatalogRow['assets']): string =>
    key in leftAssets ? `right_${key}` : key;
  const tree = rtree(right);
  const out: Entry[] = [];
  /** Right footprints parsed during this join only. */
  const rightGeoms = new Map<number, Geometry>();
  const rightGeom = (i: number): Geometry => {
    let g = rightGeoms.get(i);
    if (!g) rightGeoms.set(i, (g = footprint(right.entries[i])));
    return g;
  };
  if (tree) {
    for (const l of left.entries) {
      const lb = l.row.bbox;
      const hits = tree.search(lb[0], lb[1], lb[2], lb[3]).sort((a, b) => a - b);
      let lg: Geometry | undefined;
      for (const i of hits) {
        const r = right.entries[i];
        if (!spatialOnly && !timeRangesOverlap(l.row.tmin, l.row.tmax, r.row.tmin, r.row.tmax)) continue;
        if (!bboxIntersects(lb, r.row.bbox) || !geometriesIntersect((lg ??= footprint(l)), rightGeom(i))) continue;
        const assets: CatalogRow['assets'] = { ...l.row.assets };
        for (const [k, a] of Object.entries(r.row.assets)) assets[assetClash(k, l.row.assets)] = a;
        const extras: Record<string, unknown> = {};
        for (const c of left.columns) extras[c] = l.row.extras[c];
        for (const c of right.columns) extras[names.rightName.get(c)!] = r.row.extras[c];
        extras.left_id = l.row.id;
        extras.right_id = r.row.id;
        const tmin = l.row.tmin && r.row.tmin ? new Date(Math.max(l.row.tmin.getTime(), r.row.tmin.getTime())) : null;
        const tmax = l.row.tmax && r.row.tmax ? new Date(Math.min(l.row.tmax.getTime(), r.row.tmax.getTime())) : null;
        out.push({
          row: {
            id: `${l.row.id}|${r.row.id}`,
            assets,
            geometry: l.row.geometry,
            bbox: bboxIntersection(lb, r.row.bbox)!,
            tmin,
            tmax,
            crs: l.row.crs,
            backend: l.row.backend,
            extras,
          },
        });
      }
    }
  }
  return makeRelation(out, names.columns);
}

/**
 * Output extra columns of a join: left's, then right's (a name the left already has gets `right_`),
 * then `left_id` and `right_id`.
 */
export function joinedColumns(
  left: readonly string[],
  right: readonly string[],
): { columns: string[]; rightName: Map<string, string> } {
  const leftSet = new Set(left);
  const rightName = new Map<string, string>();
  for (const c of right) rightName.set(c, leftSet.has(c) ? `right_${c}` : c);
  const columns = [...left, ...right.map((c) => rightName.get(c)!)];
  for (const c of ['left_id', 'right_id']) if (!columns.includes(c)) columns.push(c);
  return { columns, rightName };
}
