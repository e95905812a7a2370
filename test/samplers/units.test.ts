import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SamplerError } from '../../src/errors.js';
import { bboxToPolygon, geometryArea, type Geometry, type Position } from '../../src/geo/geometry.js';
import { interval } from '../../src/geo/interval.js';
import { placeChip } from '../../src/samplers/chip-placement.js';
import { bboxEqualArea, equalAreaArea, toEqualArea, wkbEqualArea } from '../../src/samplers/equal-area.js';
import { writeWkb } from '../../src/geo/wkb.js';
import { axisOffsets, tilesAlong } from '../../src/samplers/grid-layout.js';
import { intersectionArea } from '../../src/samplers/intersection-area.js';
import { nativeGrid } from '../../src/samplers/native-grid.js';
import { flatPolygons, insideFlatPolygons } from '../../src/samplers/flat-polygons.js';
import { convexInsidePolygons, rectInsideGeometry, rectOverlapsGeometry } from '../../src/samplers/rect-geometry.js';
import { keyRng } from '../../src/samplers/key-rng.js';
import { hashUniform, rowHasher } from '../../src/samplers/row-hash.js';
import { planRow } from '../../src/samplers/row-chip.js';
import { rowKey } from '../../src/samplers/row-key.js';
import { rowPlanner } from '../../src/samplers/row-planner.js';
import { planTemporal } from '../../src/samplers/temporal.js';
import { ArrivalReservoir } from '../../src/samplers/weighted-reservoir.js';
import { sceneRow } from './helpers.js';

const square = (x0: number, y0: number, x1: number, y1: number) => bboxToPolygon([x0, y0, x1, y1]);

test('intersectionArea: overlaps, shared edges, holes, containment, clockwise input', () => {
  assert.equal(intersectionArea(square(0, 0, 2, 1), square(1, 0, 3, 3)), 1);
  assert.equal(intersectionArea(square(0, 0, 2, 2), square(0, 0, 2, 2)), 4);
  assert.equal(intersectionArea(square(0, 0, 1, 1), square(1, 0, 2, 1)), 0, 'touching squares');
  assert.equal(intersectionArea(square(0, 0, 10, 10), square(2, 2, 3, 4)), 2, 'containment');
  const holed: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [0, 4],
        [4, 4],
        [4, 0],
        [0, 0],
      ],
      [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
        [1, 1],
      ],
    ],
  };
  assert.equal(intersectionArea(holed, square(0, 0, 4, 2)), 8 - 2);
  const tri: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [4, 0],
        [0, 4],
        [0, 0],
      ],
    ],
  };
  assert.ok(Math.abs(intersectionArea(tri, square(0, 0, 2, 2)) - 4) < 1e-12, 'square under the hypotenuse');
  assert.ok(Math.abs(intersectionArea(tri, square(1, 1, 3, 3)) - 2) < 1e-12, 'the hypotenuse halves the square');
  const cw: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [0, 4],
        [4, 0],
        [0, 0],
      ],
    ],
  };
  assert.ok(Math.abs(intersectionArea(cw, square(1, 1, 3, 3)) - 2) < 1e-12, 'clockwise ring');
  const multi: Geometry = {
    type: 'MultiPolygon',
    coordinates: [square(0, 0, 1, 1).coordinates, square(2, 0, 3, 1).coordinates],
  };
  assert.equal(intersectionArea(multi, square(0.5, 0, 2.5, 1)), 1);
  assert.equal(intersectionArea({ type: 'Point', coordinates: [0, 0] }, square(-1, -1, 1, 1)), 0);
});

test('rect tests are exact at boundaries and holes', () => {
  const holed: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
        [0, 0],
      ],
      [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
        [1, 1],
      ],
    ],
  };
  assert.equal(rectInsideGeometry([0, 0, 1, 4], holed), true, 'touching the outer ring and the hole');
  assert.equal(rectInsideGeometry([0.5, 0.5, 1.5, 1.5], holed), false, 'overlaps the hole');
  assert.equal(rectInsideGeometry([1.5, 1.5, 2.5, 2.5], holed), false, 'inside the hole');
  assert.equal(rectInsideGeometry([-1, 1, 5, 1.5], holed), false, 'spans the polygon');
  assert.equal(rectOverlapsGeometry([4, 0, 5, 1], holed), false, 'shares an edge only');
  assert.equal(rectOverlapsGeometry([1.5, 1.5, 2.5, 2.5], holed), false, 'inside the hole');
  assert.equal(rectOverlapsGeometry([-1, -1, 5, 5], holed), true, 'contains it');
  assert.equal(rectOverlapsGeometry([3.9, 3.9, 9, 9], holed), true);
  assert.equal(rectOverlapsGeometry([0, 0, 1, 1], { type: 'Point', coordinates: [1, 1] }), true);
});

