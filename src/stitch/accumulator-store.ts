import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { removeStaleTemps, scratchPrefix } from '../catalog/temp-files.js';
import { join } from 'node:path';
import { StitchError } from '../errors.js';

/**
 * Where the accumulator keeps per-tile state: at most `maxInMemory` tiles live in RAM (most recently
 * touched first); older ones are spilled to a sparse scratch file, one fixed-size slot per tile, and read
 * back when touched again. Memory is therefore bounded by `maxInMemory * slotLength * 8` bytes whatever
 * the region's size; the scratch file grows with the number of tiles that were ever touched.
 */
export class TileStore {
  private readonly live = new Map<number, Float64Array>();
  private readonly spilled = new Set<number>();
  /** Buffers of evicted or dropped tiles, reused so that steady state allocates (and page-faults) no new memory. */
  private readonly pool: Float64Array[] = [];
  private peekBuffer: Float64Array | undefined;
  private fd: number | undefined;
  private dir: string | undefined;
  private closed = false;
  /** Largest number of tiles held in memory at once so far. */
  peakInMemory = 0;
  /** Tiles written to the scratch file so far (a tile spilled twice counts twice). */
  spillWrites = 0;

  /**
   * @param slotLength Float64 values per tile.
   * @param init Fills a freshly allocated tile with its initial state.
   * @param maxInMemory Tiles kept in memory before the least recently touched one is spilled (>= 1).
   * @param scratchDir Parent directory of the scratch file (default `os.tmpdir()`).
   */
  constructor(
    readonly slotLength: number,
    private readonly init: (tile: Float64Array) => void,
    readonly maxInMemory: number,
    private readonly scratchDir = tmpdir(),
  ) {
    if (!(maxInMemory >= 1))
      throw new StitchError(
        'BAD_OPTION',
        `the stitcher needs room for at least one tile in memory; raise memoryBudget`,
      );
  }

  /** Number of tiles that were ever touched. */
  get size(): number {
    return this.live.size + this.spilled.size;
  }

  /** True when tile `index` was ever touched. */
  has(index: number): boolean {
    return this.live.has(index) || this.spilled.has(index);
  }

  /** The tile's state for updating: allocated on first touch, read back from the scratch file if it was spilled. */
  touch(index: number): Float64Array {
    this.assertOpen();
    let tile = this.live.get(index);
    if (tile) {
      this.live.delete(index);
      this.live.set(index, tile);
      return tile;
    }
    while (this.live.size >= this.maxInMemory) this.evictOldest();
    if (this.spilled.has(index)) {
      tile = this.readSlot(index, this.pool.pop());
      this.spilled.delete(index);
    } else {
      tile = this.pool.pop()?.fill(0) ?? new Float64Array(this.slotLength);
      this.init(tile);
    }
    this.live.set(index, tile);
    this.peakInMemory = Math.max(this.peakInMemory, this.live.size);
    return tile;
  }

  /**
   * The tile's state for reading without changing what stays in memory, or undefined when it was never
   * touched. A spilled tile is read into one shared buffer, valid until the next `peek`.
   */
  peek(index: number): Float64Array | undefined {
    this.assertOpen();
    const live = this.live.get(index);
    if (live || !this.spilled.has(index)) return live;
    this.peekBuffer = this.readSlot(index, this.peekBuffer);
    return this.peekBuffer;
  }

  /** Forgets tile `index` (its memory is freed; a spilled copy is no longer read). */
  drop(index: number): void {
    const tile = this.live.get(index);
    if (tile) this.release(tile);
    this.live.delete(index);
    this.spilled.delete(index);
  }

  private release(tile: Float64Array): void {
    if (this.pool.length < this.maxInMemory) this.pool.push(tile);
  }

  /** Frees memory and deletes the scratch file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live.clear();
    this.spilled.clear();
    this.pool.length = 0;
    this.peekBuffer = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.fd = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new StitchError('CLOSED', 'the stitcher was closed; create a new one');
  }

  private evictOldest(): void {
    const [index, tile] = this.live.entries().next().value as [number, Float64Array];
    this.live.delete(index);
    if (this.fd === undefined) {
      removeStaleTemps(this.scratchDir);
      this.dir = mkdtempSync(join(this.scratchDir, scratchPrefix('stitch')));
      this.fd = openSync(join(this.dir, 'tiles.bin'), 'w+');
    }
    const bytes = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
    let done = 0;
    const pos = index * this.slotLength * 8;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, pos + done);
    this.spilled.add(index);
    this.spillWrites++;
    this.release(tile);
  }

  private readSlot(index: number, into?: Float64Array): Float64Array {
    const tile = into ?? new Float64Array(this.slotLength);
    const bytes = new Uint8Array(tile.buffer);
    let done = 0;
    const pos = index * this.slotLength * 8;
    while (done < bytes.length) {
      const n = readSync(this.fd!, bytes, done, bytes.length - done, pos + done);
      if (n === 0)
        throw new StitchError(
          'SCRATCH_CORRUPT',
          `stitcher scratch file ${this.dir} is shorter than expected (tile ${index}); was it deleted or truncated?`,
          { subject: this.dir },
        );
      done += n;
    }
    return tile;
  }
}
