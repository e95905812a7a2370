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

/** Bytes {@link lzwDecode} needs past the decoded ones: room for one whole string (at most 4095 bytes). */
export const LZW_SLACK = 4096;

/**
 * Strict TIFF LZW decoding (the inverse of {@link lzwEncode}) into exactly `expected` bytes, like
 * libtiff's LZWDecode: a code beyond the string table, a string code right after Clear, or data that ends before `expected` bytes were produced throws an Error.
 * Data after the `expected` bytes (or after EndOfInformation) is ignored, so the first rows of a
 * block decode from a prefix of its bytes. The result is a view of `into` when that holds
 * `expected + LZW_SLACK` bytes (its old contents do not matter), else of a new buffer.
 */
export function lzwDecode(input: Uint8Array, expected: number, into?: Uint8Array): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  // The string of a code is a run of earlier output: where it starts and how long it is. A new
  // code is the previous code's string plus the first byte of the next one, which the output
  // holds right after the previous string, so each code's string is copied, never rebuilt.
  const start = new Int32Array(4096);
  const length = new Int32Array(4096).fill(1, 0, 256);
  // Room for one whole string past `expected`, so copies need no clamping.
  const out = into && into.byteLength >= expected + LZW_SLACK ? into : new Uint8Array(expected + LZW_SLACK);
  let pos = 0;
  let acc = 0;
  let accBits = 0;
  let inPos = 0;
  let width = 9;
  /** The code width grows once `next` reaches this ("early change"). */
  let grow = 511;
  let next = 258;
  let prev = -1;
  let prevStart = 0;
  const n = input.length;
  while (pos < expected) {
    if (accBits < width) {
      // two bytes at a time while there are two: acc then holds at most 27 valid bits
      if (inPos + 1 < n) {
        acc = ((acc << 16) | (input[inPos] << 8) | input[inPos + 1]) & 0xfffffff;
        inPos += 2;
        accBits += 16;
      } else {
        while (accBits < width && inPos < n) {
          acc = ((acc << 8) | input[inPos++]) & 0xfffffff;
          accBits += 8;
        }
        if (accBits < width) break;
      }
    }
    accBits -= width;
    const code = (acc >>> accBits) & ((1 << width) - 1);
    if (code < CLEAR) {
      if (prev !== -1 && next < 4096) {
        start[next] = prevStart;
        length[next++] = length[prev] + 1;
      }
      prevStart = pos;
      out[pos++] = code;
      prev = code;
    } else if (code > EOI) {
      if (prev === -1) throw new Error(`LZW code ${code} right after Clear (expected a literal byte)`);
      if (code > next) throw new Error(`LZW code ${code} is beyond the string table (next free code ${next})`);
      // A full table (no Clear from the encoder) stays as it is, as in libtiff.
      if (next < 4096) {
        start[next] = prevStart;
        length[next++] = length[prev] + 1;
      }
      const from = start[code];
      const len = length[code];
      prevStart = pos;
      if (len <= 8) {
        // Forward byte copy: for the code just added, the last byte is the first byte of this same string.
        for (let i = 0; i < len; i++) out[pos + i] = out[from + i];
      } else {
        out.copyWithin(pos, from, from + len - 1);
        out[pos + len - 1] = out[from + len - 1];
      }
      pos += len;
      prev = code;
    } else if (code === CLEAR) {
      width = 9;
      grow = 511;
      next = 258;
      prev = -1;
      continue;
    } else break; // EndOfInformation
    if (next >= grow && width < 12) grow = (1 << ++width) - 1;
  }
  if (pos < expected) throw new Error(`LZW data ended after ${pos} of ${expected} bytes`);
  return out.subarray(0, expected);
}
