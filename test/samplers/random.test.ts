import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { SamplerError } from '../../src/errors.js';
import type { BBox } from '../../src/geo/bbox.js';
import { bboxToPolygon, geometryBBox, pointInGeometry, type Geometry } from '../../src/geo/geometry.js';
import { interval } from '../../src/geo/interval.js';
import { validateSlice } from '../../src/geo/slice.js';
import { footprintWgs84, transformBBox, transformPoint } from '../../src/geo/transform.js';
import { randomSampler } from '../../src/samplers/random.js';
import { collect, sceneRow, sliceKey } from './helpers.js';

/** Chi-square critical values at p = 0.001 by degrees of freedom. */
const CHI2_001: Record<number, number> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515 };

function chiSquare(observed: number[], expectedShare: number[]): number {
  const total = observed.reduce((a, b) => a + b, 0);
  const sum = expectedShare.reduce((a, b) => a + b, 0);
  return observed.reduce((s, o, i) => {
    const e = (total * expectedShare[i]) / sum;
    return s + ((o - e) * (o - e)) / e;
  }, 0);
}

function counts(ids: (string | undefined)[], names: string[]): number[] {
  const m = new Map(names.map((n) => [n, 0]));
  for (const id of ids) m.set(id!, (m.get(id!) ?? 0) + 1);
  assert.equal(m.size, names.length, `unexpected row ids ${[...m.keys()]}`);
  return names.map((n) => m.get(n)!);
}

/**
 * Independent inside check: a dense lattice of points over the chip (edges included, pulled in by
 * 1e-9 of the chip size against rounding where a chip edge touches the boundary) all inside g.
 */
function latticeInside(b: BBox, g: Geometry, n = 8): boolean {
  const ex = (b[2] - b[0]) * 1e-9;
  const ey = (b[3] - b[1]) * 1e-9;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      const x = b[0] + ex + ((b[2] - b[0] - 2 * ex) * i) / n;
      const y = b[1] + ey + ((b[3] - b[1] - 2 * ey) * j) / n;
      if (!pointInGeometry(g, x, y)) return false;
    }
  }
  return true;
}

// Same latitude band, widths 1:2:3:4 degrees: ground areas are exactly 1:2:3:4.
const bandRows = () => [
  sceneRow('w1', [0, 10, 1, 11]),
  sceneRow('w2', [1, 10, 3, 11]),
  sceneRow('w3', [3, 10, 6, 11]),
  sceneRow('w4', [6, 10, 10, 11]),
];

test('area weighting matches ground-area frequencies (chi-square, 10^5 draws)', async () => {
  const cat = catalogFromRows(bandRows());
  const slices = await collect(randomSampler(cat, { size: 4, resolution: 0.01, length: 100_000, seed: 11 }));
  assert.equal(slices.length, 100_000);
  const obs = counts(
    slices.map((s) => s.rowId),
    ['w1', 'w2', 'w3', 'w4'],
  );
  const stat = chiSquare(obs, [1, 2, 3, 4]);
  assert.ok(stat < CHI2_001[3], `chi-square ${stat} >= ${CHI2_001[3]} for ${obs}`);
  // and the test has power: uniform frequencies are rejected
  assert.ok(chiSquare(obs, [1, 1, 1, 1]) > 1000, 'uniform frequencies must be rejected');
});

test('area weights use footprint ∩ roi; uniform and column weights', async () => {
  const rows = bandRows().map((r, i) => ({ ...r, extras: { score: [4, 0, 1, 3][i] } }));
  const cat = catalogFromRows(rows);
  // roi covers w1 fully, half of w2 (1 degree), nothing of w3/w4 beyond x = 2
  const clipped = await collect(
    randomSampler(cat, { size: 4, resolution: 0.01, length: 20_000, seed: 5, roi: [0, 10, 2, 11] }),
  );
  const obs = counts(
    clipped.map((s) => s.rowId),
    ['w1', 'w2'],
  );
  assert.ok(chiSquare(obs, [1, 1]) < CHI2_001[1], `roi-clipped counts ${obs}`);
  const uni = await collect(
    randomSampler(cat, { size: 4, resolution: 0.01, length: 20_000, seed: 5, weight: 'uniform' }),
  );
  const obsUni = counts(
    uni.map((s) => s.rowId),
    ['w1', 'w2', 'w3', 'w4'],
  );
  assert.ok(chiSquare(obsUni, [1, 1, 1, 1]) < CHI2_001[3], `uniform counts ${obsUni}`);
  const col = await collect(
    randomSampler(cat, { size: 4, resolution: 0.01, length: 20_000, seed: 5, weight: 'score' }),
  );
  const obsCol = counts(
    col.map((s) => s.rowId),
    ['w1', 'w3', 'w4'],
  );
  assert.ok(chiSquare(obsCol, [4, 1, 3]) < CHI2_001[2], `column-weighted counts ${obsCol}`);
});

