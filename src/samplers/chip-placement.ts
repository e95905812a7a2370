import { type BBox, type Geometry, pointInGeometry } from '../geo/index.js';
import { rectInsideGeometry } from '../geo/rect-geometry.js';

/**
 * A pixel grid: lines at `origin + k * res` on each axis.
 */
export interface PixelGrid {
  origin: [number, number];
  res: [number, number];
}

/**
 * Where a chip may go: a footprint and an optional roi (same CRS as the grid), and the box of their
 * intersection.
 */
export interface PlacementRegion {
  footprint: Geometry;
  roi?: Geometry;
  bbox: BBox;
}

/**
 * How many tries before the fallback placement (see {@link placeChip}).
 */
export const MAX_PLACEMENT_ATTEMPTS = 1000;

const EPS = 1e-9;

function inRegion(r: PlacementRegion, x: number, y: number): boolean {
  return pointInGeometry(r.footprint, x, y) && (!r.roi || pointInGeometry(r.roi, x, y));
}

/**
 * Draws grid-aligned chip positions of `[height, width]` pixels uniformly among those whose chip lies
 * inside `bbox`, up to `attempts` times, and returns the first chip `inside` accepts — uniform over
 * the accepted positions, whatever `inside` is, as long as `bbox` holds all of them. Returns null
 * when the chip does not fit in `bbox` or no draw was accepted.
 */
export function drawChip(
  bbox: BBox,
  grid: PixelGrid,
  size: [number, number],
  rng: () => number,
  attempts: number,
  inside: (r: BBox) => boolean,
): BBox | null {
  const { kmin, kmax, mmin, mmax } = positions(bbox, grid, size);
  if (kmin > kmax || mmin > mmax) return null;
  for (let a = 0; a < attempts; a++) {
    const k = kmin + Math.floor(rng() * (kmax - kmin + 1));
    const m = mmin + Math.floor(rng() * (mmax - mmin + 1));
    const r = chipAt(grid, size, k, m);
    if (inside(r)) return r;
  }
  return null;
}

/** Grid indices of the chips whose extent lies inside `bbox` (k along x, m along y). */
function positions(
  bbox: BBox,
  grid: PixelGrid,
  size: [number, number],
): { kmin: number; kmax: number; mmin: number; mmax: number } {
  const [ox, oy] = grid.origin;
  const [rx, ry] = grid.res;
  return {
    kmin: Math.ceil((bbox[0] - ox) / rx - EPS),
    kmax: Math.floor((bbox[2] - ox) / rx + EPS) - size[1],
    mmin: Math.ceil((bbox[1] - oy) / ry - EPS),
    mmax: Math.floor((bbox[3] - oy) / ry + EPS) - size[0],
  };
}

function chipAt(grid: PixelGrid, size: [number, number], k: number, m: number): BBox {
  const [ox, oy] = grid.origin;
  const [rx, ry] = grid.res;
  return [ox + k * rx, oy + m * ry, ox + (k + size[1]) * rx, oy + (m + size[0]) * ry];
}

/**
 * Places a chip of `[height, width]` pixels on `grid`, uniformly at random (`rng` in [0, 1)):
 * 1. when the region is at least a chip wide and tall, grid-aligned positions are drawn uniformly
 *    over those whose chip lies inside `region.bbox` and kept when the chip lies entirely inside the
 *    footprint and the roi (exact test): uniform over all fitting grid-aligned positions;
 * 2. otherwise — the region is smaller than a chip along an axis, or no fitting position was found in
 *    {@link MAX_PLACEMENT_ATTEMPTS} tries (thin or ragged regions) — the chip's centre is drawn
 *    uniformly inside footprint ∩ roi, and along an axis where the region is smaller than the chip
 *    the chip is centred on the region; the chip then extends beyond the region (TorchGeo skips such
 *    footprints; centring is what users of small scenes and objects ask for);
 * 3. a region with no area (a point footprint) gets the chip centred on it.
 * Returns the chip bounds and whether it lies entirely inside the region.
 */
export function placeChip(
  region: PlacementRegion,
  grid: PixelGrid,
  size: [number, number],
  rng: () => number,
): { bounds: BBox; inside: boolean } {
  const { footprint, roi } = region;
  const found = drawChip(
    region.bbox,
    grid,
    size,
    rng,
    MAX_PLACEMENT_ATTEMPTS,
    (r) => rectInsideGeometry(r, footprint) && (!roi || rectInsideGeometry(r, roi)),
  );
  if (found) return { bounds: found, inside: true };
  const [ox, oy] = grid.origin;
  const [rx, ry] = grid.res;
  const [h, w] = size;
  const [bx0, by0, bx1, by1] = region.bbox;
  const { kmin, kmax, mmin, mmax } = positions(region.bbox, grid, size);
  const fitsX = kmin <= kmax;
  const fitsY = mmin <= mmax;
  let cx = (bx0 + bx1) / 2;
  let cy = (by0 + by1) / 2;
  if (bx1 > bx0 && by1 > by0) {
    for (let a = 0; a < MAX_PLACEMENT_ATTEMPTS; a++) {
      const x = bx0 + rng() * (bx1 - bx0);
      const y = by0 + rng() * (by1 - by0);
      if (inRegion(region, x, y)) {
        if (fitsX) cx = x;
        if (fitsY) cy = y;
        break;
      }
    }
  }
  const k = Math.round((cx - ox) / rx - w / 2);
  const m = Math.round((cy - oy) / ry - h / 2);
  return { bounds: chipAt(grid, size, k, m), inside: false };
}
