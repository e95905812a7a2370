import { inflate as zlibInflate, constants } from 'node:zlib';

/**
 * Inflates a zlib (TIFF DEFLATE) stream with node:zlib's asynchronous API, which runs on the libuv
 * thread pool, off the main thread. `expectedBytes` sizes the output buffer so the result arrives
 * as one chunk without re-copying.
 */
export function inflateAsync(bytes: Uint8Array, expectedBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlibInflate(
      bytes,
      { chunkSize: Math.max(constants.Z_MIN_CHUNK, expectedBytes + 64), finishFlush: constants.Z_SYNC_FLUSH },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
  });
}