test('convex polygon test: rotated quads, touching, holes, orientation, non-convex input', () => {
  const convexInside = (c: Position[], g: Geometry) => convexInsidePolygons(c, flatPolygons(writeWkb(g))!);
  const holed: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
        [0, 0],
      ],
      [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
        [1, 1],
      ],
    ],
  };
  const diamond = (cx: number, cy: number, r: number): Position[] => [
    [cx, cy - r],
    [cx + r, cy],
    [cx, cy + r],
    [cx - r, cy],
  ];
  assert.equal(convexInside(diamond(0.5, 2, 0.5), holed), true, 'touches the outer ring and the hole at corners');
  assert.equal(convexInside(diamond(0.5, 2, 0.5).reverse(), holed), true, 'clockwise');
  assert.equal(convexInside(diamond(0.5, 2, 0.6), holed), false, 'crosses the outer ring');
  assert.equal(convexInside(diamond(0.8, 2, 0.4), holed), false, 'crosses into the hole');
  assert.equal(convexInside(diamond(2, 2, 0.5), holed), false, 'inside the hole');
  assert.equal(convexInside(diamond(2, 2, 3), holed), false, 'contains the polygon');
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1, 0.5],
        [1, 3.5],
        [0, 4],
      ],
      holed,
    ),
    true,
    'edges along the outer ring and the hole',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1.5, 0.5],
        [1.5, 3.5],
        [0, 4],
      ],
      holed,
    ),
    false,
    'reaches into the hole',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      holed,
    ),
    true,
    'an axis-aligned square on the corner',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [2, 0],
        [0.5, 0.5],
        [0, 2],
      ],
      square(0, 0, 4, 4),
    ),
    false,
    'not convex',
  );
  assert.equal(
    convexInside(
      [
        [0, 0],
        [1, 1],
        [2, 2],
        [0, 2],
      ],
      square(0, 0, 4, 4),
    ),
    false,
    'collinear corners',
  );
  for (let i = 0; i < 200; i++) {
    // agrees with rectInsideGeometry on axis-aligned boxes
    const x = (i % 17) * 0.3 - 0.5;
    const y = (i % 13) * 0.35 - 0.5;
    const r: [number, number, number, number] = [x, y, x + 0.5 + (i % 3) * 0.5, y + 0.5];
    assert.equal(
      convexInside(
        [
          [r[0], r[1]],
          [r[2], r[1]],
          [r[2], r[3]],
          [r[0], r[3]],
        ],
        holed,
      ),
      rectInsideGeometry(r, holed),
      `box ${r}`,
    );
  }
});

test('placeChip: uniform over grid-aligned positions that fit', () => {
  // a 10x4-pixel region, 4x4 chip: 7 x positions, 1 y position
  let s = 1;
  const rng = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
  const seen = new Map<number, number>();
  for (let i = 0; i < 7000; i++) {
    const { bounds, inside } = placeChip(
      { footprint: square(0, 0, 10, 4), bbox: [0, 0, 10, 4] },
      { origin: [0, 0], res: [1, 1] },
      [4, 4],
      rng,
    );
    assert.ok(inside, 'fits');
    assert.equal(bounds[1], 0);
    seen.set(bounds[0], (seen.get(bounds[0]) ?? 0) + 1);
  }
  assert.deepEqual(
    [...seen.keys()].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6],
  );
  const chi = [...seen.values()].reduce((a, o) => a + (o - 1000) ** 2 / 1000, 0);
  assert.ok(chi < 22.458, `chi-square ${chi} (df 6, p = 0.001)`);
});

