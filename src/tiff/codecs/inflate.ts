import { constants, inflate as zlibInflate, inflateSync, type ZlibOptions } from 'node:zlib';
import { LIMITS } from '../limits.js';

/** Output chunks are at most this large, so a hostile block size does not allocate up front. */
const MAX_CHUNK = 8 * 1024 * 1024;

/**
 * zlib options for `expectedBytes` of output from a block that decodes to `blockBytes` in all:
 * one output buffer (up to 8 MiB) of the whole block's size, which bounds what a well-formed
 * stream or any prefix of it yields, so the result arrives as one chunk (node:zlib concatenates
 * further chunks into a new buffer); at most a plausible amount of output (a "zip bomb" tile is
 * refused); and `Z_FINISH` (the stream must reach its end, else zlib fails with "unexpected end
 * of file") unless `partial` says the input is only a prefix of the block, which is flushed with
 * `Z_SYNC_FLUSH` (its output may run past `expectedBytes`).
 */
function options(expectedBytes: number, blockBytes: number, partial: boolean): ZlibOptions {
  return {
    chunkSize: Math.max(constants.Z_MIN_CHUNK, Math.min(Math.max(expectedBytes, blockBytes) + 64, MAX_CHUNK)),
    finishFlush: partial ? constants.Z_SYNC_FLUSH : constants.Z_FINISH,
    maxOutputLength: blockBytes * LIMITS.storedBlockFactor + LIMITS.storedBlockSlack,
  };
}

/**
 * Inflates a zlib (TIFF DEFLATE) stream with node:zlib's asynchronous API, which runs on the libuv
 * thread pool, off the main thread. A truncated or corrupt stream rejects (unless `partial`, see
 * above). `blockBytes` is what the whole block decodes to (default: `expectedBytes`).
 */
export function inflateAsync(
  bytes: Uint8Array,
  expectedBytes: number,
  partial = false,
  blockBytes = expectedBytes,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlibInflate(bytes, options(expectedBytes, blockBytes, partial), (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * {@link inflateAsync} on the calling thread (for worker threads).
 */
export function inflateStrictSync(
  bytes: Uint8Array,
  expectedBytes: number,
  partial: boolean,
  blockBytes = expectedBytes,
): Uint8Array {
  return inflateSync(bytes, options(expectedBytes, blockBytes, partial));
}
