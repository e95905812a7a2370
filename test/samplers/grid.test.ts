import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { SamplerError } from '../../src/errors.js';
import type { BBox } from '../../src/geo/bbox.js';
import { pointInGeometry, type Geometry } from '../../src/geo/geometry.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { validateSlice } from '../../src/geo/slice.js';
import { gridSampler } from '../../src/samplers/grid.js';
import { axisOffsets, tilesAlong } from '../../src/samplers/grid-layout.js';
import { collect, sceneRow, sliceKey } from './helpers.js';

const RES = 0.125; // exact in binary: pixel arithmetic below is exact

/** Pixel raster of `box` at RES: which pixels (by centre) lie in any of `geoms`, and a coverage counter. */
function raster(box: BBox, geoms: Geometry[]) {
  const W = Math.round((box[2] - box[0]) / RES);
  const H = Math.round((box[3] - box[1]) / RES);
  const inRegion = new Uint8Array(W * H);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const x = box[0] + (c + 0.5) * RES;
      const y = box[3] - (r + 0.5) * RES;
      if (geoms.some((g) => pointInGeometry(g, x, y))) inRegion[r * W + c] = 1;
    }
  }
  const covered = new Uint16Array(W * H);
  /** Marks a tile; returns how many region pixels it holds. */
  const add = (t: GeoSlice): number => {
    let hits = 0;
    const c0 = Math.round((t.bounds[0] - box[0]) / RES);
    const r0 = Math.round((box[3] - t.bounds[3]) / RES);
    const w = Math.round((t.bounds[2] - t.bounds[0]) / RES);
    const h = Math.round((t.bounds[3] - t.bounds[1]) / RES);
    for (let r = Math.max(0, r0); r < Math.min(H, r0 + h); r++) {
      for (let c = Math.max(0, c0); c < Math.min(W, c0 + w); c++) {
        covered[r * W + c]++;
        hits += inRegion[r * W + c];
      }
    }
    return hits;
  };
  const uncovered = () => inRegion.reduce((n, v, i) => n + (v && !covered[i] ? 1 : 0), 0);
  return { W, H, inRegion, add, uncovered };
}

