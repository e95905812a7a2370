import { readSync } from 'node:fs';
import { GeosliceError, RasterError } from '../../errors.js';
import type { CogImageLayout } from '../image.js';
import { decodeBlock, type BlockRef } from './decode-block.js';
import { unfilledBytes } from '../../sources/unfilled-bytes.js';

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
  /** A buffer to decode into (transferred; see `decodeBlock`'s `into`), when the main thread has one idle. */
  out?: ArrayBuffer;
}

/**
 * What a worker sends back: the decoded bytes (transferred), or the typed error's parts, since
 * error classes do not survive the thread boundary.
 */
export type DecodeResult = Uint8Array | { error: { code: string; message: string; subject?: string } };

/** Compressed blocks up to this size are read into the worker's reused buffer. */
const MAX_SCRATCH = 16 * 1024 * 1024;

/**
 * The worker's reused read buffer. Decoders consume their input before they settle, and a fresh
 * buffer per block would be a new mapping whose pages all fault on first write; a block read
 * while another decode still holds the buffer (an asynchronous decoder) gets a buffer of its own.
 */
let scratch = new Uint8Array(0);
let scratchBusy = false;

/**
 * Reads exactly `length` bytes at `offset` of the task's descriptor and runs `use` on them (a
 * typed error when the file is shorter or the read fails). The bytes are valid only until `use`
 * settles; its result never shares their buffer.
 */
async function withBlock(
  task: DecodeTask,
  offset: number,
  length: number,
  use: (bytes: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const reuse = !scratchBusy && length <= MAX_SCRATCH;
  let buf: Uint8Array;
  if (reuse) {
    if (scratch.byteLength < length) scratch = new Uint8Array(length);
    buf = scratch.subarray(0, length);
    scratchBusy = true;
  } else {
    buf = unfilledBytes(length);
  }
  try {
    readFully(task, buf, offset);
    const out = await use(buf);
    return out.buffer === buf.buffer ? new Uint8Array(out) : out;
  } finally {
    if (reuse) scratchBusy = false;
  }
}

/** Fills `buf` from `offset` of the task's descriptor, or throws a typed error. */
function readFully(task: DecodeTask, buf: Uint8Array, offset: number): void {
  const fd = (task.file as { fd: number }).fd;
  const length = buf.byteLength;
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
}

/** Reads (when asked) and decodes one block; a prefix that turns out too short is read again whole. */
async function readAndDecode(task: DecodeTask): Promise<Uint8Array> {
  const into = task.out ? new Uint8Array(task.out) : undefined;
  const decode = (rows: number, partial: boolean) => (bytes: Uint8Array) =>
    decodeBlock(bytes, task.img, rows, task.littleEndian, task.where, { syncInflate: true, partial, into });
  const f = task.file;
  if (!f) return decode(task.rows, task.partial)(task.bytes);
  try {
    return await withBlock(task, f.offset, f.length, decode(task.rows, task.partial));
  } catch (e) {
    if (!task.partial || !(e instanceof RasterError) || e.code !== 'CORRUPT_BLOCK') throw e;
    return withBlock(task, f.offset, f.fullLength, decode(f.fullRows, false));
  }
}

/**
 * The decoded bytes as they can be sent back: a view of the buffer the task gave to decode into
 * (`given`, which the main thread reuses for later blocks), or one that covers at least half of its
 * buffer, is transferred as it is (the receiver gets the same offset and length, so the rest of the
 * buffer travels along unused and unread); a smaller one (e.g. a slice of Node's shared 8 KiB pool,
 * which must never be transferred) is copied into a buffer of its own (a Buffer's `slice()` would
 * not copy).
 */
export function transferable(out: Uint8Array, given?: ArrayBuffer): Uint8Array {
  return out.buffer === given || out.byteLength * 2 >= out.buffer.byteLength ? out : new Uint8Array(out);
}

/**
 * Worker-thread entry: decodes one block with {@link decodeBlock} (synchronous inflate, since this
 * already runs off the main thread). The result is transferred (see {@link transferable}).
 */
export default async function decodeInWorker(task: DecodeTask): Promise<DecodeResult> {
  try {
    return transferable(await readAndDecode(task), task.out);
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
