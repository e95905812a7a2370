/**
 * A {@link ByteSource} as hyparquet's `AsyncBuffer`, counting the bytes it hands out so callers can
 * report (and tests can bound) what a remote read cost.
 */
import type { AsyncBuffer } from 'hyparquet';
import type { ByteSource } from '../../sources/byte-source.js';

/**
 * An `AsyncBuffer` over a byte source, with the number of bytes and requests read so far.
 */
export interface CountingAsyncBuffer extends AsyncBuffer {
  bytesRead: number;
  reads: number;
}

/**
 * Wraps `source` (its size is read now).
 */
export async function countingAsyncBuffer(source: ByteSource): Promise<CountingAsyncBuffer> {
  const byteLength = await source.size();
  const buf: CountingAsyncBuffer = {
    byteLength,
    bytesRead: 0,
    reads: 0,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? byteLength, byteLength);
      const bytes = await source.read(start, Math.max(0, stop - start));
      buf.bytesRead += bytes.length;
      buf.reads++;
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? (bytes.buffer as ArrayBuffer)
        : (bytes.slice().buffer as ArrayBuffer);
    },
  };
  return buf;
}
