import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { timeRangesOverlap } from '../../src/catalog/query-plan.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { bboxIntersects } from '../../src/geo/bbox.js';
import { geometriesIntersect, geometryIntersectsBBox } from '../../src/geo/geometry.js';
import { readWkb } from '../../src/geo/wkb.js';
import { randomRows } from './memory-fixtures.js';

/** Brute force over all pairs: the expected `left|right` ids. */
function oracle(left: CatalogRow[], right: CatalogRow[], spatialOnly: boolean): { ids: string[]; bboxOnly: number } {
  const lg = left.map((r) => readWkb(r.geometry));
  const rg = right.map((r) => readWkb(r.geometry));
  const ids: string[] = [];
  let bboxOnly = 0;
  left.forEach((l, i) => {
    right.forEach((r, j) => {
      if (!bboxIntersects(l.bbox, r.bbox)) return;
      if (!spatialOnly && !timeRangesOverlap(l.tmin, l.tmax, r.tmin, r.tmax)) return;
      if (geometriesIntersect(lg[i], rg[j])) ids.push(`${l.id}|${r.id}`);
      else bboxOnly++;
    });
  });
  return { ids: ids.sort(), bboxOnly };
}

const left = randomRows(3000, 'intersect-left', 'a');
const right = randomRows(800, 'intersect-right', 'b');

for (const spatialOnly of [false, true]) {
  test(`random intersect (spatialOnly ${spatialOnly}) equals the brute-force oracle`, async () => {
    const expected = oracle(left, right, spatialOnly);
    assert.ok(expected.ids.length > 100, `the random catalogs produce pairs (${expected.ids.length})`);
    assert.ok(
      expected.bboxOnly > 10,
      `some pairs overlap by bbox only (${expected.bboxOnly}), so bbox-only joining would be wrong`,
    );
    const got: string[] = [];
    const byId = new Map(left.map((r) => [r.id, r]));
    const rightById = new Map(right.map((r) => [r.id, r]));
    for await (const r of catalogFromRows(left).intersect(catalogFromRows(right), { spatialOnly }).rows()) {
      got.push(r.id);
      const l = byId.get(r.extras.left_id as string)!;
      const rr = rightById.get(r.extras.right_id as string)!;
      assert.equal(r.id, `${l.id}|${rr.id}`);
      assert.equal(r.crs, l.crs);
      assert.deepEqual(r.geometry, l.geometry);
      assert.deepEqual(r.bbox, [
        Math.max(l.bbox[0], rr.bbox[0]),
        Math.max(l.bbox[1], rr.bbox[1]),
        Math.min(l.bbox[2], rr.bbox[2]),
        Math.min(l.bbox[3], rr.bbox[3]),
      ]);
      assert.equal(r.tmin?.getTime() ?? null, l.tmin && rr.tmin ? Math.max(l.tmin.getTime(), rr.tmin.getTime()) : null);
      assert.equal(r.tmax?.getTime() ?? null, l.tmax && rr.tmax ? Math.min(l.tmax.getTime(), rr.tmax.getTime()) : null);
      assert.equal(r.extras.split, l.extras.split);
      assert.equal(r.extras.right_split, rr.extras.split);
    }
    assert.deepEqual(got.sort(), expected.ids);
  });
}

test('intersect with an empty side is empty; chained with a query it filters the joined rows', async () => {
  const cat = catalogFromRows(left.slice(0, 200));
  assert.equal(await cat.intersect(catalogFromRows([])).count(), 0);
  assert.equal(await catalogFromRows([]).intersect(cat).count(), 0);
  const self = cat.intersect(cat, { spatialOnly: true });
  const n = await self.count();
  assert.ok(n >= 200, 'every row intersects itself');
  const box = [14, 46, 15, 47] as [number, number, number, number];
  const viaQuery = await self.query({ bbox: box }).count();
  let expected = 0;
  // The joined bbox is the intersection of both bboxes while the geometry is the left footprint, so a
  // row matches when both its bbox and its geometry meet the box (bbox pushdown, then exact refinement).
  for await (const r of self.rows())
    if (bboxIntersects(r.bbox, box) && geometryIntersectsBBox(readWkb(r.geometry), box)) expected++;
  assert.ok(expected > 0 && expected < n);
  assert.equal(viaQuery, expected);
});
