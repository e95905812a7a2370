import type { RasterLevel } from './raster.js';

/**
 * Picks the raster level to read for a requested pixel size, as GDAL does: the coarsest level
 * (overview) whose pixels are not coarser than requested on either axis. `resolution` is the wanted
 * pixel size in the raster's CRS units; returns an index into `levels` (`0` = full resolution).
 */
export function pickLevel(levels: readonly RasterLevel[], resolution: readonly [number, number]): number {
  let best = 0;
  const tol = 1 + 1e-6;
  for (let k = 1; k < levels.length; k++) {
    const t = levels[k].transform;
    const rx = Math.hypot(t[1], t[4]);
    const ry = Math.hypot(t[2], t[5]);
    if (rx <= resolution[0] * tol && ry <= resolution[1] * tol && rx >= pixelSizeX(levels[best])) best = k;
  }
  return best;
}

function pixelSizeX(level: RasterLevel): number {
  return Math.hypot(level.transform[1], level.transform[4]);
}