test('ArrivalReservoir: with replacement draws are i.i.d. weighted; without, no repeats', () => {
  const weights = [1, 2, 3, 4];
  const counts = [0, 0, 0, 0];
  for (let rep = 0; rep < 50; rep++) {
    const hash = rowHasher('unit', rep);
    const r = new ArrivalReservoir<number>(400, true, (id) => keyRng(hash(id), 0));
    weights.forEach((w, i) => r.offer(`row${i}`, -Math.log(hashUniform(hash(`row${i}`))), w, i));
    for (const a of r.drain()) counts[a.item]++;
  }
  const total = 50 * 400;
  const chi = counts.reduce((a, o, i) => a + (o - (total * weights[i]) / 10) ** 2 / ((total * weights[i]) / 10), 0);
  assert.ok(chi < 16.266, `chi-square ${chi} for ${counts}`);
  const hash = rowHasher('unit', 0);
  const r = new ArrivalReservoir<string>(3, false, () => assert.fail('no rng without replacement'));
  for (const id of ['a', 'b', 'c', 'd', 'e']) r.offer(id, -Math.log(hashUniform(hash(id))), 1, id);
  const kept = r.drain().map((a) => a.item);
  assert.equal(new Set(kept).size, 3);
});

test('temporal plans: calendar and fixed windows, validation', () => {
  const months = planTemporal({ mode: 'sequential', window: { months: 1 } }, undefined);
  const w = months.windows(interval('2024-01-31T10:00:00Z', '2024-03-01T00:00:00Z'));
  assert.deepEqual(
    w.map((x) => x.start!.toISOString().slice(0, 10)),
    ['2024-01-01', '2024-02-01', '2024-03-01'],
  );
  assert.equal(w[1].end!.toISOString(), '2024-02-29T23:59:59.999Z');
  const days = planTemporal(
    { mode: 'sequential', window: { days: 10 }, stride: { days: 5 } },
    interval('2024-01-01', '2024-01-20'),
  );
  assert.equal(days.windows(days.extent!).length, 4);
  const rnd = planTemporal({ mode: 'random', window: { months: 3 } }, undefined);
  const anchor = Date.parse('2024-05-17T00:00:00Z');
  for (const v of [0, 0.5, 0.99]) {
    const iv = rnd.random(() => v, anchor, undefined);
    assert.ok(
      iv.start!.getTime() <= anchor && anchor <= iv.end!.getTime() && iv.start!.getUTCDate() === 1,
      iv.start!.toISOString(),
    );
  }
  assert.throws(() => planTemporal({ mode: 'random', window: { months: 1, days: 2 } }, undefined), SamplerError);
  assert.throws(() => planTemporal({ mode: 'sequential', window: 0 }, undefined), SamplerError);
  assert.throws(
    () => months.windows({ start: null, end: null }),
    (e) => e instanceof SamplerError && /temporal.extent/.test(e.message),
  );
});

test('grid layout formula and native grid columns', () => {
  assert.equal(tilesAlong(10_000, 256, 256), 40);
  assert.equal(tilesAlong(10_000, 256, 200), 50);
  assert.deepEqual(axisOffsets(10, 4, 3, 'snap'), [0, 3, 6]);
  assert.deepEqual(axisOffsets(11, 4, 3, 'snap'), [0, 3, 6, 7]);
  const g = nativeGrid(
    sceneRow('r', [0, 0, 1, 1], {
      extras: {
        B04_cog: { transform: [100, 10, 0, 200, 0, -10], width: 5, height: 3 },
        B01_cog: JSON.stringify({ transform: [100, 60, 0, 200, 0, -60], width: 1, height: 1 }),
      },
    }),
  );
  assert.deepEqual(g, { origin: [100, 200], res: [10, 10], bounds: [100, 170, 150, 200], column: 'B04_cog' });
  assert.equal(nativeGrid(sceneRow('r', [0, 0, 1, 1]), undefined), null);
  assert.throws(
    () => nativeGrid(sceneRow('r', [0, 0, 1, 1], { extras: { transform: [0, 1, 0.1, 0, 0, -1] } })),
    (e) => e instanceof SamplerError && e.code === 'ROTATED_GRID',
  );
  assert.throws(
    () => nativeGrid(sceneRow('r', [0, 0, 1, 1]), 'B08'),
    (e) => e instanceof SamplerError && /B08_cog/.test(e.message),
  );
});

