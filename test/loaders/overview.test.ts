import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickLevel } from '../../src/loaders/overview.js';
import type { GeoTransform, RasterLevel } from '../../src/loaders/raster.js';

// 1000 x 800 at 10 m with overviews at 2x, 4x, 8x (odd sizes round up, like GDAL)
const level = (w: number, h: number): RasterLevel => ({
  width: w,
  height: h,
  transform: [0, 10000 / w, 0, 8000, 0, -8000 / h] as GeoTransform,
  tileWidth: 256,
  tileHeight: 256,
});
const levels = [level(1000, 800), level(500, 400), level(250, 200), level(125, 100)];

test('pickLevel takes the coarsest level not coarser than the request on either axis', () => {
  assert.equal(pickLevel(levels, [10, 10]), 0);
  assert.equal(pickLevel(levels, [5, 5]), 0);
  assert.equal(pickLevel(levels, [19.99, 19.99]), 0);
  assert.equal(pickLevel(levels, [20, 20]), 1);
  assert.equal(pickLevel(levels, [39, 39]), 1);
  assert.equal(pickLevel(levels, [40, 40]), 2);
  assert.equal(pickLevel(levels, [1000, 1000]), 3);
  // the finer axis decides
  assert.equal(pickLevel(levels, [80, 20]), 1);
  assert.equal(pickLevel([levels[0]], [1000, 1000]), 0);
});

test('pickLevel tolerates rounding in overview pixel sizes', () => {
  const odd = [level(999, 799), level(500, 400)];
  // 999 px -> 500 px: 20.02 m pixels, still chosen for a 20.02 m request
  assert.equal(pickLevel(odd, [10000 / 500, 8000 / 400]), 1);
  assert.equal(pickLevel(odd, [19.9, 19.9]), 0);
});
