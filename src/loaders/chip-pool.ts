import { dtypeInfo, type RasterDtype, type TypedArray } from '../tiff/dtype.js';

/**
 * Chip arrays given back once their pixels were copied (into a batch) and handed out again for
 * later chips of the same dtype and length, so a steady stream of equal chips allocates (and
 * collects) almost nothing. Holds at most `max` idle arrays; arrays come back with stale contents.
 */
export class ChipPool {
  private readonly idle = new Map<string, TypedArray[]>();
  private size = 0;

  constructor(private readonly max: number) {}

  /** An array of `dtype` with `length` elements: an idle one, or a new one. */
  take(dtype: RasterDtype, length: number): TypedArray {
    const free = this.idle.get(`${dtype}:${length}`);
    const got = free?.pop();
    if (got) {
      this.size--;
      return got;
    }
    return dtypeInfo(dtype).create(length);
  }

  /** Returns an array nobody reads any more (dropped when the pool is full). */
  give(dtype: RasterDtype, a: TypedArray): void {
    if (this.size >= this.max) return;
    const key = `${dtype}:${a.length}`;
    let free = this.idle.get(key);
    if (!free) this.idle.set(key, (free = []));
    free.push(a);
    this.size++;
  }
}
