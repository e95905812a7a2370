/**
 * Order-sensitive pixel checksum: Σ value × (index mod 7 + 1) over each array, summed. The Python
 * side (`rasterio.ts`, `rasterio-boxes.py`) computes the same with numpy.
 */
export function checksum(arrays: Iterable<ArrayLike<number>>): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += a[i] * ((i % 7) + 1);
  return s;
}

/** Share of equal pixels between two lists of equally long arrays. */
export function agreement(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  if (a.length !== b.length) throw new Error(`agreement: ${a.length} arrays against ${b.length}`);
  let same = 0;
  let all = 0;
  a.forEach((x, k) => {
    const y = b[k];
    if (x.length !== y.length) throw new Error(`agreement: array ${k} has ${x.length} values against ${y.length}`);
    for (let i = 0; i < x.length; i++) if (x[i] === y[i]) same++;
    all += x.length;
  });
  return same / all;
}

/**
 * Where a benchmark's consumer puts the chips it is given, as a training loop stacks chips into a
 * batch and lets them go: each chip's pixels are copied into one array allocated before timing,
 * and the chip itself is dropped. Keeping every chip alive instead (to checksum them after timing)
 * is not what a user's loop does, and it costs JavaScript readers extra garbage collections (V8
 * collects for the external memory the kept arrays add) that Python's reference counting does not
 * have to make.
 */
export class PixelSink {
  private readonly pixels: Uint16Array;

  constructor(
    private readonly chips: number,
    private readonly perChip: number,
  ) {
    this.pixels = new Uint16Array(chips * perChip);
  }

  /** Copies chip `i`'s pixels (uint16 values) into its place. */
  put(i: number, data: ArrayLike<number>): void {
    if (data.length !== this.perChip)
      throw new Error(`PixelSink: chip ${i} has ${data.length} pixels, not ${this.perChip}`);
    this.pixels.set(data, i * this.perChip);
  }

  /** The chips' pixels, one view per chip, in order. */
  arrays(): Uint16Array[] {
    return Array.from({ length: this.chips }, (_, i) => this.pixels.subarray(i * this.perChip, (i + 1) * this.perChip));
  }
}
