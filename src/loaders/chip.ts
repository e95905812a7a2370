import type { GeoSlice } from '../geo/slice.js';
import type { TypedArray } from '../tiff/dtype.js';

/**
 * The shape of a chip's `data`: `[bands, height, width]` for a single (mosaicked) layer, or
 * `[time, bands, height, width]` when the loader stacks acquisitions (`temporal: 'stack'`).
 *
 * @example
 * ```ts
 * const single: ChipShape = [3, 256, 256];
 * const stacked: ChipShape = [4, 3, 256, 256];
 * ```
 */
export type ChipShape =
  | [bands: number, height: number, width: number]
  | [time: number, bands: number, height: number, width: number];

/**
 * Typed arrays a chip's pixels can come in: `Float32Array` by default, or the array type matching
 * the loader's `dtype` option.
 *
 * @example
 * ```ts
 * const px: ChipArray = new Uint16Array(256 * 256);
 * ```
 */
export type ChipArray = TypedArray;

/**
 * The pixels of one {@link GeoSlice}: row-major, band-sequential (`[C, H, W]`, or `[T, C, H, W]`
 * when stacked), with a validity mask (`1` = valid) of `H * W` bytes (`T * H * W` when stacked).
 * Invalid pixels (nodata, NaN, masked, outside every raster) hold `0` in `data` and `0` in `mask`.
 *
 * @example
 * ```ts
 * const chip: Chip = await loader.load(slice);
 * const [c, h, w] = chip.shape;
 * const redAtCentre = chip.data[0 * h * w + (h >> 1) * w + (w >> 1)];
 * ```
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
