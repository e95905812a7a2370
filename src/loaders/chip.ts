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
 * A chip whose every pixel is valid (`validFraction` 1) has no `mask`, as GDAL reports an all-valid
 * mask band by a flag: `maskOf` (from `geoslice/loaders`) gives a mask either way.
 */
export interface Chip {
  slice: GeoSlice;
  data: ChipArray;
  shape: ChipShape;
  /** Absent when every pixel is valid. */
  mask?: Uint8Array;
  /** The acquisition date of each layer when stacked (`shape[0]` entries, oldest first). */
  times?: Date[];
  /** Ids of the rows (or paths of the files) that supplied at least one valid pixel, in mosaic order. */
  sources?: string[];
  /**
   * Share of valid pixels in `mask` (0..1; 1 without a mask). A slice inside the rasters whose pixels
   * are all nodata gives a chip with `validFraction` 0 and an all-invalid mask, like rasterio's
   * fully masked array.
   */
  validFraction?: number;
}

/**
 * The share of valid pixels of a mask (1 when there is none).
 */
export function validFractionOf(mask: Uint8Array | undefined): number {
  if (!mask || mask.length === 0) return 1;
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] !== 0 ? 1 : 0;
  return n / mask.length;
}

/**
 * A chip's validity mask (`1` = valid, `H * W` bytes, `T * H * W` when stacked): its own `mask`, or
 * a new all-ones array when it has none (every pixel valid).
 */
export function maskOf(chip: Chip): Uint8Array {
  if (chip.mask) return chip.mask;
  const [h, w] = chip.shape.slice(-2);
  const layers = chip.shape.length === 4 ? chip.shape[0] : 1;
  return new Uint8Array(layers * h * w).fill(1);
}
