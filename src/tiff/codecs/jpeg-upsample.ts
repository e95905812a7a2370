/**
 * Chroma upsampling for JPEG-in-TIFF tiles, matching libjpeg's default "fancy" (triangular)
 * upsampling, which is what GDAL's output shows. geotiff.js's JPEG decoder replicates chroma
 * samples instead (nearest), so each subsampled chroma sample can be recovered exactly from its
 * output and re-expanded here.
 */

/**
 * Sampling factors `[h, v]` of each component in a JPEG stream's start-of-frame marker, or null
 * when the stream has no SOF0/1/2 marker before its scan.
 */
export function jpegSamplingFactors(jpeg: Uint8Array): [number, number][] | null {
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const marker = jpeg[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (jpeg[i + 2] << 8) | jpeg[i + 3];
    if (marker >= 0xc0 && marker <= 0xc2) {
      const n = jpeg[i + 9];
      const out: [number, number][] = [];
      for (let c = 0; c < n; c++) {
        const hv = jpeg[i + 11 + c * 3];
        out.push([hv >> 4, hv & 15]);
      }
      return out;
    }
    if (marker === 0xda) return null;
    i += 2 + len;
  }
  return null;
}

/**
 * Re-expands chroma channels 1 and 2 of pixel-interleaved YCbCr (`samples` per pixel,
 * `width` x `rows`) that were upsampled by replication with factors `hs` x `vs`, using libjpeg's
 * h2v1 / h2v2 fancy upsampling. Other factors are left as they are.
 */
export function fancyUpsampleChroma(
  px: Uint8Array,
  width: number,
  rows: number,
  samples: number,
  hs: number,
  vs: number,
): void {
  if (hs !== 2 || (vs !== 1 && vs !== 2)) return;
  const cw = Math.ceil(width / hs);
  const ch = Math.ceil(rows / vs);
  const plane = new Uint8Array(cw * ch);
  const row = new Uint8Array(cw * 2);
  for (let c = 1; c <= 2; c++) {
    for (let y = 0; y < ch; y++) {
      const sy = Math.min(y * vs, rows - 1) * width;
      for (let x = 0; x < cw; x++) plane[y * cw + x] = px[(sy + Math.min(x * hs, width - 1)) * samples + c];
    }
    for (let y = 0; y < ch; y++) {
      const cur = y * cw;
      for (let v = 0; v < vs; v++) {
        const oy = y * vs + v;
        if (oy >= rows) break;
        if (vs === 1) h2v1Row(plane, cur, cw, row);
        else h2v2Row(plane, cur, (v === 0 ? Math.max(0, y - 1) : Math.min(ch - 1, y + 1)) * cw, cw, row);
        const o = oy * width;
        for (let x = 0; x < width; x++) px[(o + x) * samples + c] = row[x];
      }
    }
  }
}

/** libjpeg h2v1_fancy_upsample for one row. */
function h2v1Row(p: Uint8Array, s: number, n: number, out: Uint8Array): void {
  if (n === 1) {
    out[0] = out[1] = p[s];
    return;
  }
  let v = p[s];
  out[0] = v;
  out[1] = (v * 3 + p[s + 1] + 2) >> 2;
  for (let i = 1; i < n - 1; i++) {
    v = p[s + i] * 3;
    out[2 * i] = (v + p[s + i - 1] + 1) >> 2;
    out[2 * i + 1] = (v + p[s + i + 1] + 2) >> 2;
  }
  v = p[s + n - 1];
  out[2 * n - 2] = (v * 3 + p[s + n - 2] + 1) >> 2;
  out[2 * n - 1] = v;
}

/** libjpeg h2v2_fancy_upsample for one output row: `s` is the nearer input row, `t` the other. */
function h2v2Row(p: Uint8Array, s: number, t: number, n: number, out: Uint8Array): void {
  let thiscol = p[s] * 3 + p[t];
  if (n === 1) {
    out[0] = out[1] = (thiscol * 4 + 8) >> 4;
    return;
  }
  let nextcol = p[s + 1] * 3 + p[t + 1];
  out[0] = (thiscol * 4 + 8) >> 4;
  out[1] = (thiscol * 3 + nextcol + 7) >> 4;
  let lastcol = thiscol;
  thiscol = nextcol;
  for (let i = 1; i < n - 1; i++) {
    nextcol = p[s + i + 1] * 3 + p[t + i + 1];
    out[2 * i] = (thiscol * 3 + lastcol + 8) >> 4;
    out[2 * i + 1] = (thiscol * 3 + nextcol + 7) >> 4;
    lastcol = thiscol;
    thiscol = nextcol;
  }
  out[2 * n - 2] = (thiscol * 3 + lastcol + 8) >> 4;
  out[2 * n - 1] = (thiscol * 4 + 7) >> 4;
}
