/**
 * A first-valid-pixel-wins composite being filled source by source: `data` is `[C, H, W]`
 * (float32, or float64 when asked for), `mask` is `H * W` (`1` = filled), `filled` counts the
 * filled pixels.
 */
export interface Mosaic {
  bands: number;
  height: number;
  width: number;
  data: Float32Array | Float64Array;
  mask: Uint8Array;
  filled: number;
}

/**
 * An empty composite (all pixels unfilled, data zero). `float64` keeps 32-bit integer and double
 * sources exact; the default float32 halves the memory. `data` (`bands * height * width` elements of
 * that type) is used instead of a new array: its contents are then stale until the first layer is
 * merged (see {@link mergeLayer}).
 */
export function createMosaic(
  bands: number,
  height: number,
  width: number,
  float64 = false,
  data?: Float32Array | Float64Array,
): Mosaic {
  const n = height * width;
  const own = data ?? (float64 ? new Float64Array(bands * n) : new Float32Array(bands * n));
  return { bands, height, width, data: own, mask: new Uint8Array(n), filled: 0 };
}

/**
 * Copies the pixels of one source layer (`[C, H, W]`, same grid) that are valid there and not yet
 * filled in the composite, so the earliest source with a valid pixel wins. Returns how many pixels
 * this layer supplied. The first layer may be the composite's own `data`/`mask` buffers (written in
 * place): its invalid pixels are then zeroed.
 */
export function mergeLayer(m: Mosaic, data: Float32Array | Float64Array, valid: Uint8Array): number {
  const n = m.height * m.width;
  let supplied = 0;
  if (m.filled === 0) {
    // first layer: bulk copy, then clear what it lacks
    if (data !== m.data) m.data.set(data);
    if (valid !== m.mask) m.mask.set(valid);
    for (let p = 0; p < n; p++) {
      if (valid[p] === 1) supplied++;
      else for (let b = 0; b < m.bands; b++) m.data[b * n + p] = 0;
    }
    m.filled = supplied;
    return supplied;
  }
  for (let p = 0; p < n; p++) {
    if (m.mask[p] === 1 || valid[p] === 0) continue;
    for (let b = 0; b < m.bands; b++) m.data[b * n + p] = data[b * n + p];
    m.mask[p] = 1;
    supplied++;
  }
  m.filled += supplied;
  return supplied;
}

/**
 * True when every pixel of the composite is filled (later sources cannot change it).
 */
export function mosaicComplete(m: Mosaic): boolean {
  return m.filled === m.height * m.width;
}
