const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.round(x * (1 << SCALEBITS));
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

/**
 * Converts pixel-interleaved 8-bit YCbCr (JFIF, full range) to RGB in place, with the same
 * fixed-point arithmetic as libjpeg's `ycc_rgb_convert`.
 */
export function ycbcrToRgb(px: Uint8Array, samples: number): void {
  for (let i = 0; i + 2 < px.length; i += samples) {
    const y = px[i];
    const cb = px[i + 1];
    const cr = px[i + 2];
    px[i] = clamp(y + CR_R[cr]);
    px[i + 1] = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
    px[i + 2] = clamp(y + CB_B[cb]);
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : Math.min(v, 255);
}
