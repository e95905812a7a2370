import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { lzwEncode } from '../codecs/lzw.js';
import { COMPRESSION } from '../tags.js';

const deflateAsync = promisify(deflate);

/**
 * Tile compression the writer supports.
 */
export type TiffCompression = 'deflate' | 'lzw' | 'none';

/**
 * TIFF Compression tag values.
 */
export const COMPRESSION_CODE: Record<TiffCompression, number> = {
  none: COMPRESSION.NONE,
  lzw: COMPRESSION.LZW,
  deflate: COMPRESSION.DEFLATE,
};

/**
 * Compresses one tile's (predicted) bytes. DEFLATE runs on node:zlib's thread pool, so several
 * tiles compress in parallel and the main thread stays free; LZW runs on the calling thread.
 */
export async function compressTile(
  bytes: Uint8Array,
  compression: TiffCompression,
  level: number,
): Promise<Uint8Array> {
  switch (compression) {
    case 'deflate':
      return deflateAsync(bytes, { level });
    case 'lzw':
      return lzwEncode(bytes);
    case 'none':
      return bytes;
  }
}
