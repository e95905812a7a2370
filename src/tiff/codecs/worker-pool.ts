import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RasterError } from '../../errors.js';
import { adoptBlockBuffer, takeBlockBuffer } from '../../sources/block-buffers.js';
import { decodedBlockBytes } from '../blocks.js';
import type { CogImageLayout } from '../image.js';
import { decodeBlock, intoBytes, type BlockRef } from './decode-block.js';
import type { DecodeResult, DecodeTask } from './decode-worker.js';

const DECODE_ENTRY = workerEntry(import.meta.url, 'decode-worker');

/** Blocks smaller than this (decoded bytes) are decoded inline: a thread hop would cost more. */
const MIN_POOLED_BYTES = 32_768;

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: (r: unknown) => void; reject: (e: unknown) => void }>;
  /** Out of the pool: stops once its pending tasks are done. */
  retiring: boolean;
}

let threads = availableParallelism() > 1 ? availableParallelism() : 0;
let workers: PoolWorker[] = [];
let nextId = 0;
/** Workers idle this long are stopped (they restart on demand). */
const IDLE_MS = 2000;
let idleTimer: NodeJS.Timeout | null = null;

/**
 * Sets how many worker threads decode blocks and encode COG tiles (default: one per core when there
 * are at least two; 0 works on the main thread, DEFLATE still running on the libuv pool). Running workers
 * finish their tasks and stop; new ones start on demand.
 */
export function setDecodeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new RasterError('BAD_OPTION', `decode threads must be a non-negative integer, got ${n}`);
  threads = n;
  retireAll();
}

/**
 * How many worker threads decode blocks and encode tiles now (see {@link setDecodeThreads}); 0: callers work inline.
 */
export function decodeThreads(): number {
  return threads;
}

/** Takes every worker out of the pool; each stops when its pending tasks are done. */
function retireAll(): void {
  const old = workers;
  workers = [];
  for (const w of old) {
    w.retiring = true;
    if (w.pending.size === 0) void w.worker.terminate();
  }
}

/**
 * {@link decodeBlock} on a pool of worker threads for large blocks (`bytes` is transferred, and
 * so detached, when it owns its whole buffer), so that every core
 * decompresses and undoes predictors while the main thread does I/O and copies; small or
 * uncompressed blocks and single-core machines decode inline. Idle workers do not keep the
 * process alive and stop after two idle seconds. Errors come back as the same typed RasterError.
 */
export async function decodeBlockPooled(
  bytes: Uint8Array,
  img: CogImageLayout,
  rows: number,
  littleEndian: boolean,
  where: BlockRef,
  partial = false,
): Promise<Uint8Array> {
  if (threads === 0 || decodedBlockBytes(img, rows) < MIN_POOLED_BYTES || img.compression === 1)
    return decodeBlock(bytes, img, rows, littleEndian, where, { partial });
  // Hand the bytes over without a copy when they own their buffer (the caller does not reuse them).
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  const out = outputFor(img, rows, partial);
  const task: DecodeTask = {
    bytes: own,
    img: { ...img, offsets: [], byteCounts: [] },
    rows,
    littleEndian,
    where,
    partial,
    ...(out ? { out } : {}),
  };
  const r = await runPooled<DecodeResult>(DECODE_ENTRY, task, [
    task.bytes.buffer as ArrayBuffer,
    ...(out ? [out] : []),
  ]);
  return decodedOrThrow(r);
}

/**
 * True when a block of `rows` rows of `img` is decoded on the worker threads (there are some, the
 * block is compressed and large enough to be worth a thread hop).
 */
export function decodesOnWorkers(img: CogImageLayout, rows: number): boolean {
  return threads > 0 && img.compression !== 1 && decodedBlockBytes(img, rows) >= MIN_POOLED_BYTES;
}

/**
 * Reads a block from an open local file on a worker thread (positional reads on the descriptor
 * `file.fd`, which must stay open until this settles) and decodes it there, so the main thread
 * neither reads nor copies; as {@link decodeBlockPooled} otherwise (`partial`: `file.length` is a
 * prefix, and the whole `file.fullLength` bytes for `file.fullRows` rows are read when it is too
 * short). Call only when {@link decodesOnWorkers} says so.
 */
export async function readDecodePooled(
  file: NonNullable<DecodeTask['file']>,
  img: CogImageLayout,
  rows: number,
  littleEndian: boolean,
  where: BlockRef,
  partial: boolean,
): Promise<Uint8Array> {
  const out = outputFor(img, rows, partial);
  const task: DecodeTask = {
    bytes: new Uint8Array(0),
    file,
    img: { ...img, offsets: [], byteCounts: [] },
    rows,
    littleEndian,
    where,
    partial,
    ...(out ? { out } : {}),
  };
  const r = await runPooled<DecodeResult>(DECODE_ENTRY, task, out ? [out] : []);
  return decodedOrThrow(r);
}

