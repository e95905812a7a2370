import { StitchError } from '../../errors.js';
import type { DTypeInfo, RasterArray } from '../dtype.js';

/**
 * How overview pixels are computed from the level above.
 *
 * - `'average'`: mean of the valid samples of the block (nodata and NaN skipped; integers rounded
 *   half up); a block with no valid sample is nodata (NaN for floats without nodata).
 * - `'nearest'`: the sample at the block's centre (index `floor(r / 2)`, clamped at the raster edge).
 * - `'mode'`: the most frequent valid sample, ties going to the smaller value — for class maps.
 */
export type OverviewResampling = 'average' | 'nearest' | 'mode';

/**
 * The resampling methods, for validation.
 */
export const OVERVIEW_RESAMPLING: readonly OverviewResampling[] = ['average', 'nearest', 'mode'];

/**
 * Overview decimation factors (relative to full resolution) for `overviews`:
 * `true` halves until the level fits in one tile; an array is checked (powers of two, strictly
 * increasing, each step dividing `tileSize`); `false` means none. Throws {@link StitchError}
 * `BAD_OPTION` naming `path` on a bad list.
 */
export function overviewFactors(
  overviews: boolean | readonly number[],
  width: number,
  height: number,
  tileSize: number,
  path: string,
): number[] {
  if (overviews === false) return [];
  if (overviews === true) {
    const out: number[] = [];
    for (let f = 2; Math.ceil(Math.max(width, height) / (f / 2)) > tileSize; f *= 2) out.push(f);
    return out;
  }
  if (!Array.isArray(overviews)) {
    throw new StitchError(
      'BAD_OPTION',
      `${path}: overviews must be true, false or a list of factors like [2, 4, 8], got ${JSON.stringify(overviews)}`,
      { subject: path },
    );
  }
  let prev = 1;
  for (const f of overviews) {
    const ratio = f / prev;
    if (
      !Number.isInteger(f) ||
      f < 2 ||
      !Number.isInteger(ratio) ||
      ratio < 2 ||
      (ratio & (ratio - 1)) !== 0 ||
      tileSize % ratio !== 0
    ) {
      throw new StitchError(
        'BAD_OPTION',
        `${path}: overview factors must be increasing powers of two, each at most ${tileSize}x the previous, got ${JSON.stringify(overviews)}`,
        { subject: path },
      );
    }
    prev = f;
  }
  return [...overviews];
}

/**
 * Reduces a block of pixel-interleaved samples by `r` in both directions. The block is `w` x `h`
 * valid pixels stored with a row stride of `stride` pixels; the result is `ceil(w / r)` x
 * `ceil(h / r)` pixels, tightly packed, in a new array of the same dtype. Each output pixel covers
 * the source pixels `[i*r, min(i*r + r, w))` (and likewise in y), per band.
 */
export function reduceBlock(
  src: RasterArray,
  w: number,
  h: number,
  stride: number,
  spp: number,
  r: number,
  method: OverviewResampling,
  nodata: number | null,
  info: DTypeInfo,
): { data: RasterArray; width: number; height: number } {
  const ow = Math.ceil(w / r);
  const oh = Math.ceil(h / r);
  const out = info.create(ow * oh * spp);
  const empty = nodata ?? NaN;
  const hasNodata = nodata !== null;
  const average = method === 'average';
  const values: number[] = [];
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * r;
    const y1 = Math.min(y0 + r, h);
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * r;
      const x1 = Math.min(x0 + r, w);
      for (let b = 0; b < spp; b++) {
        const o = (oy * ow + ox) * spp + b;
        if (method === 'nearest') {
          out[o] = src[(Math.min(y0 + (r >> 1), h - 1) * stride + Math.min(x0 + (r >> 1), w - 1)) * spp + b];
          continue;
        }
        let sum = 0;
        let count = 0;
        if (!average) values.length = 0;
        for (let y = y0; y < y1; y++) {
          for (let i = (y * stride + x0) * spp + b, end = (y * stride + x1) * spp; i < end; i += spp) {
            const v = src[i];
            if (v !== v || (hasNodata && v === nodata)) continue; // v !== v: NaN is never valid
            if (average) {
              sum += v;
              count++;
            } else {
              values.push(v);
            }
          }
        }
        if (!average) out[o] = values.length === 0 ? empty : modeOf(values);
        else if (count === 0) out[o] = empty;
        else out[o] = info.float ? sum / count : Math.floor(sum / count + 0.5);
      }
    }
  }
  return { data: out, width: ow, height: oh };
}

function modeOf(values: number[]): number {
  values.sort((a, b) => a - b);
  let best = values[0];
  let bestCount = 0;
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    if (j - i > bestCount) {
      best = values[i];
      bestCount = j - i;
    }
    i = j;
  }
  return best;
}
