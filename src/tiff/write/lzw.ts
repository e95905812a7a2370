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