test('AOI: exact coverage, tile count equal to the formula, row-major, inside the region (snap)', async () => {
  const aoi: BBox = [10, 20, 10 + 1000 * RES, 20 + 700 * RES];
  for (const [size, stride] of [
    [256, 200],
    [256, 256],
    [100, 37],
    [700, 700],
  ]) {
    const tiles = await collect(gridSampler(aoi, { size, stride, resolution: RES, crs: 'EPSG:4326' }));
    assert.equal(
      tiles.length,
      tilesAlong(1000, size, stride) * tilesAlong(700, size, stride),
      `size ${size} stride ${stride}`,
    );
    const ras = raster(aoi, [
      {
        type: 'Polygon',
        coordinates: [
          [
            [aoi[0], aoi[1]],
            [aoi[2], aoi[1]],
            [aoi[2], aoi[3]],
            [aoi[0], aoi[3]],
            [aoi[0], aoi[1]],
          ],
        ],
      },
    ]);
    for (const t of tiles) {
      validateSlice(t);
      assert.ok(
        t.bounds[0] >= aoi[0] && t.bounds[2] <= aoi[2] && t.bounds[1] >= aoi[1] && t.bounds[3] <= aoi[3],
        `${sliceKey(t)} leaves the AOI`,
      );
      ras.add(t);
    }
    assert.equal(ras.uncovered(), 0, 'every pixel covered');
    const order = tiles.map((t) => [-t.bounds[3], t.bounds[0]]);
    assert.deepEqual(
      [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
      order,
      'row-major from the north-west',
    );
  }
});

test('union of footprints: one tile where footprints overlap, tiles touching no footprint skipped', async () => {
  // An L made of three rectangles (two overlap), plus a far island; a polygon with a hole.
  const rows = [
    sceneRow('a', [0, 0, 40, 10]),
    sceneRow('a-dup', [0, 0, 40, 10]),
    sceneRow('b', [0, 5, 10, 40]),
    sceneRow('island', [60, 60, 61, 61]),
    sceneRow('ring', [20, 20, 40, 40], {
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [20, 20],
            [40, 20],
            [40, 40],
            [20, 40],
            [20, 20],
          ],
          [
            [22, 22],
            [38, 22],
            [38, 38],
            [22, 38],
            [22, 22],
          ],
        ],
      },
    }),
  ];
  const cat = catalogFromRows(rows);
  const size = 16;
  const stride = 12;
  const tiles = await collect(gridSampler(cat, { size, stride, resolution: RES, crs: 'EPSG:4326' }));
  const box: BBox = [0, 0, 61, 61];
  const ras = raster(
    box,
    rows.map((r) =>
      r.id === 'ring'
        ? {
            type: 'Polygon',
            coordinates: [
              [
                [20, 20],
                [40, 20],
                [40, 40],
                [20, 40],
                [20, 20],
              ],
              [
                [22, 22],
                [38, 22],
                [38, 38],
                [22, 38],
                [22, 22],
              ],
            ],
          }
        : {
            type: 'Polygon',
            coordinates: [
              [
                [r.bbox[0], r.bbox[1]],
                [r.bbox[2], r.bbox[1]],
                [r.bbox[2], r.bbox[3]],
                [r.bbox[0], r.bbox[3]],
                [r.bbox[0], r.bbox[1]],
              ],
            ],
          },
    ) as Geometry[],
  );
  assert.equal(new Set(tiles.map(sliceKey)).size, tiles.length, 'no duplicate tiles');
  for (const t of tiles) assert.ok(ras.add(t) > 0, `${sliceKey(t)} touches no footprint`);
  assert.equal(ras.uncovered(), 0, 'every footprint pixel covered');
  // oracle: all formula tiles (same layout), kept iff they hold a footprint pixel
  const W = ras.W;
  const H = ras.H;
  let expected = 0;
  for (const r of axisOffsets(H, size, stride, 'snap')) {
    for (const c of axisOffsets(W, size, stride, 'snap')) {
      let any = false;
      for (let y = r; y < r + size && !any; y++)
        for (let x = c; x < c + size && !any; x++) any = ras.inRegion[y * W + x] === 1;
      if (any) expected++;
    }
  }
  assert.equal(tiles.length, expected);
  assert.ok(expected < tilesAlong(W, size, stride) * tilesAlong(H, size, stride), 'some tiles were skipped');
  // the duplicate footprint changes nothing
  const withoutDup = await collect(
    gridSampler(catalogFromRows(rows.filter((r) => r.id !== 'a-dup')), {
      size,
      stride,
      resolution: RES,
      crs: 'EPSG:4326',
    }),
  );
  assert.deepEqual(withoutDup.map(sliceKey), tiles.map(sliceKey));
});

test('edge modes pad and center; a region smaller than a chip gives one chip', async () => {
  const aoi: BBox = [0, 0, 100 * RES, 50 * RES];
  const pad = await collect(gridSampler(aoi, { size: 32, resolution: RES, crs: 'EPSG:4326', edge: 'pad' }));
  assert.equal(pad.length, 4 * 2);
  assert.deepEqual(
    pad.slice(0, 4).map((t) => t.bounds[0] / RES),
    [0, 32, 64, 96],
  );
  assert.equal(pad[0].bounds[3], aoi[3]);
  const center = await collect(gridSampler(aoi, { size: 32, resolution: RES, crs: 'EPSG:4326', edge: 'center' }));
  assert.deepEqual(
    center.slice(0, 4).map((t) => t.bounds[0] / RES),
    [-14, 18, 50, 82],
  );
  for (const edge of ['snap', 'pad', 'center'] as const) {
    const small = await collect(
      gridSampler([0, 0, 10 * RES, 6 * RES], { size: 32, resolution: RES, crs: 'EPSG:4326', edge }),
    );
    assert.equal(small.length, 1, edge);
    assert.equal(small[0].bounds[2] - small[0].bounds[0], 32 * RES);
    if (edge !== 'pad')
      assert.deepEqual(
        small[0].bounds.map((v) => v / RES),
        [-11, -13, 21, 19],
        `${edge} centres the chip`,
      );
  }
  await assert.rejects(
    collect(gridSampler(aoi, { size: 32, resolution: RES, crs: 'EPSG:4326', edge: 'wrap' as 'pad' })),
    (e) => e instanceof SamplerError && /edge/.test(e.message),
  );
});

