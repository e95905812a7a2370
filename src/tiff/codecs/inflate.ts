import { constants, inflate as zlibInflate, inflateSync, type ZlibOptions } from 'node:zlib';
import { LIMITS } from '../limits.js';

/** Output chunks are at most this large, so a hostile block size does not allocate up front. */
const MAX_CHUNK = 8 * 1024 * 1024;

/**
 * zlib options for a block of `expectedBytes`: the output buffer sized so the result arrives as
 * one chunk (up to 8 MiB), at most a plausible amount of output (a "zip bomb" tile is refused), and `Z_FINISH`
 * (the stream must reach its end, else zlib fails with "unexpected end of file") unless `partial`
 * says the input is only a prefix of the block, which is flushed with `Z_SYNC_FLUSH`.
 */
function options(expectedBytes: number, partial: boolean): ZlibOptions {
  return {
    chunkSize: Math.max(constants.Z_MIN_CHUNK, Math.min(expectedBytes + 64, MAX_CHUNK)),
    finishFlush: partial ? constants.Z_SYNC_FLUSH : constants.Z_FINISH,
    maxOutputLength: expectedBytes * LIMITS.storedBlockFactor + LIMITS.storedBlockSlack,
  };
}

/**
 * Inflates a zlib (TIFF DEFLATE) stream with node:zlib's asynchronous API, which runs on the libuv
 * thread pool, off the main thread. A truncated or corrupt stream rejects (unless `partial`, see
 * above).
 */
export function inflateAsync(bytes: Uint8Array, expectedBytes: number, partial = false): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlibInflate(bytes, options(expectedBytes, partial), (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * {@link inflateAsync} on the calling thread (for worker threads).
 */
export function inflateStrictSync(bytes: Uint8Array, expectedBytes: number, partial: boolean): Uint8Array {
  return inflateSync(bytes, options(expectedBytes, partial));
}
