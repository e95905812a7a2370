import { dtypeInfo, type RasterDtype, type TypedArray } from '../tiff/dtype.js';

/**
 * Chip arrays given back once their pixels were copied (into a batch) and handed out again for
 * later chips of the same dtype and length, so a steady stream of equal chips allocates (and
 * collects) almost nothing. Holds at most `maxArrays` idle arrays of at most `maxBytes` in all; when
 * a returned array does not fit, the arrays idle longest are dropped first (sizes no longer asked
 * for leave the pool). Arrays come back with stale contents.
 */
export class ChipPool {
  /** Idle arrays, longest idle first. */
  private readonly idle: { key: string; a: TypedArray }[] = [];
  private idleBytes = 0;

  constructor(
    private readonly maxArrays: number,
    private readonly maxBytes: number,
  ) {}

  /** An array of `dtype` with `length` elements: the most recently returned idle one, or a new one. */
  take(dtype: RasterDtype, length: number): TypedArray {
    const key = `${dtype}:${length}`;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (this.idle[i].key !== key) continue;
      const { a } = this.idle[i];
      this.idle.splice(i, 1);
      this.idleBytes -= a.byteLength;
      return a;
    }
    return dtypeInfo(dtype).create(length);
  }

  /** Returns an array nobody reads any more. */
  give(dtype: RasterDtype, a: TypedArray): void {
    if (a.byteLength > this.maxBytes) return;
    this.idle.push({ key: `${dtype}:${a.length}`, a });
    this.idleBytes += a.byteLength;
    while (this.idle.length > this.maxArrays || this.idleBytes > this.maxBytes)
      this.idleBytes -= (this.idle.shift() as { a: TypedArray }).a.byteLength;
  }

  /** Bytes of the idle arrays. */
  get bytes(): number {
    return this.idleBytes;
  }
}

/** An array of `dtype` with `length` elements from `pool` (stale contents), or a new one (zeros) without a pool. */
export function takeFrom(pool: ChipPool | undefined, dtype: RasterDtype, length: number): TypedArray {
  return pool ? pool.take(dtype, length) : dtypeInfo(dtype).create(length);
}