test('sharded grid streams partition the unsharded stream (worldSize 1..7)', async () => {
  const rows = [sceneRow('a', [0, 0, 30, 10]), sceneRow('b', [5, 5, 12, 30])];
  const cat = catalogFromRows(rows);
  const o = { size: 20, stride: 15, resolution: RES, crs: 'EPSG:4326' };
  const full = (await collect(gridSampler(cat, o))).map(sliceKey);
  assert.ok(full.length > 20, `${full.length} tiles`);
  for (let ws = 1; ws <= 7; ws++) {
    const merged: string[] = new Array(full.length);
    for (let rank = 0; rank < ws; rank++) {
      const part = (await collect(gridSampler(cat, { ...o, shard: { rank, worldSize: ws } }))).map(sliceKey);
      part.forEach((k, i) => (merged[rank + i * ws] = k));
    }
    assert.deepEqual(merged, full, `worldSize ${ws}`);
  }
});

test('native grid anchor, polygon AOI with roi, preChipped rows and sequential time', async () => {
  const x0 = 500_003;
  const y0 = 4_000_007;
  const rows = [
    sceneRow('s1', [15, 36, 15.05, 36.05], {
      crs: 'EPSG:32633',
      tmin: new Date('2024-01-02T00:00:00Z'),
      extras: { transform: [x0, 10, 0, y0, 0, -10], width: 400, height: 500 },
    }),
    sceneRow('s2', [15.02, 36.02, 15.06, 36.06], {
      crs: 'EPSG:32633',
      tmin: new Date('2024-01-20T00:00:00Z'),
      extras: { transform: [x0 + 1000, 10, 0, y0, 0, -10], width: 400, height: 500 },
    }),
  ];
  const cat = catalogFromRows(rows);
  const tiles = await collect(gridSampler(cat, { size: 64 }));
  assert.ok(tiles.length > 0, 'tiles');
  for (const t of tiles) {
    assert.equal(t.crs, 'EPSG:32633');
    assert.ok((t.bounds[0] - x0) % 10 === 0 && (t.bounds[3] - y0) % 10 === 0, `${sliceKey(t)} off the native grid`);
  }
  const pre = await collect(gridSampler(cat, { size: 1, preChipped: true }));
  assert.deepEqual(
    pre.map((s) => [s.rowId, ...s.bounds]),
    [
      ['s1', x0, y0 - 5000, x0 + 4000, y0],
      ['s2', x0 + 1000, y0 - 5000, x0 + 5000, y0],
    ],
  );
  const seq = await collect(gridSampler(cat, { size: 128, temporal: { mode: 'sequential', window: { days: 7 } } }));
  const weeks = seq
    .filter((s) => s.bounds.join() === seq[0].bounds.join())
    .map((s) => s.interval!.start!.toISOString().slice(0, 10));
  assert.deepEqual(weeks, ['2024-01-02', '2024-01-09', '2024-01-16']);
  // a triangle AOI clipped by a roi box; tiles must overlap both
  const tri: Geometry = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [40, 0],
        [0, 40],
        [0, 0],
      ],
    ],
  };
  const aoiTiles = await collect(gridSampler(tri, { size: 8, resolution: RES, crs: 'EPSG:4326', roi: [0, 0, 20, 30] }));
  const ras = raster([0, 0, 20, 30], [tri]);
  for (const t of aoiTiles) assert.ok(ras.add(t) > 0, `${sliceKey(t)} outside triangle ∩ roi`);
  assert.equal(ras.uncovered(), 0, 'triangle ∩ roi covered');
  await assert.rejects(
    collect(
      gridSampler(catalogFromRows([...rows, sceneRow('geo', [15, 36, 15.01, 36.01], { crs: 'EPSG:4326' })]), {
        size: 8,
        resolution: 10,
      }),
    ),
    (e) => e instanceof SamplerError && e.code === 'MIXED_CRS',
  );
});
