import { constants, Inflate, inflate as zlibInflate, inflateSync, type ZlibOptions } from 'node:zlib';
import { LIMITS } from '../limits.js';
import { unfilledBytes } from '../../sources/unfilled-bytes.js';

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

/**
 * The parts of a node:zlib engine that drive zlib directly: its native handle (`writeSync` runs
 * `inflate()` once over the given input and output ranges, leaving the output space and input
 * left in `_writeState`, and reports a zlib error through `onerror`). Not public API, but the one
 * node:zlib's own synchronous functions and npm's minizlib are built on; when a Node version lacks
 * it, {@link inflatePrefixSync} falls back to `inflateSync`.
 */
interface ZlibEngine {
  _handle?: {
    writeSync?: (
      flush: number,
      input: Uint8Array,
      inOffset: number,
      inLength: number,
      output: Uint8Array,
      outOffset: number,
      outLength: number,
    ) => void;
    onerror?: (message: string, errno: number) => void;
  };
  _writeState?: Uint32Array;
  close(): void;
}

/**
 * The first `expectedBytes` of a DEFLATE block from a prefix of its compressed bytes: zlib stops
 * as soon as the output holds them, so no row past them is inflated, whatever the prefix holds. A
 * corrupt stream throws; a prefix that holds fewer bytes, or a stream that ends before them,
 * returns what it gave (shorter than `expectedBytes`: the caller refuses or reads the whole block).
 * The stream's checksum, at its end, is not reached and so not verified. `blockBytes` is what the
 * whole block decodes to (for the fallback through `inflateSync`). The output is a view of `into`
 * when it is given and long enough, else of a new buffer of `expectedBytes`.
 */
export function inflatePrefixSync(
  bytes: Uint8Array,
  expectedBytes: number,
  blockBytes: number,
  into?: Uint8Array,
): Uint8Array {
  const engine = new Inflate({ chunkSize: constants.Z_MIN_CHUNK }) as unknown as ZlibEngine;
  const handle = engine._handle;
  const state = engine._writeState;
  if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array)) {
    engine.close();
    return inflateStrictSync(bytes, expectedBytes, true, blockBytes);
  }
  let failure: string | null = null;
  handle.onerror = (message) => {
    failure = message;
  };
  const out = into && into.byteLength >= expectedBytes ? into : unfilledBytes(expectedBytes);
  try {
    handle.writeSync(constants.Z_SYNC_FLUSH, bytes, 0, bytes.byteLength, out, 0, expectedBytes);
  } finally {
    engine.close();
  }
  if (failure !== null) throw new Error(failure);
  const written = expectedBytes - state[0];
  return written === out.byteLength ? out : out.subarray(0, written);
}
