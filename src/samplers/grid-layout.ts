import { badOption } from './bad-option.js';

/**
 * How a grid treats the last row/column when the stride does not land on the region's edge:
 * - `'snap'` (default): the last tile is moved back inside the region (it overlaps its neighbour more):
 *   every pixel covered, no padding;
 * - `'pad'`: tiles keep the stride; the last one extends beyond the region (the loader pads/masks it);
 * - `'center'`: tiles keep the stride and the whole layout is centred on the region, so the overhang
 *   is split between both sides.
 * A region smaller than a tile gets one tile: at the region's start for `'pad'`, centred otherwise.
 */
export type GridEdge = 'snap' | 'pad' | 'center';

/**
 * Number of tiles along an axis of `extent` pixels: 1 when `extent <= size`, else
 * `ceil((extent - size) / stride) + 1` (the same for every {@link GridEdge}).
 */
export function tilesAlong(extent: number, size: number, stride: number): number {
  return extent <= size ? 1 : Math.ceil((extent - size) / stride) + 1;
}

/**
 * Pixel offsets of the tiles along one axis, relative to the region's first pixel (negative or
 * past `extent - size` where the tile overhangs).
 */
export function axisOffsets(extent: number, size: number, stride: number, edge: GridEdge): number[] {
  if (edge !== 'snap' && edge !== 'pad' && edge !== 'center') badOption('edge', edge, "pass 'snap', 'pad' or 'center'");
  const n = tilesAlong(extent, size, stride);
  if (n === 1) return [edge === 'pad' ? 0 : Math.floor((extent - size) / 2)];
  const out: number[] = [];
  if (edge === 'snap') {
    for (let k = 0; k < n - 1; k++) out.push(k * stride);
    out.push(extent - size);
    return out;
  }
  const start = edge === 'pad' ? 0 : Math.floor((extent - ((n - 1) * stride + size)) / 2);
  for (let k = 0; k < n; k++) out.push(start + k * stride);
  return out;
}
