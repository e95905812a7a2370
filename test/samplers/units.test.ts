import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SamplerError } from '../../src/errors.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';
import { interval } from '../../src/geo/interval.js';
import { placeChip } from '../../src/samplers/chip-placement.js';
import { axisOffsets, tilesAlong } from '../../src/samplers/grid-layout.js';
import { nativeGrid } from '../../src/samplers/native-grid.js';
import { keyRng } from '../../src/samplers/keys/key-rng.js';
import { hashUniform, rowHasher } from '../../src/samplers/keys/row-hash.js';
import { planRow } from '../../src/samplers/row-chip.js';
import { rowKey } from '../../src/samplers/keys/row-key.js';
import { rowPlanner } from '../../src/samplers/row-planner.js';
import { planTemporal } from '../../src/samplers/temporal.js';
import { ArrivalReservoir } from '../../src/samplers/weighted-reservoir.js';
import { sceneRow } from './helpers.js';

const square = (x0: number, y0: number, x1: number, y1: number) => bboxToPolygon([x0, y0, x1, y1]);

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
    // without crs, all rows must share one CRS: row g (EPSG:32632) is refused
    const same = spec.crs ? rows : rows.filter((r) => r.crs === 'EPSG:32633');
    for (const row of [...same, ...same.slice().reverse()])
      assert.deepEqual(plan(row), planRow(row, spec), `${row.id} with ${JSON.stringify(spec)}`);
    if (!spec.crs) {
      // crs: 'native' asks for each row's own CRS explicitly
      const native = rowPlanner({ ...spec, mixedCrs: true });
      assert.equal(native(rows[0]).crs, 'EPSG:32633');
      assert.equal(native(rows[rows.length - 1]).crs, 'EPSG:32632');
      assert.throws(
        () => plan(rows[rows.length - 1]),
        (e: unknown) => e instanceof SamplerError && e.code === 'MIXED_CRS' && /EPSG:32632/.test(e.message),
      );
    }
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
