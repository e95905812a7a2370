import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickLevel, pickLevelForRatio, warpRatio } from '../../src/loaders/overview.js';
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

test('pickLevel follows gdalwarp -ovr AUTO: ratios from the width, the finer axis decides', () => {
  const odd = [level(999, 799), level(500, 400)];
  // overview ratio 999/500 = 1.998 (x); a 20 m request is 1.998 in x but 1.9975 in y: GDAL stays at full resolution
  assert.equal(pickLevel(odd, [10000 / 500, 8000 / 400]), 0);
  assert.equal(pickLevel(odd, [19.9, 19.9]), 0);
  assert.equal(pickLevel(odd, [20.1, 20.1]), 1);
});

test('pickLevelForRatio: the overview just below the ratio, or one within 0.1 of it', () => {
  assert.equal(pickLevelForRatio(levels, 1), 0);
  assert.equal(pickLevelForRatio(levels, 0.5), 0);
  assert.equal(pickLevelForRatio(levels, 1.95), 0);
  assert.equal(pickLevelForRatio(levels, 2), 1);
  assert.equal(pickLevelForRatio(levels, 3.95), 1);
  assert.equal(pickLevelForRatio(levels, 4.05), 2);
  assert.equal(pickLevelForRatio(levels, 8.05), 3);
  assert.equal(pickLevelForRatio(levels, 100), 3);
});

test('warpRatio: destination extent over source pixels, per axis, the smaller one', () => {
  const src: GeoTransform = [0, 10, 0, 8000, 0, -10];
  assert.equal(warpRatio({ transform: [0, 40, 0, 8000, 0, -20], width: 10, height: 10 }, src, null), 2);
  // through a mapping that doubles x: 80 m destination pixels in x span 16 source pixels
  const ratio = warpRatio({ transform: [0, 40, 0, 8000, 0, -40], width: 10, height: 10 }, src, (x, y) => [x * 2, y]);
  assert.equal(ratio, 4);
});
