import type { GeoTransform, RasterLevel } from './raster.js';

/**
 * Picks the raster level to read for a requested pixel size in the raster's CRS units, like
 * {@link pickLevelForRatio} with the ratio of the requested size to the full-resolution pixel size
 * (the finer axis decides). Returns an index into `levels` (`0` = full resolution).
 */
export function pickLevel(levels: readonly RasterLevel[], resolution: readonly [number, number]): number {
  const t = levels[0].transform;
  const rx = Math.hypot(t[1], t[4]);
  const ry = Math.hypot(t[2], t[5]);
  return pickLevelForRatio(levels, Math.min(resolution[0] / rx, resolution[1] / ry));
}

/**
 * The level `gdalwarp -ovr AUTO` reads for a target ratio (destination pixel size over source
 * pixel size): none above 1 reads full resolution; otherwise the overview just below the ratio, or
 * one within 0.1 of it (GDAL's rule, overview ratio = full width / overview width), the smallest
 * when the ratio is beyond them all.
 */
export function pickLevelForRatio(levels: readonly RasterLevel[], target: number): number {
  if (!(target > 1) || levels.length < 2) return 0;
  const full = levels[0].width;
  const ratio = (k: number): number => (k < 0 ? 1 : full / levels[k + 1].width);
  const overviews = levels.length - 1;
  let k = -1;
  for (; k < overviews - 1; k++) {
    // a ratio equal to an overview's up to rounding counts as equal (gdalwarp then reads that
    // overview on affine grids); at such exact ties through a reprojection, PROJ's and proj4's last
    // digits decide, so either level may be GDAL's
    if (ratio(k) < target && ratio(k + 1) > target * (1 + 1e-9)) break;
    if (Math.abs(ratio(k) - target) < 1e-1) break;
  }
  return k + 1;
}

/**
 * GDAL's target ratio for a warp into a destination grid (gdalwarp with `-te` and `-tr`/`-ts`): the
 * destination's pixel edges are sampled on a 10 × 10 lattice, mapped into source pixels (through
 * `toSrc`, destination CRS → source CRS, when the CRSs differ), and the source extent they span
 * divided by the destination size, per axis; the smaller ratio wins. 0 when no point maps.
 */
export function warpRatio(
  dst: { transform: GeoTransform; width: number; height: number },
  src: GeoTransform,
  toSrc: ((x: number, y: number) => [number, number] | null) | null,
): number {
  const [a0, a1, a2, a3, a4, a5] = dst.transform;
  const [b0, b1, b2, b3, b4, b5] = src;
  const det = b1 * b5 - b2 * b4;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  const n = 10;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const px = (dst.width * i) / (n - 1);
      const py = (dst.height * j) / (n - 1);
      let X = a0 + px * a1 + py * a2;
      let Y = a3 + px * a4 + py * a5;
      if (toSrc) {
        const p = toSrc(X, Y);
        if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) continue;
        [X, Y] = p;
      }
      const dx = X - b0;
      const dy = Y - b3;
      const c = (b5 * dx - b2 * dy) / det;
      const r = (-b4 * dx + b1 * dy) / det;
      minX = Math.min(minX, c);
      maxX = Math.max(maxX, c);
      minY = Math.min(minY, r);
      maxY = Math.max(maxY, r);
    }
  }
  const rx = maxX > minX ? (maxX - minX) / dst.width : 0;
  const ry = maxY > minY ? (maxY - minY) / dst.height : 0;
  return Math.min(rx, ry);
}