test('equal-area footprint areas', () => {
  const box = bboxToPolygon([10, 40, 12, 41]);
  assert.ok(Math.abs(equalAreaArea(box) - bboxEqualArea([10, 40, 12, 41])) < 1e-3, 'a box equals its bbox area');
  assert.ok(
    Math.abs(equalAreaArea(box) - geometryArea(toEqualArea(box))) < 1e-3,
    'equals the planar area of the projected polygon',
  );
  // the authalic sphere's area of a 1°x1° cell at the equator: R² · (π/180) · sin(1°)
  assert.ok(Math.abs(bboxEqualArea([0, 0, 1, 1]) / 1.2364e10 - 1) < 1e-3, `${bboxEqualArea([0, 0, 1, 1])}`);
  const holed: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
        [0, 0],
      ],
      [
        [1, 1],
        [3, 1],
        [3, 3],
        [1, 3],
        [1, 1],
      ],
    ],
  };
  assert.ok(
    Math.abs(equalAreaArea(holed) - (bboxEqualArea([0, 0, 4, 4]) - bboxEqualArea([1, 1, 3, 3]))) < 1e-3,
    'holes are subtracted',
  );
});

test('area straight from WKB equals the decoded area; other WKB falls back', () => {
  const multi: Geometry = {
    type: 'MultiPolygon',
    coordinates: [
      bboxToPolygon([0, 0, 1, 1]).coordinates,
      [
        [
          [5, 5],
          [7, 5],
          [7, 8],
          [5, 5],
        ],
      ],
    ],
  };
  for (const g of [bboxToPolygon([10, 40, 12, 41]), multi]) {
    const fast = wkbEqualArea(writeWkb(g));
    assert.ok(fast !== null && Math.abs(fast - equalAreaArea(g)) < 1e-3, `${g.type}: ${fast} vs ${equalAreaArea(g)}`);
  }
  const be = writeWkb(bboxToPolygon([0, 0, 1, 1]));
  assert.equal(wkbEqualArea(be.subarray(0, be.byteLength - 3)), null, 'truncated');
  assert.equal(wkbEqualArea(writeWkb({ type: 'Point', coordinates: [1, 2] })), null, 'point');
});

test('ArrivalReservoir equals the brute-force k earliest events of all rows, in any offer order', () => {
  const ws = Array.from({ length: 40 }, (_, i) => 0.5 + (i % 7));
  const stream = (id: string) => {
    let j = 0;
    return () => rowKey(`${id}:`, String(j++)).u;
  };
  // brute force: each row's first 200 events (far more than can enter), merged, k earliest
  const all: { time: number; id: string; index: number }[] = [];
  ws.forEach((w, i) => {
    const id = `r${i}`;
    const rng = stream(id);
    let t = -Math.log(rowKey('bf:', id).u) / w;
    for (let index = 0; index < 200; index++, t += -Math.log(1 - rng()) / w) all.push({ time: t, id, index });
  });
  all.sort((a, b) => a.time - b.time);
  for (const k of [10, 40, 50]) {
    const expected = all.slice(0, k).map((a) => `${a.id}#${a.index}`);
    for (const order of [ws.map((_, i) => i), ws.map((_, i) => ws.length - 1 - i)]) {
      const r = new ArrivalReservoir<number>(k, true, stream);
      for (const i of order) r.offer(`r${i}`, -Math.log(rowKey('bf:', `r${i}`).u), ws[i], i);
      assert.deepEqual(
        r.drain().map((a) => `${a.id}#${a.index}`),
        expected,
        `capacity ${k}`,
      );
    }
  }
});