test('chips fall inside footprint ∩ roi, on the pixel grid', async () => {
  // a triangle, an L-shape with a hole, a rectangle; roi a diamond
  const tri: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [2, 0],
        [1, 2],
        [0, 0],
      ],
    ],
  };
  const ell: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [2, 0],
        [4, 0],
        [4, 1],
        [3, 1],
        [3, 2],
        [2, 2],
        [2, 0],
      ],
      [
        [2.2, 0.2],
        [2.5, 0.2],
        [2.5, 0.5],
        [2.2, 0.5],
        [2.2, 0.2],
      ],
    ],
  };
  const roi: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [2, -0.5],
        [4.5, 1],
        [2, 2.5],
        [-0.5, 1],
        [2, -0.5],
      ],
    ],
  };
  const rows = [
    sceneRow('tri', [0, 0, 2, 2], { geometry: tri }),
    sceneRow('ell', [2, 0, 4, 2], { geometry: ell }),
    sceneRow('rect', [4, 0, 5, 2]),
  ];
  const cat = catalogFromRows(rows);
  const slices = await collect(
    randomSampler(cat, { size: [8, 12], resolution: [0.01, 0.02], length: 3000, seed: 2, roi }),
  );
  assert.equal(slices.length, 3000);
  const byId = new Map(rows.map((r, i) => [r.id, [tri, ell, bboxToPolygon([4, 0, 5, 2])][i]]));
  for (const s of slices) {
    validateSlice(s);
    assert.equal(s.crs, 'EPSG:4326');
    assert.ok(latticeInside(s.bounds, byId.get(s.rowId!)!), `${sliceKey(s)} leaves its footprint`);
    assert.ok(latticeInside(s.bounds, roi), `${sliceKey(s)} leaves the roi`);
    assert.ok(Math.abs(s.bounds[0] / 0.01 - Math.round(s.bounds[0] / 0.01)) < 1e-6, 'x snapped to the 0.01 grid');
    assert.ok(Math.abs(s.bounds[1] / 0.02 - Math.round(s.bounds[1] / 0.02)) < 1e-6, 'y snapped to the 0.02 grid');
    assert.ok(
      Math.abs(s.bounds[2] - s.bounds[0] - 12 * 0.01) < 1e-9 && Math.abs(s.bounds[3] - s.bounds[1] - 8 * 0.02) < 1e-9,
      `${sliceKey(s)} is not 12 x 8 pixels`,
    );
  }
  // 'rect' lies outside the roi except a sliver near x = 4..4.5; every row with area in the roi is used
  assert.deepEqual(new Set(slices.map((s) => s.rowId)), new Set(['tri', 'ell', 'rect']));
});

test('native CRS and grid: chips snap to the raster transform, in CRS units too', async () => {
  const x0 = 500_005;
  const y0 = 5_600_035;
  const utm: BBox = [x0, y0 - 20_000, x0 + 30_000, y0];
  const wgs = transformBBox(utm, 'EPSG:32633', 'EPSG:4326', 21);
  const row = sceneRow('utm', wgs, {
    crs: 'EPSG:32633',
    extras: { transform: [x0, 10, 0, y0, 0, -10], width: 3000, height: 2000 },
  });
  const cat = catalogFromRows([row]);
  for (const opts of [{ size: 64 }, { size: 640, units: 'crs' as const }]) {
    const slices = await collect(randomSampler(cat, { ...opts, length: 200, seed: 9 }));
    for (const s of slices) {
      assert.equal(s.crs, 'EPSG:32633');
      assert.deepEqual(s.resolution, [10, 10]);
      assert.ok((s.bounds[0] - x0) % 10 === 0 && (s.bounds[3] - y0) % 10 === 0, `${sliceKey(s)} off the native grid`);
      assert.equal(s.bounds[2] - s.bounds[0], 640);
      assert.ok(
        s.bounds[0] >= utm[0] && s.bounds[2] <= utm[2] && s.bounds[1] >= utm[1] && s.bounds[3] <= utm[3],
        `${sliceKey(s)} leaves the raster extent`,
      );
    }
  }
  // another CRS on request: resolution needed, grid = multiples of it
  const merc = await collect(randomSampler(cat, { size: 32, length: 20, seed: 9, crs: 'EPSG:3857', resolution: 20 }));
  for (const s of merc) {
    assert.equal(s.crs, 'EPSG:3857');
    assert.ok(s.bounds[0] % 20 === 0 && s.bounds[1] % 20 === 0, `${sliceKey(s)} off the 20 m grid`);
  }
  await assert.rejects(
    collect(randomSampler(catalogFromRows([sceneRow('bare', [0, 0, 1, 1])]), { size: 8, length: 1 })),
    (e) => e instanceof SamplerError && e.code === 'NO_RESOLUTION' && /resolution/.test(e.message),
  );
});

