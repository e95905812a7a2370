import { loadSharp } from './sharp.js';
import { decodeThreads } from './worker-pool.js';
import { zstdDecoders } from './zstd.js';

/**
 * Which implementation decodes each TIFF compression in this process, and how many decode threads
 * run. Optional native packages change the answer: `sharp` (JPEG through libjpeg-turbo, WebP) and
 * `zstd-napi` (native ZSTD, unless Node's zlib has ZSTD).
 */
export interface CodecReport {
  /** Worker threads decoding blocks (0: on the main thread). */
  decodeThreads: number;
  /** Compression name (`deflate`, `lzw`, `zstd`, ...) to the decoder that runs it. */
  codecs: Record<string, string>;
}

const ZSTD_NAMES = {
  'node:zlib': 'node:zlib (native)',
  'zstd-napi': 'zstd-napi (native)',
  wasm: 'zstd WebAssembly (geotiff.js); install zstd-napi for native speed',
} as const;

/**
 * Reports the decoder chosen for each compression (see {@link CodecReport}); `geoslice --version`
 * prints it.
 */
export async function codecs(): Promise<CodecReport> {
  const [zstd] = await zstdDecoders();
  const sharp = await loadSharp();
  return {
    decodeThreads: decodeThreads(),
    codecs: {
      deflate: 'node:zlib (native)',
      zstd: ZSTD_NAMES[zstd.name],
      lzw: 'geoslice (JavaScript)',
      packbits: 'geoslice (JavaScript)',
      jpeg: sharp ? 'libjpeg-turbo (sharp)' : 'geotiff.js (JavaScript); install sharp for GDAL-identical pixels',
      webp: sharp ? 'libwebp (sharp)' : 'unavailable; install sharp',
      lerc: 'LERC WebAssembly (lerc)',
    },
  };
}
