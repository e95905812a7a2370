import type { GeoSlice } from '../geo/slice.js';
import type { TypedArray } from '../tiff/dtype.js';

/**
 * The shape of a chip's `data`: `[bands, height, width]` for a single (mosaicked) layer, or
 * `[time, bands, height, width]` when the loader stacks acquisitions (`temporal: 'stack'`).
 */
export type ChipShape =
  | [bands: number, height: number, width: number]
  | [time: number, bands: number, height: number, width: number];

/**
 * Typed arrays a chip's pixels can come in: `Float32Array` by default, or the array type matching
 * the loader's `dtype` option.
 */
export type ChipArray = TypedArray;

/**
 * The pixels of one {@link GeoSlice}: row-major, band-sequential (`[C, H, W]`, or `[T, C, H, W]`
 * when stacked), with a validity mask (`1` = valid) of `H * W` bytes (`T * H * W` when stacked).
 * Invalid pixels (nodata, NaN, masked, outside every raster) hold `0` in `data` and `0` in `mask`.
 */
export interface Chip {
  slice: GeoSlice;
  data: ChipArray;
  shape: ChipShape;
  mask?: Uint8Array;
  /** The acquisition date of each layer when stacked (`shape[0]` entries, oldest first). */
  times?: Date[];
  /** Ids of the rows (or paths of the files) that supplied at least one valid pixel, in mosaic order. */
  sources?: string[];
}