test('native CRS: chips inside a non-rectangular footprint, uniform inside a rectangular one', async () => {
  const x0 = 500_000;
  const y0 = 5_100_000;
  const transform = [x0, 10, 0, y0, 0, -10];
  const raster: BBox = [x0, y0 - 20_000, x0 + 30_000, y0];
  // A data-valid footprint: a triangle well inside the raster (edges straight in EPSG:4326, as stored).
  const tri: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [x0 + 1000, y0 - 19_000],
        [x0 + 29_000, y0 - 19_000],
        [x0 + 15_000, y0 - 1000],
        [x0 + 1000, y0 - 19_000],
      ].map(([x, y]) => transformPoint('EPSG:32633', 'EPSG:4326', [x, y])),
    ],
  };
  const row = sceneRow('tri', geometryBBox(tri), {
    crs: 'EPSG:32633',
    geometry: tri,
    extras: { transform, width: 3000, height: 2000 },
  });
  const slices = await collect(randomSampler(catalogFromRows([row]), { size: 64, length: 2000, seed: 3 }));
  for (const s of slices) {
    assert.equal(s.crs, 'EPSG:32633');
    assert.ok((s.bounds[0] - x0) % 10 === 0 && (s.bounds[3] - y0) % 10 === 0, `${sliceKey(s)} off the native grid`);
    assert.ok(
      s.bounds[0] >= raster[0] && s.bounds[2] <= raster[2] && s.bounds[1] >= raster[1] && s.bounds[3] <= raster[3],
      `${sliceKey(s)} leaves the raster extent`,
    );
    // Independent check in the footprint's own CRS: chip points (pulled in by 6 cm against the
    // curvature of the chip's edges in EPSG:4326) transformed one by one.
    const e = 0.064;
    for (let i = 0; i <= 4; i++) {
      for (let j = 0; j <= 4; j++) {
        const x = s.bounds[0] + e + ((640 - 2 * e) * i) / 4;
        const y = s.bounds[1] + e + ((640 - 2 * e) * j) / 4;
        const [lon, lat] = transformPoint('EPSG:32633', 'EPSG:4326', [x, y]);
        assert.ok(pointInGeometry(tri, lon, lat), `${sliceKey(s)} leaves the footprint at (${x}, ${y})`);
      }
    }
  }
  // A rectangular footprint inside the raster: chip origins are uniform over the 1937 x 937 positions that fit.
  const inner: BBox = [x0 + 5000, y0 - 15_000, x0 + 25_000, y0 - 5000];
  const { geometry, bbox } = footprintWgs84(inner, 'EPSG:32633');
  const rect = sceneRow('rect', bbox, {
    crs: 'EPSG:32633',
    geometry,
    extras: { transform, width: 3000, height: 2000 },
  });
  const chips = await collect(randomSampler(catalogFromRows([rect]), { size: 64, length: 4000, seed: 3 }));
  const xs = chips.map((s) => s.bounds[0]);
  const ys = chips.map((s) => s.bounds[1]);
  assert.ok(
    Math.min(...xs) >= inner[0] &&
      Math.max(...xs) <= inner[2] - 640 &&
      Math.min(...ys) >= inner[1] &&
      Math.max(...ys) <= inner[3] - 640,
    'chips inside the footprint',
  );
  assert.ok(
    Math.min(...xs) < inner[0] + 200 &&
      Math.max(...xs) > inner[2] - 840 &&
      Math.min(...ys) < inner[1] + 200 &&
      Math.max(...ys) > inner[3] - 840,
    'positions along every edge are drawn',
  );
  const midX = inner[0] + 19_360 / 2;
  const midY = inner[1] + 9360 / 2;
  const quadrants = [0, 0, 0, 0];
  for (const s of chips) quadrants[(s.bounds[0] < midX ? 0 : 1) + (s.bounds[1] < midY ? 0 : 2)]++;
  assert.ok(chiSquare(quadrants, [1, 1, 1, 1]) < CHI2_001[3], `quadrant counts ${quadrants}`);
});

