import { GeosliceError } from '../../errors.js';
import type { CogImageLayout } from '../image.js';
import { decodeBlock, type BlockRef } from './decode-block.js';

/**
 * A block to decode on a worker thread: the compressed bytes own their buffer (transferred).
 */
export interface DecodeTask {
  bytes: Uint8Array;
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

/**
 * Worker-thread entry: decodes one block with {@link decodeBlock} (synchronous inflate, since this
 * already runs off the main thread). The result owns its buffer, so it can be transferred.
 */
export default async function decodeInWorker(task: DecodeTask): Promise<DecodeResult> {
  try {
    const out = await decodeBlock(task.bytes, task.img, task.rows, task.littleEndian, task.where, {
      syncInflate: true,
      partial: task.partial,
    });
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
