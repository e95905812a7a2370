import { StitchError } from '../../errors.js';
import type { DTypeInfo, RasterArray } from '../dtype.js';

/**
 * The value that fills tile padding and pixels nobody wrote: `nodata`, or 0 when there is none.
 */
export function fillValue(nodata: number | null): number {
  return nodata ?? 0;
}

/**
 * A `tileSize` x `tileSize` pixel-interleaved tile (all samples of a pixel together) filled with `fill`.
 */
export function blankTile(tileSize: number, spp: number, info: DTypeInfo, fill: number): RasterArray {
  const t = info.create(tileSize * tileSize * spp);
  if (fill !== 0) t.fill(fill);
  return t;
}

/**
 * Checks one band array for a tile or raster: its typed array must be the dtype's own and its
 * length one of `lengths`. Throws {@link StitchError} `WRONG_ARRAY_TYPE` or `SHAPE_MISMATCH`
 * (naming `path` and `what`).
 */
export function checkBandArray(
  a: unknown,
  info: DTypeInfo,
  dtype: string,
  lengths: readonly number[],
  path: string,
  what: string,
): asserts a is RasterArray {
  if (!ArrayBuffer.isView(a) || a instanceof DataView || !info.accepts(a as RasterArray)) {
    const got = a === null || a === undefined ? String(a) : ((a as object).constructor?.name ?? typeof a);
    throw new StitchError(
      'WRONG_ARRAY_TYPE',
      `${path}: ${what} is ${got}, but dtype ${dtype} needs ${info.create(0).constructor.name}; convert it first`,
      { subject: path },
    );
  }
  const n = (a as RasterArray).length;
  if (!lengths.includes(n)) {
    throw new StitchError('SHAPE_MISMATCH', `${path}: ${what} has ${n} samples, expected ${lengths.join(' or ')}`, {
      subject: path,
    });
  }
}

/** An integer view of a band's bits (2 words per sample for 64-bit dtypes), so copies keep NaN payloads. */
function wordsOf(a: RasterArray): { words: Uint8Array | Uint16Array | Uint32Array; k: number } {
  switch (a.BYTES_PER_ELEMENT) {
    case 1:
      return { words: new Uint8Array(a.buffer, a.byteOffset, a.length), k: 1 };
    case 2:
      return { words: new Uint16Array(a.buffer, a.byteOffset, a.length), k: 1 };
    default:
      return { words: new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4), k: a.BYTES_PER_ELEMENT / 4 };
  }
}

/**
 * Copies a `w` x `h` window of single-band arrays (row stride `stride`, window origin `x0, y0`,
 * band `b` starting at `bandOffsets[b]`) into the top-left corner of a pixel-interleaved tile.
 * Copies bits, not numbers, so float NaN payloads survive.
 */
export function interleaveInto(
  tile: RasterArray,
  tileSize: number,
  bands: readonly RasterArray[],
  bandOffsets: readonly number[],
  stride: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
): void {
  const spp = bands.length;
  const { words: dst, k } = wordsOf(tile);
  for (let b = 0; b < spp; b++) {
    const src = wordsOf(bands[b]).words;
    const base = bandOffsets[b];
    for (let y = 0; y < h; y++) {
      const s0 = (base + (y0 + y) * stride + x0) * k;
      const d0 = y * tileSize * spp * k;
      if (spp === 1) {
        dst.set(src.subarray(s0, s0 + w * k), d0);
        continue;
      }
      for (let x = 0; x < w; x++) {
        const s = s0 + x * k;
        const d = d0 + (x * spp + b) * k;
        for (let j = 0; j < k; j++) dst[d + j] = src[s + j];
      }
    }
  }
}

/**
 * Copies a tightly packed, pixel-interleaved `w` x `h` block into a tile at pixel `(x0, y0)`.
 */
export function placeBlock(
  tile: RasterArray,
  tileSize: number,
  spp: number,
  block: RasterArray,
  w: number,
  h: number,
  x0: number,
  y0: number,
): void {
  const rowLen = w * spp;
  for (let y = 0; y < h; y++) {
    tile.set(block.subarray(y * rowLen, (y + 1) * rowLen), ((y0 + y) * tileSize + x0) * spp);
  }
}