test('footprints smaller than a chip: the chip is centred on them', async () => {
  const cat = catalogFromRows([
    sceneRow('tiny', [1.001, 2.001, 1.003, 2.002]),
    sceneRow('pt', [5, 5, 5, 5], { geometry: { type: 'Point', coordinates: [5, 5] } }),
  ]);
  const slices = await collect(
    randomSampler(cat, { size: 10, resolution: 0.001, length: 50, seed: 1, weight: 'uniform' }),
  );
  assert.deepEqual(new Set(slices.map((s) => s.rowId)), new Set(['tiny', 'pt']));
  for (const s of slices) {
    const cx = (s.bounds[0] + s.bounds[2]) / 2;
    const cy = (s.bounds[1] + s.bounds[3]) / 2;
    const [ex, ey] = s.rowId === 'pt' ? [5, 5] : [1.002, 2.0015];
    assert.ok(
      Math.abs(cx - ex) <= 0.0005 + 1e-9 && Math.abs(cy - ey) <= 0.0005 + 1e-9,
      `${sliceKey(s)} not centred on ${ex},${ey}`,
    );
  }
});

test('seeded, epoch-reseeded, independent of cursor order, without replacement', async () => {
  const rows = Array.from({ length: 300 }, (_, i) =>
    sceneRow(`r${i}`, [i % 20, Math.floor(i / 20), (i % 20) + 0.5 + (i % 3) * 0.2, Math.floor(i / 20) + 0.5]),
  );
  const a = catalogFromRows(rows);
  const b = catalogFromRows([...rows].reverse());
  const o = { size: 16, resolution: 0.01, length: 500, seed: 'exp-1' };
  const s1 = (await collect(randomSampler(a, o))).map(sliceKey);
  assert.deepEqual((await collect(randomSampler(a, o))).map(sliceKey), s1);
  assert.deepEqual(
    (await collect(randomSampler(b, o))).map(sliceKey),
    s1,
    'reversed cursor order gives the same stream',
  );
  const e1 = (await collect(randomSampler(a, { ...o, epoch: 1 }))).map(sliceKey);
  assert.notDeepEqual(e1, s1);
  assert.deepEqual((await collect(randomSampler(b, { ...o, epoch: 1 }))).map(sliceKey), e1);
  const noRep = await collect(randomSampler(a, { ...o, length: 120, replacement: false }));
  assert.equal(new Set(noRep.map((s) => s.rowId)).size, 120);
  const all = await collect(randomSampler(a, { ...o, length: 1000, replacement: false }));
  assert.equal(all.length, 300, 'without replacement, at most one slice per row');
});

test('sharded streams partition the unsharded stream (worldSize 1..7)', async () => {
  const rows = Array.from({ length: 50 }, (_, i) => sceneRow(`r${i}`, [i, 0, i + 1, 1]));
  const cat = catalogFromRows(rows);
  const o = { size: 8, resolution: 0.01, length: 301, seed: 4 };
  const full = (await collect(randomSampler(cat, o))).map(sliceKey);
  for (let ws = 1; ws <= 7; ws++) {
    const merged: string[] = new Array(full.length);
    for (let rank = 0; rank < ws; rank++) {
      const part = (await collect(randomSampler(cat, { ...o, shard: { rank, worldSize: ws } }))).map(sliceKey);
      part.forEach((k, i) => (merged[rank + i * ws] = k));
    }
    assert.deepEqual(merged, full, `worldSize ${ws}`);
  }
  await assert.rejects(
    collect(randomSampler(cat, { ...o, shard: { rank: 3, worldSize: 3 } })),
    (e) => e instanceof SamplerError && e.code === 'BAD_OPTION',
  );
});