/**
 * An idle buffer to decode `rows` rows of `img` into, at most twice the size needed, when its
 * decoder writes into one (see `intoBytes`); else undefined.
 */
function outputFor(img: CogImageLayout, rows: number, partial: boolean): ArrayBuffer | undefined {
  const bytes = intoBytes(img, rows, partial);
  return bytes > 0 ? takeBlockBuffer(bytes, 2 * bytes) : undefined;
}

/**
 * The decoded block a worker sent, its buffer adopted for reuse (a buffer transferred from a worker
 * is this thread's alone), or the worker's typed error.
 */
function decodedOrThrow(r: DecodeResult): Uint8Array {
  if (!(r instanceof Uint8Array)) throw new RasterError(r.error.code, r.error.message, { subject: r.error.subject });
  adoptBlockBuffer(r.buffer as ArrayBuffer);
  return r;
}

/**
 * The module URL of a worker entry next to `moduleUrl` (the caller's `import.meta.url`): `name.ts`
 * when running from TypeScript sources, else `name.js`.
 */
export function workerEntry(moduleUrl: string, name: string): string {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl).href;
}

/**
 * Runs `task` on the shared worker pool: the pool's thread imports `entry` (a module whose default
 * export takes the task and returns a structured-cloneable result) and calls it. `transfer` lists
 * buffers to hand over without a copy; typed arrays in the result (itself or its own properties) come
 * back transferred. Rejects with RasterError `DECODER_CRASHED` when the thread dies.
 */
export function runPooled<R>(entry: string, task: unknown, transfer: ArrayBuffer[] = []): Promise<R> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  if (workers.length < threads) workers.push(startWorker());
  let w = workers[0];
  for (const c of workers) if (c.pending.size < w.pending.size) w = c;
  const id = nextId++;
  return new Promise<R>((resolve, reject) => {
    if (w.pending.size === 0) w.worker.ref();
    w.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    w.worker.postMessage({ id, entry, task }, transfer);
  });
}

function startWorker(): PoolWorker {
  const fromSource = import.meta.url.endsWith('.ts');
  // Running from TypeScript sources (tsx), the worker registers tsx before importing the entry.
  let register = '';
  if (fromSource) {
    try {
      register = `await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => m.register());`;
    } catch {
      // No tsx: the runtime strips TypeScript itself (and the worker inherits its flags).
    }
  }
  const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
  ${register}
  const entries = new Map();
  parentPort.on('message', async ({ id, entry, task }) => {
    let m = entries.get(entry);
    if (!m) entries.set(entry, (m = import(entry)));
    let r;
    try {
      r = await (await m).default(task);
    } catch (e) {
      parentPort.postMessage({ id, failed: String(e && e.stack || e) });
      return;
    }
    const transfer = new Set();
    for (const v of ArrayBuffer.isView(r) ? [r] : r && typeof r === 'object' ? Object.values(r) : [])
      if (ArrayBuffer.isView(v)) transfer.add(v.buffer);
    parentPort.postMessage({ id, r }, [...transfer]);
  });
})();`;
  const pw: PoolWorker = { worker: new Worker(code, { eval: true }), pending: new Map(), retiring: false };
  pw.worker.unref();
  pw.worker.on('message', ({ id, r, failed }: { id: number; r: unknown; failed?: string }) => {
    const p = pw.pending.get(id);
    pw.pending.delete(id);
    if (pw.pending.size === 0) pw.worker.unref();
    if (failed === undefined) p?.resolve(r);
    else p?.reject(new Error(failed));
    if (pw.retiring && pw.pending.size === 0) void pw.worker.terminate();
    if (!pw.retiring && workers.every((w) => w.pending.size === 0)) {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(retireAll, IDLE_MS);
      idleTimer.unref();
    }
  });
  let answered = false;
  pw.worker.once('message', () => (answered = true));
  const fail = (e: unknown) => {
    workers = workers.filter((x) => x !== pw);
    // A worker that could not even start will not start next time either: decode inline from now on.
    if (!answered) {
      threads = 0;
      retireAll();
    }
    const err = new RasterError(
      'DECODER_CRASHED',
      `a block decoder thread failed: ${String((e as Error)?.message ?? e)}`,
      { cause: e },
    );
    for (const p of pw.pending.values()) p.reject(err);
    pw.pending.clear();
  };
  pw.worker.on('error', fail);
  pw.worker.on('exit', (code) => {
    if (pw.pending.size > 0) fail(new Error(`exited with code ${code}`));
    workers = workers.filter((x) => x !== pw);
  });
  return pw;
}
