/**
 * Strict PackBits decoding (TIFF 6.0 section 9) into exactly `expected` bytes: a run that reaches
 * past the end of the input, or input that ends before `expected` bytes were produced, throws an
 * Error. Bytes after the `expected` ones are ignored, as libtiff does.
 */
export function packbitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let o = 0;
  let i = 0;
  while (o < expected) {
    if (i >= input.length) throw new Error(`PackBits data ended after ${o} of ${expected} bytes`);
    const h = (input[i++] << 24) >> 24;
    if (h >= 0) {
      const n = h + 1;
      if (i + n > input.length) throw new Error(`PackBits literal run of ${n} bytes passes the end of the data`);
      out.set(input.subarray(i, i + Math.min(n, expected - o)), o);
      i += n;
      o += n;
    } else if (h !== -128) {
      if (i >= input.length) throw new Error('PackBits repeat run passes the end of the data');
      out.fill(input[i++], o, Math.min(expected, o + 1 - h));
      o += 1 - h;
    }
  }
  return out;
}