test('identical sequence in a child process', async () => {
  const script = fileURLToPath(new URL('./print-random.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 50_000 });
  assert.equal(child.status, 0, child.stderr);
  const { sequenceCatalogRows, sequenceOptions } = await import('./print-random.js');
  const here = (await collect(randomSampler(catalogFromRows(sequenceCatalogRows()), sequenceOptions))).map(sliceKey);
  assert.deepEqual(JSON.parse(child.stdout), here);
});

test('temporal composition and interval', async () => {
  const rows = [
    sceneRow('jan', [0, 0, 1, 1], { tmin: new Date('2024-01-15T00:00:00Z') }),
    sceneRow('mar', [0, 0, 1, 1], { tmin: new Date('2024-03-20T12:00:00Z') }),
  ];
  const cat = catalogFromRows(rows);
  const seq = await collect(
    randomSampler(cat, {
      size: 8,
      resolution: 0.01,
      length: 2,
      seed: 1,
      temporal: { mode: 'sequential', window: { months: 1 } },
    }),
  );
  assert.equal(seq.length, 6, '2 chips x 3 calendar months');
  assert.deepEqual(
    seq.slice(0, 3).map((s) => s.interval!.start!.toISOString()),
    ['2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
  );
  assert.equal(seq[0].interval!.end!.toISOString(), '2024-01-31T23:59:59.999Z');
  assert.deepEqual(seq[0].bounds, seq[2].bounds, 'one place, a time series');
  const rnd = await collect(
    randomSampler(cat, {
      size: 8,
      resolution: 0.01,
      length: 200,
      seed: 1,
      temporal: { mode: 'random', window: { days: 10 } },
    }),
  );
  for (const s of rnd) {
    const t = (s.rowId === 'jan' ? rows[0] : rows[1]).tmin!.getTime();
    assert.ok(
      s.interval!.start!.getTime() <= t && t <= s.interval!.end!.getTime(),
      'random window contains the row time',
    );
    assert.equal(s.interval!.end!.getTime() - s.interval!.start!.getTime(), 10 * 86_400_000 - 1);
  }
  const q = interval('2024-03-01', '2024-03-31');
  const only = await collect(randomSampler(cat, { size: 8, resolution: 0.01, length: 10, seed: 1, interval: q }));
  assert.ok(
    only.every((s) => s.rowId === 'mar' && s.interval === q),
    'interval filters rows and is carried by slices',
  );
});

test('bad options and rows name what to fix', async () => {
  const cat = catalogFromRows([sceneRow('a', [0, 0, 1, 1], { extras: { u: -1 } })]);
  await assert.rejects(
    collect(randomSampler(cat, { size: 8, resolution: 0.01, length: 1, weight: 'u' })),
    (e) => e instanceof SamplerError && e.code === 'BAD_WEIGHT' && /row a/.test(e.message),
  );
  await assert.rejects(
    collect(randomSampler(cat, { size: 0, resolution: 0.01, length: 1 })),
    (e) => e instanceof SamplerError && /"size"/.test(e.message),
  );
  await assert.rejects(
    collect(randomSampler(cat, { size: 8, resolution: 0.01, length: 1.5 })),
    (e) => e instanceof SamplerError && /"length"/.test(e.message),
  );
  await assert.rejects(
    collect(randomSampler(cat, { size: 15, units: 'crs', resolution: 10, length: 1 })),
    (e) => e instanceof SamplerError && /whole number/.test(e.message),
  );
});

test('preChipped yields the drawn rows own extents (native bounds when known)', async () => {
  const plain = [sceneRow('chip-a', [0, 0, 0.25, 0.25]), sceneRow('chip-b', [1, 1, 1.25, 1.5])];
  const o = { size: 1, length: 30, seed: 8, weight: 'uniform', replacement: false, preChipped: true } as const;
  const slices = await collect(randomSampler(catalogFromRows(plain), { ...o, resolution: 0.125 }));
  assert.deepEqual(slices.map((s) => [s.rowId, ...s.bounds]).sort(), [
    ['chip-a', 0, 0, 0.25, 0.25],
    ['chip-b', 1, 1, 1.25, 1.5],
  ]);
  const native = sceneRow('native', [15, 50, 15.1, 50.1], {
    crs: 'EPSG:32633',
    extras: { transform: [500000, 10, 0, 5550000, 0, -10], width: 64, height: 32 },
  });
  const [s] = await collect(randomSampler(catalogFromRows([native]), o));
  assert.deepEqual(s.bounds, [500000, 5549680, 500640, 5550000]);
  assert.deepEqual(s.resolution, [10, 10]);
});
