import { resolve } from 'node:path';
import { StitchError } from '../errors.js';
import type { TileAccumulator } from './accumulator.js';
import { StitchOutput, type StitchWriteOptions, type StitchWriteResult } from './stitch-writer.js';
import type { StitchSpec } from './stitcher-options.js';

/**
 * The output side of a stitcher: the output opened early (by `open`), the tiles already flushed to it
 * and freed, and writing the rest. Backs {@link Stitcher.open}, {@link Stitcher.flush} and
 * {@link Stitcher.write}.
 */
export class FlushingOutput {
  private output: StitchOutput | undefined;
  private opening: Promise<void> | undefined;
  /** Accumulator tiles written by `flush` and freed. */
  private readonly flushed = new Set<number>();

  constructor(
    private readonly spec: StitchSpec,
    private readonly acc: TileAccumulator,
  ) {}

  /** Opens the output at `path`; nothing appears there before {@link FlushingOutput.write}. */
  open(path: string, opts: StitchWriteOptions): Promise<void> {
    if (this.output || this.opening)
      throw new StitchError(
        'BAD_OPTION',
        `the stitcher output is already open; call write(${JSON.stringify(this.output?.path ?? path)}) to finish it`,
      );
    this.opening = StitchOutput.open(this.spec, this.acc, path, opts).then((o) => {
      this.output = o;
    });
    return this.opening;
  }

  /**
   * Writes every touched tile in the tile rows above grid row `top` (no later slice reaches them under
   * `order: 'rows'`) and frees it. Returns the number of tiles written.
   */
  async flush(top: number): Promise<number> {
    if (this.spec.order !== 'rows')
      throw new StitchError(
        'BAD_OPTION',
        "flush() needs the stitcher created with order: 'rows' (otherwise no tile is known to be finished)",
      );
    if (this.opening) await this.opening;
    const output = this.output;
    if (!output)
      throw new StitchError('BAD_OPTION', 'flush() needs an output: call await stitcher.open(path, options) first');
    const doneRows = Math.floor(top / this.spec.tileSize);
    const ready = this.unwritten(doneRows * this.acc.tilesX);
    await output.writeTiles(ready);
    for (const i of ready) {
      this.flushed.add(i);
      this.acc.store.drop(i);
    }
    return ready.length;
  }

  /** Writes the remaining tiles and finishes the files — the open output's, or new ones at `path`. */
  async write(path: string, opts: StitchWriteOptions): Promise<StitchWriteResult> {
    if (this.opening) await this.opening;
    const output = this.output;
    if (output && resolve(output.path) !== resolve(path)) {
      throw new StitchError(
        'BAD_OPTION',
        `the stitcher output was opened for ${output.path}; write(${JSON.stringify(output.path)}) finishes it`,
        { subject: path },
      );
    }
    if (!output && this.flushed.size > 0) {
      throw new StitchError(
        'TILE_FLUSHED',
        `${this.flushed.size} tiles were flushed to an earlier output and freed, so ${path} cannot be written from this stitcher`,
        { subject: path },
      );
    }
    const out = output ?? (await StitchOutput.open(this.spec, this.acc, path, opts));
    await out.writeTiles(this.unwritten(this.acc.tilesX * this.acc.tilesY));
    const res = await out.finish();
    this.output = undefined;
    this.opening = undefined;
    return res;
  }

  /** Throws {@link StitchError} `TILE_FLUSHED` when the pixel window reaches a flushed (freed) tile. */
  assertNotFlushed(x0: number, y0: number, w: number, h: number): void {
    if (this.flushed.size === 0) return;
    const T = this.spec.tileSize;
    for (let ty = Math.floor(y0 / T); ty * T < y0 + h; ty++)
      for (let tx = Math.floor(x0 / T); tx * T < x0 + w; tx++) {
        if (this.flushed.has(ty * this.acc.tilesX + tx))
          throw new StitchError(
            'TILE_FLUSHED',
            `window ${x0},${y0} ${w}x${h} reaches tile (${tx}, ${ty}), which flush() already wrote and freed; read it from the written file`,
          );
      }
  }

  /** Abandons an open output (its files are not created). */
  abort(): void {
    void this.output?.abort();
    this.output = undefined;
  }

  /** Touched, not yet flushed tiles among the first `count` tile indices. */
  private unwritten(count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) if (this.acc.store.has(i) && !this.flushed.has(i)) out.push(i);
    return out;
  }
}
