import { readSync } from 'node:fs';
import { GeosliceError, RasterError } from '../../errors.js';
import type { CogImageLayout } from '../image.js';
import { decodeBlock, type BlockRef } from './decode-block.js';

/**
 * A block to decode on a worker thread: the compressed bytes own their buffer (transferred).
 */
export interface DecodeTask {
  /** The compressed bytes, or empty when `file` says where to read them. */
  bytes: Uint8Array;
  /**
   * Read the block on the worker: positional reads of `length` bytes at `offset` from the open
   * descriptor `fd` (a prefix of the block when `partial`; then, should the prefix not hold `rows`
   * rows, the whole `fullLength` bytes for `fullRows` rows).
   */
  file?: { fd: number; offset: number; length: number; fullLength: number; fullRows: number };
  img: CogImageLayout;
  rows: number;
  littleEndian: boolean;
  where: BlockRef;
  /** True when `bytes` is only a prefix of a DEFLATE block. */
  partial: boolean;
}

/**
 * What a worker sends back: the decoded bytes (transferred), or the typed error's parts, since
 * error classes do not survive the thread boundary.
 */
export type DecodeResult = Uint8Array | { error: { code: string; message: string; subject?: string } };

/** Exactly `length` bytes at `offset` of `fd` (in a buffer of its own), or a typed error. */
function readBlock(task: DecodeTask, offset: number, length: number): Uint8Array {
  const fd = (task.file as { fd: number }).fd;
  const raw = Buffer.allocUnsafeSlow(length);
  const buf = new Uint8Array(raw.buffer, raw.byteOffset, length);
  let done = 0;
  try {
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
  } catch (e) {
    throw new RasterError(
      'READ_FAILED',
      `reading ${length} bytes at ${offset} of ${task.where.href} failed: ${(e as Error).message}`,
      { subject: task.where.href },
    );
  }
  if (done < length) {
    const w = task.where;
    throw new RasterError(
      'TILE_OUT_OF_RANGE',
      `${w.mask ? 'mask ' : ''}block ${w.block} of image ${w.image} in ${w.href} (bytes ${offset}..${offset + length}) lies past the end of the file; the file is truncated or corrupt`,
      { subject: w.href },
    );
  }
  return buf;
}

/** Reads (when asked) and decodes one block; a prefix that turns out too short is read again whole. */
async function readAndDecode(task: DecodeTask): Promise<Uint8Array> {
  const decode = (bytes: Uint8Array, rows: number, partial: boolean) =>
    decodeBlock(bytes, task.img, rows, task.littleEndian, task.where, { syncInflate: true, partial });
  const f = task.file;
  if (!f) return decode(task.bytes, task.rows, task.partial);
  try {
    return await decode(readBlock(task, f.offset, f.length), task.rows, task.partial);
  } catch (e) {
    if (!task.partial || !(e instanceof RasterError) || e.code !== 'CORRUPT_BLOCK') throw e;
    return decode(readBlock(task, f.offset, f.fullLength), f.fullRows, false);
  }
}

/**
 * Worker-thread entry: decodes one block with {@link decodeBlock} (synchronous inflate, since this
 * already runs off the main thread). The result owns its buffer, so it can be transferred.
 */
export default async function decodeInWorker(task: DecodeTask): Promise<DecodeResult> {
  try {
    const out = await readAndDecode(task);
    const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    return own;
  } catch (e) {
    if (e instanceof GeosliceError) return { error: { code: e.code, message: e.message, subject: e.subject } };
    return {
      error: {
        code: 'CORRUPT_BLOCK',
        message: `decoding block ${task.where.block} of ${task.where.href} failed: ${String(e)}`,
        subject: task.where.href,
      },
    };
  }
}
