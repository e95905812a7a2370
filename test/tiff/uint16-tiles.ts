// Layouts of synthetic single-band uint16 tiled images (raw tile streams written by a test, read
// through openRaster's `layout` option), and the deterministic noise their pixels are made of.
import type { CogLayout } from '../../src/tiff/cog-layout.js';
import type { CogImageLayout } from '../../src/tiff/image.js';

/** xorshift32 noise, the same for every run of a seed. */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** A tiled, single-band, pixel-interleaved uint16 image of `block`-sized tiles (square, or [w, h]). */
export function uint16Tiled(o: {
  width: number;
  height: number;
  block: number | [number, number];
  compression: number;
  predictor: number;
  offsets?: number[];
  byteCounts?: number[];
}): CogImageLayout {
  const [bw, bh] = typeof o.block === 'number' ? [o.block, o.block] : o.block;
  return {
    width: o.width,
    height: o.height,
    tiled: true,
    blockWidth: bw,
    blockHeight: bh,
    offsets: o.offsets ?? [],
    byteCounts: o.byteCounts ?? [],
    compression: o.compression,
    predictor: o.predictor,
    bitsPerSample: 16,
    sampleFormat: 1,
    samplesPerPixel: 1,
    planarConfiguration: 1,
    photometric: 1,
    jpegTables: null,
    lercParameters: null,
  };
}

/** The header cache of a file holding only `img`: little-endian, no CRS, one map unit per pixel, north-up. */
export function uint16Layout(img: CogImageLayout): CogLayout {
  return {
    version: 1,
    littleEndian: true,
    width: img.width,
    height: img.height,
    bands: 1,
    dtype: 'uint16',
    nodata: null,
    crs: null,
    transform: [0, 1, 0, 0, 0, -1],
    images: [img],
    masks: [null],
  };
}
