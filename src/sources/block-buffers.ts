/**
 * Reuse of the buffers decode threads hand back to the main thread. Each decoded block arrives in a
 * buffer of its own; as garbage, one such buffer per chip (512 KiB for a 512x512 uint16 tile) makes
 * V8 collect for "external memory pressure" every hundred chips or so, and that work costs more
 * CPU than the loader's own code. So a buffer that nothing holds any more goes back to the decode
 * threads as the next block's output instead.
 *
 * Only buffers {@link adoptBlockBuffer} registered are ever reused: wholly owned ones (transferred
 * from a decode thread), never a view into memory shared with anything else. Who reads a block
 * holds it ({@link holdBlock}) from the moment it gets the block until it has copied what it
 * needs, the block cache holds what it keeps, and each hold ends with exactly one
 * {@link releaseBlock}. A buffer is reused only once its holds drop back to zero; a hold that is
 * never released only means the buffer is left to the garbage collector, as without reuse.
 */

/** Idle buffers kept for reuse, in bytes over all sizes (a few blocks in flight per decode thread). */
const MAX_FREE_BYTES = 8 * 2 ** 20;

/** Holds of the adopted buffers now in use (a buffer not in here is not reused). */
const holds = new WeakMap<ArrayBuffer, number>();
/** Idle buffers, most recently freed last. */
const free: ArrayBuffer[] = [];
let freeBytes = 0;
let reused = 0;

/**
 * Registers a buffer this thread owns outright (transferred from a decode thread, referenced by
 * nothing but the block viewing it) for reuse once its holds are released. Its holds start at 0.
 */
export function adoptBlockBuffer(buffer: ArrayBuffer): void {
  if (!holds.has(buffer)) holds.set(buffer, 0);
}

/** Adds `n` holds to the buffer under `block` (nothing for a buffer that was not adopted). */
export function holdBlock(block: ArrayBufferView, n = 1): void {
  const h = holds.get(block.buffer as ArrayBuffer);
  if (h !== undefined) holds.set(block.buffer as ArrayBuffer, h + n);
}

/** Ends one hold on the buffer under `block`; the last one makes the buffer free for reuse. */
export function releaseBlock(block: ArrayBufferView): void {
  const buffer = block.buffer as ArrayBuffer;
  const h = holds.get(buffer);
  if (h === undefined || h <= 0) return;
  if (h > 1) holds.set(buffer, h - 1);
  else makeFree(buffer);
}

/** Frees an adopted buffer that was never held (a decode whose output was replaced by a widened copy). */
export function dropBlock(block: ArrayBufferView): void {
  const buffer = block.buffer as ArrayBuffer;
  if (holds.get(buffer) === 0) makeFree(buffer);
}

/**
 * Moves an adopted buffer nothing holds to the idle buffers; beyond their byte bound, the ones idle
 * longest are left to the collector (so the idle sizes follow the sizes asked for now).
 */
function makeFree(buffer: ArrayBuffer): void {
  holds.delete(buffer);
  if (buffer.byteLength === 0 || buffer.byteLength > MAX_FREE_BYTES) return;
  free.push(buffer);
  freeBytes += buffer.byteLength;
  while (freeBytes > MAX_FREE_BYTES) freeBytes -= (free.shift() as ArrayBuffer).byteLength;
}

/**
 * The smallest idle buffer of `minBytes` to `maxBytes` bytes (its old contents left in place), or
 * undefined.
 */
export function takeBlockBuffer(minBytes: number, maxBytes = minBytes): ArrayBuffer | undefined {
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const n = free[i].byteLength;
    if (n >= minBytes && n <= maxBytes && (best < 0 || n < free[best].byteLength)) best = i;
  }
  if (best < 0) return undefined;
  const [buffer] = free.splice(best, 1);
  freeBytes -= buffer.byteLength;
  reused++;
  return buffer;
}

/** How many buffers {@link takeBlockBuffer} has handed out again, and the bytes idle now (tests, benchmarks). */
export function blockBufferStats(): { reused: number; freeBytes: number } {
  return { reused, freeBytes };
}
