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
