/**
 * TIFF LZW compression (TIFF 6.0 section 13): 8-bit symbols, codes written most significant bit
 * first, starting at 9 bits, Clear = 256, EndOfInformation = 257, and the code width growing one
 * code early (the "early change" every TIFF reader expects). The table is reset with Clear before
 * it would need 13-bit codes.
 */
export function lzwEncode(input: Uint8Array): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  let out = new Uint8Array(Math.max(64, (input.length * 3) >> 1));
  let outLen = 0;
  let acc = 0;
  let accBits = 0;
  let width = 9;
  let next = 258;
  const table = new Map<number, number>();

  const emit = (code: number): void => {
    acc = (acc << width) | code;
    accBits += width;
    while (accBits >= 8) {
      accBits -= 8;
      if (outLen === out.length) {
        const grown = new Uint8Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[outLen++] = (acc >>> accBits) & 0xff;
    }
    acc &= (1 << accBits) - 1;
  };
  const grow = (): void => {
    next++;
    if (next === 4094) {
      emit(CLEAR);
      table.clear();
      next = 258;
      width = 9;
    } else if (next >= 1 << width) {
      width++;
    }
  };

  emit(CLEAR);
  if (input.length > 0) {
    let w = input[0];
    for (let i = 1; i < input.length; i++) {
      const k = input[i];
      const key = w * 256 + k;
      const hit = table.get(key);
      if (hit !== undefined) {
        w = hit;
        continue;
      }
      emit(w);
      table.set(key, next);
      grow();
      w = k;
    }
    emit(w);
    grow();
  }
  emit(EOI);
  if (accBits > 0) {
    if (outLen === out.length) {
      const grown = new Uint8Array(out.length + 1);
      grown.set(out);
      out = grown;
    }
    out[outLen++] = (acc << (8 - accBits)) & 0xff;
  }
  return out.subarray(0, outLen);
}

/**
 * Strict TIFF LZW decoding (the inverse of {@link lzwEncode}) into exactly `expected` bytes, like
 * libtiff's LZWDecode: a code beyond the string table, a string code right after Clear, or data that ends before `expected` bytes were produced throws an Error.
 * Data after the `expected` bytes (or after EndOfInformation) is ignored.
 */
export function lzwDecode(input: Uint8Array, expected: number): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  // The string of a code is a run of earlier output: where it starts and how long it is. A new
  // code is the previous code's string plus the first byte of the next one, which the output
  // holds right after the previous string, so each code's string is copied, never rebuilt.
  const start = new Int32Array(4096);
  const length = new Int32Array(4096);
  const out = new Uint8Array(expected);
  let pos = 0;
  let acc = 0;
  let accBits = 0;
  let inPos = 0;
  let width = 9;
  let next = 258;
  let prev = -1;
  let prevStart = 0;
  const n = input.length;
  while (pos < expected) {
    while (accBits < width && inPos < n) {
      acc = ((acc << 8) | input[inPos++]) & 0xffffff;
      accBits += 8;
    }
    if (accBits < width) break;
    accBits -= width;
    const code = (acc >>> accBits) & ((1 << width) - 1);
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      next = 258;
      prev = -1;
      continue;
    }
    if (prev === -1) {
      if (code > 255) throw new Error(`LZW code ${code} right after Clear (expected a literal byte)`);
      prevStart = pos;
      out[pos++] = code;
      prev = code;
      continue;
    }
    if (code > next) throw new Error(`LZW code ${code} is beyond the string table (next free code ${next})`);
    if (next < 4096) {
      // A full table (no Clear from the encoder) stays as it is, as in libtiff.
      start[next] = prevStart;
      length[next] = (prev < 256 ? 1 : length[prev]) + 1;
    }
    const at = pos;
    if (code < 256) out[pos++] = code;
    else {
      // Forward byte copy: for code === next the last byte is the first byte of this same string.
      const from = start[code];
      const len = length[code];
      const end = Math.min(len, expected - pos);
      for (let i = 0; i < end; i++) out[pos + i] = out[from + i];
      pos += len;
    }
    prevStart = at;
    if (next < 4096) next++;
    if (next + 1 >= 1 << width && width < 12) width++;
    prev = code;
  }
  if (pos < expected) throw new Error(`LZW data ended after ${pos} of ${expected} bytes`);
  return out;
}