test('rowHasher: deterministic per (seed, epoch, id), uniform, no collisions over 10^5 ids; keyRng streams', () => {
  const h = rowHasher('unit', 0);
  assert.equal(h('scene-1'), rowHasher('unit', 0)('scene-1'));
  assert.notEqual(h('scene-1'), rowHasher('unit', 1)('scene-1'), 'epoch re-keys');
  assert.notEqual(h('scene-1'), rowHasher('unit2', 0)('scene-1'), 'seed re-keys');
  const n = 100_000;
  const keys = new Set<number>();
  const bins = new Array<number>(16).fill(0);
  for (let i = 0; i < n; i++) {
    const k = h(`scene-${i}`);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 2 ** 52);
    keys.add(k);
    bins[Math.floor(hashUniform(k) * 16)]++;
  }
  assert.equal(keys.size, n);
  const chi = bins.reduce((a, o) => a + (o - n / 16) ** 2 / (n / 16), 0);
  assert.ok(chi < 37.697, `chi-square ${chi} (df 15, p = 0.001)`);
  const a = keyRng(h('x'), 0);
  const b = keyRng(h('x'), 0);
  const c = keyRng(h('x'), 1);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 1000 }, () => b()),
    xs,
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(
    Array.from({ length: 1000 }, () => c()),
    xs,
    'streams differ',
  );
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('flatPolygons: polygons and multipolygons in either byte order; other WKB gives null', () => {
  const multi: Geometry = {
    type: 'MultiPolygon',
    coordinates: [
      square(0, 0, 1, 1).coordinates,
      [
        [
          [5, 5],
          [7, 5],
          [7, 8],
          [5, 5],
        ],
        [
          [5.5, 5.2],
          [6.5, 5.2],
          [6.5, 5.4],
          [5.5, 5.2],
        ],
      ],
    ],
  };
  const fp = flatPolygons(writeWkb(multi))!;
  assert.deepEqual(fp.bbox, [0, 0, 7, 8]);
  assert.deepEqual(fp.ringEnds, [5, 9, 13]);
  assert.deepEqual(fp.polygonEnds, [1, 3]);
  assert.deepEqual(fp.xy.slice(10, 14), [5, 5, 7, 5]);
  // big-endian, hand-encoded: a triangle (byte order 0, type 3, 1 ring of 4 points)
  const be = new DataView(new ArrayBuffer(13 + 4 * 16));
  be.setUint8(0, 0);
  be.setUint32(1, 3);
  be.setUint32(5, 1);
  be.setUint32(9, 4);
  [
    [0, 0],
    [2, 0],
    [0, 2],
    [0, 0],
  ].forEach(([x, y], i) => {
    be.setFloat64(13 + 16 * i, x);
    be.setFloat64(21 + 16 * i, y);
  });
  const tri = new Uint8Array(be.buffer);
  assert.deepEqual(flatPolygons(tri)?.bbox, [0, 0, 2, 2]);
  assert.equal(insideFlatPolygons(flatPolygons(tri)!, 0.5, 0.5), true);
  assert.equal(insideFlatPolygons(flatPolygons(tri)!, 1.5, 1.5), false);
  assert.equal(insideFlatPolygons(fp, 6, 5.25), false, 'in the hole');
  assert.equal(insideFlatPolygons(fp, 6, 6), true);
  const poly = writeWkb(square(0, 0, 1, 1));
  assert.equal(flatPolygons(poly.subarray(0, poly.byteLength - 3)), null, 'truncated');
  assert.equal(flatPolygons(writeWkb({ type: 'Point', coordinates: [1, 2] })), null, 'point');
});

test('rowPlanner gives what planRow gives, row after row, reusing grids only when equal', () => {
  const t = (x0: number, r = 10) => [x0, r, 0, 5_600_000, 0, -r];
  const rows = [
    sceneRow('a', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: t(500_000), width: 100, height: 100 },
    }),
    sceneRow('b', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: t(500_000), width: 100, height: 100 },
    }),
    sceneRow('c', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: t(500_000), width: 100, height: 90 },
    }),
    sceneRow('d', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: t(500_010), width: 100, height: 90 },
    }),
    sceneRow('e', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: new Float64Array(t(500_010, 20)), width: 100, height: 90 },
    }),
    sceneRow('f', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { B04_cog: { transform: t(500_000, 60), width: 10, height: 10 } },
    }),
    sceneRow('g', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32632',
      extras: { transform: t(500_010, 20), width: 100, height: 90 },
    }),
  ];
  for (const spec of [
    { size: [8, 8] as [number, number] },
    { size: [8, 8] as [number, number], resolution: [5, 5] as [number, number] },
    { size: [8, 8] as [number, number], crs: 'EPSG:32633', resolution: [5, 5] as [number, number] },
  ]) {
    const plan = rowPlanner(spec);
    for (const row of [...rows, ...rows.slice().reverse()])
      assert.deepEqual(plan(row), planRow(row, spec), `${row.id} with ${JSON.stringify(spec)}`);
  }
  const mutable = [500_000, 10, 0, 5_600_000, 0, -10];
  const plan = rowPlanner({ size: [8, 8] });
  const first = plan(
    sceneRow('m1', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: mutable, width: 100, height: 100 },
    }),
  );
  mutable[0] = 400_000;
  const second = plan(
    sceneRow('m2', [15, 50, 15.1, 50.1], {
      crs: 'EPSG:32633',
      extras: { transform: mutable, width: 100, height: 100 },
    }),
  );
  assert.deepEqual(
    [first.grid.origin[0], second.grid.origin[0]],
    [500_000, 400_000],
    'values are compared, not array identity',
  );
  assert.throws(
    () => plan(sceneRow('bad', [0, 0, 1, 1], { crs: 'EPSG:32633' })),
    (e) => e instanceof SamplerError && e.code === 'NO_RESOLUTION',
  );
});
