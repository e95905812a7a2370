import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { GeosliceError, StitchError } from '../../errors.js';
import { encodeTile } from './encode-tile.js';
import type { RasterArray } from '../dtype.js';
import { layoutCog } from './layout.js';
import { checkOptionKeys } from '../../option-keys.js';
import {
  COG_META_KEYS,
  COG_WRITE_OPTION_KEYS,
  resolvePlan,
  type CogMeta,
  type CogPlan,
  type CogWriteOptions,
} from './plan.js';
import { Spool } from './spool.js';
import { blankTile, checkBandArray, fillValue, interleaveInto, placeBlock } from './tile.js';

export type { CogMeta, CogProgress, CogWriteOptions } from './plan.js';

/**
 * A whole raster in memory: {@link CogMeta} plus its pixels, either one row-major array per band
 * or a single band-sequential array (band 0's rows, then band 1's...). The arrays must be the
 * dtype's own typed array (`Float32Array` for `float32`, `Uint8Array` or `Uint8ClampedArray` for `uint8`...).
 */
export interface CogRaster extends CogMeta {
  data: RasterArray[] | RasterArray;
}

/**
 * A streaming GeoTIFF/COG writer (see {@link createCogWriter}).
 */
export interface CogWriter {
  /** The output path. */
  readonly path: string;
  /** Tile width and height in pixels. */
  readonly tileSize: number;
  /** Number of full-resolution tile columns, `ceil(width / tileSize)`. */
  readonly tilesX: number;
  /** Number of full-resolution tile rows, `ceil(height / tileSize)`. */
  readonly tilesY: number;
  /** Valid size of tile `(tileX, tileY)`: `tileSize` except in the last column/row. */
  tileShape(tileX: number, tileY: number): { width: number; height: number };
  /**
   * Stores full-resolution tile `(tileX, tileY)`. `bands` has one row-major array per band, either
   * `tileSize * tileSize` long (edge tiles padded; the padding is ignored) or exactly
   * `tileShape(tileX, tileY)` in size. Tiles may come in any order and concurrently; each exactly
   * once. The arrays are copied before the promise settles, so the caller may reuse them after.
   */
  writeTile(tileX: number, tileY: number, bands: readonly RasterArray[]): Promise<void>;
  /**
   * Waits for the tiles in flight, builds the overviews, writes the COG to a temp file next to
   * `path`, fsyncs it and renames it over `path`. Tiles never written are filled with nodata when
   * `meta.nodata` is set; without nodata they are an error (`MISSING_TILES`). Any failure removes
   * every temp file and leaves `path` untouched.
   */
  finish(): Promise<void>;
  /**
   * Gives up: waits for the tiles in flight and removes the temp files; `path` is untouched. Called
   * while `finish()` runs, it waits for it and does nothing more (the file is complete or `finish` failed).
   */
  abort(): Promise<void>;
}

interface TileRef {
  pos: number;
  length: number;
}

interface BlockRef {
  pos: number;
  width: number;
  height: number;
}

const CONCURRENCY = Math.max(4, 2 * availableParallelism());

async function forEachLimited(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

function asStitchError(e: unknown, path: string): GeosliceError {
  if (e instanceof GeosliceError) return e;
  return new StitchError('WRITE_FAILED', `${path}: writing failed: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
    subject: path,
  });
}

function bytesOf(a: RasterArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Creates a streaming GeoTIFF / Cloud Optimized GeoTIFF writer for rasters too big for memory.
 *
 * Memory stays bounded by the tiles in flight: each full-resolution tile is compressed as soon as
 * it arrives and spooled to a scratch file next to `path`; when overviews are on, its reduced
 * version (e.g. 128x128 for 256 tiles) is spooled raw to a second scratch file. {@link CogWriter.finish}
 * builds each overview level from the spooled blocks of the level above, one tile at a time, then
 * writes header + IFDs + tiles in COG order (smallest overview first) and renames the file into
 * place. Scratch space is about the compressed size plus a third of the raw size.
 *
 * Layout decisions: little-endian classic TIFF (BigTIFF past 4 GiB), tiled, PlanarConfiguration 1
 * (pixel-interleaved: one tile holds every band, so a window read costs one range request per tile,
 * as GDAL's COG driver does by default), Photometric MinIsBlack with the extra bands marked
 * unspecified, GeoKeys with PixelIsArea, GDAL_NODATA in every IFD, band names as GDAL_METADATA.
 *
 * Throws {@link StitchError}, always naming `path`: for bad metadata or options (see `resolvePlan`);
 * from `writeTile` for a bad call (`WRONG_ARRAY_TYPE`, `SHAPE_MISMATCH`, `TILE_OUT_OF_RANGE`,
 * `DUPLICATE_TILE`), which leaves the writer usable; `WRITER_CLOSED` after `finish`/`abort`/a
 * failure; `MISSING_TILES` and `WRITE_FAILED` (disk full, I/O error), after which the writer is
 * closed and its temp files are gone.
 *
 * @example
 * ```ts
 * import { createCogWriter } from 'geoslice/tiff';
 *
 * const w = await createCogWriter('pred.tif', {
 *   width: 20000, height: 20000, bands: 1, dtype: 'float32',
 *   crs: 'EPSG:32633', transform: [500000, 10, 0, 4200000, 0, -10], nodata: NaN,
 * }, { overviews: true });
 * for (let ty = 0; ty < w.tilesY; ty++)
 *   for (let tx = 0; tx < w.tilesX; tx++) {
 *     const { width, height } = w.tileShape(tx, ty);
 *     await w.writeTile(tx, ty, [new Float32Array(width * height)]); // one tile at a time, in any order
 *   }
 * await w.finish();
 * ```
 */
export async function createCogWriter(path: string, meta: CogMeta, opts: CogWriteOptions = {}): Promise<CogWriter> {
  checkOptionKeys(opts, COG_WRITE_OPTION_KEYS, `createCogWriter ${path}`, StitchError);
  checkOptionKeys(meta, COG_META_KEYS, `createCogWriter ${path} metadata`, StitchError);
  const plan = resolvePlan(path, meta, opts);
  // `.<name>.tmp-<pid>-<hex>`: the naming later runs use to remove a killed writer's temps.
  const stem = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const tiles = await Spool.create(`${stem}.tiles`, path);
  const reduced: Spool[] = [];
  try {
    for (let k = 1; k < plan.levels.length; k++) reduced.push(await Spool.create(`${stem}.level${k}`, path));
  } catch (e) {
    await Promise.all([tiles, ...reduced].map((s) => s.remove()));
    throw e;
  }
  return new StreamingCogWriter(plan, stem, tiles, reduced);
}

class StreamingCogWriter implements CogWriter {
  readonly path: string;
  readonly tileSize: number;
  readonly tilesX: number;
  readonly tilesY: number;
  private state: 'open' | 'finishing' | 'done' | 'failed' | 'aborted' = 'open';
  private failure: GeosliceError | undefined;
  private readonly claimed: Uint8Array;
  private readonly tileRefs: (TileRef | undefined)[][];
  /** blockRefs[k][i]: reduced block of level-k tile i, the source of level k + 1. */
  private readonly blockRefs: (BlockRef | undefined)[][];
  private readonly inflight = new Set<Promise<void>>();
  private finishing: Promise<void> | undefined;
  private readonly progress = { tiles: 0, overviews: 0 };
  private readonly overviewTiles: number;
  private readonly fill: number;

  constructor(
    private readonly plan: CogPlan,
    private readonly stem: string,
    private readonly tiles: Spool,
    private readonly reduced: Spool[],
  ) {
    this.path = plan.path;
    this.tileSize = plan.tileSize;
    this.tilesX = plan.levels[0].tilesX;
    this.tilesY = plan.levels[0].tilesY;
    this.claimed = new Uint8Array(this.tilesX * this.tilesY);
    this.tileRefs = plan.levels.map((l) => new Array<TileRef | undefined>(l.tilesX * l.tilesY));
    this.blockRefs = plan.levels.map((l) => new Array<BlockRef | undefined>(l.tilesX * l.tilesY));
    this.fill = fillValue(plan.nodata);
    this.overviewTiles = plan.levels.slice(1).reduce((n, l) => n + l.tilesX * l.tilesY, 0);
  }

  tileShape(tileX: number, tileY: number): { width: number; height: number } {
    this.checkTileIndex(tileX, tileY);
    return this.levelTileShape(0, tileX, tileY);
  }

  private levelTileShape(level: number, tx: number, ty: number): { width: number; height: number } {
    const L = this.plan.levels[level];
    const T = this.tileSize;
    return { width: Math.min(T, L.width - tx * T), height: Math.min(T, L.height - ty * T) };
  }

  private checkTileIndex(tileX: number, tileY: number): void {
    if (
      !Number.isInteger(tileX) ||
      !Number.isInteger(tileY) ||
      tileX < 0 ||
      tileY < 0 ||
      tileX >= this.tilesX ||
      tileY >= this.tilesY
    ) {
      throw new StitchError(
        'TILE_OUT_OF_RANGE',
        `${this.path}: tile (${tileX}, ${tileY}) is outside the ${this.tilesX} x ${this.tilesY} tile grid`,
        { subject: this.path },
      );
    }
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw this.closedError();
  }

  private closedError(): StitchError {
    return new StitchError(
      'WRITER_CLOSED',
      `${this.path}: the writer is ${this.state}${this.failure ? ` (${this.failure.message})` : ''}`,
      { subject: this.path, cause: this.failure },
    );
  }

  async writeTile(tileX: number, tileY: number, bands: readonly RasterArray[]): Promise<void> {
    this.checkOpen();
    this.checkTileIndex(tileX, tileY);
    const { plan } = this;
    const T = this.tileSize;
    const { width: w, height: h } = this.levelTileShape(0, tileX, tileY);
    if (!Array.isArray(bands) || bands.length !== plan.bands) {
      throw new StitchError(
        'SHAPE_MISMATCH',
        `${this.path}: tile (${tileX}, ${tileY}) needs ${plan.bands} band arrays, got ${Array.isArray(bands) ? bands.length : typeof bands}`,
        { subject: this.path },
      );
    }
    bands.forEach((a, b) =>
      checkBandArray(a, plan.info, plan.dtype, [T * T, w * h], this.path, `tile (${tileX}, ${tileY}) band ${b}`),
    );
    if (bands.some((a) => a.length !== bands[0].length)) {
      throw new StitchError(
        'SHAPE_MISMATCH',
        `${this.path}: tile (${tileX}, ${tileY}) mixes padded and exact-size band arrays: ${bands.map((a) => a.length).join(', ')}`,
        { subject: this.path },
      );
    }
    const index = tileY * this.tilesX + tileX;
    if (this.claimed[index])
      throw new StitchError('DUPLICATE_TILE', `${this.path}: tile (${tileX}, ${tileY}) was already written`, {
        subject: this.path,
      });
    this.claimed[index] = 1;
    const stride = bands[0].length === T * T ? T : w;
    const samples = blankTile(T, plan.bands, plan.info, this.fill);
    interleaveInto(samples, T, bands, new Array<number>(plan.bands).fill(0), stride, 0, 0, w, h);
    await this.track(this.storeTile(0, index, samples, w, h));
  }

  /** Runs `work`, records it as in flight, and turns any failure into a closed writer. */
  private async track(work: Promise<void>): Promise<void> {
    const p = work.catch(async (e: unknown) => {
      await this.fail(e);
    });
    this.inflight.add(p);
    try {
      await p;
    } finally {
      this.inflight.delete(p);
    }
    if (this.failure) throw this.failure;
  }

  private async storeTile(level: number, index: number, samples: RasterArray, w: number, h: number): Promise<void> {
    const { plan } = this;
    const feedsOverview = level + 1 < plan.levels.length;
    const enc = await encodeTile(
      {
        samples,
        dtype: plan.dtype,
        tileSize: this.tileSize,
        spp: plan.bands,
        predictor: plan.predictor,
        compression: plan.compression,
        level: plan.level,
        reduce: feedsOverview
          ? { w, h, ratio: plan.levels[level + 1].ratio, resampling: plan.resampling, nodata: plan.nodata }
          : undefined,
      },
      this.path,
    );
    if (enc.reduced) {
      const pos = await this.reduced[level].append(bytesOf(enc.reduced));
      this.blockRefs[level][index] = { pos, width: enc.reducedWidth, height: enc.reducedHeight };
    }
    const pos = await this.tiles.append(enc.packed);
    this.tileRefs[level][index] = { pos, length: enc.packed.byteLength };
    if (level === 0) plan.onProgress?.({ stage: 'tiles', done: ++this.progress.tiles, total: this.claimed.length });
    else plan.onProgress?.({ stage: 'overviews', done: ++this.progress.overviews, total: this.overviewTiles });
  }

  private async fail(e: unknown): Promise<void> {
    if (this.failure === undefined) this.failure = asStitchError(e, this.path);
    if (this.state === 'open' || this.state === 'finishing') {
      this.state = 'failed';
      await this.cleanup();
    }
  }

  private async cleanup(): Promise<void> {
    await Promise.all([this.tiles, ...this.reduced].map((s) => s.remove()));
    await rm(`${this.stem}.tmp`, { force: true });
  }

  async abort(): Promise<void> {
    if (this.state === 'finishing') await this.finishing?.catch(() => undefined);
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await Promise.allSettled([...this.inflight]);
    await this.cleanup();
  }

  finish(): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.closedError());
    this.state = 'finishing';
    this.finishing = this.runFinish();
    return this.finishing;
  }

  private async runFinish(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    if (this.failure) throw this.failure;
    try {
      await this.fillMissing();
      for (let k = 1; k < this.plan.levels.length; k++) await this.buildLevel(k);
      await this.assemble();
      this.state = 'done';
    } catch (e) {
      await this.fail(e);
      throw this.failure;
    }
  }

  private async fillMissing(): Promise<void> {
    const missing: number[] = [];
    this.claimed.forEach((c, i) => {
      if (!c) missing.push(i);
    });
    if (missing.length === 0) return;
    if (this.plan.nodata === null) {
      const first = missing
        .slice(0, 5)
        .map((i) => `(${i % this.tilesX}, ${Math.floor(i / this.tilesX)})`)
        .join(', ');
      throw new StitchError(
        'MISSING_TILES',
        `${this.path}: ${missing.length} of ${this.claimed.length} tiles were never written, e.g. ${first}; write them or set nodata to fill them`,
        { subject: this.path },
      );
    }
    await forEachLimited(missing.length, CONCURRENCY, async (j) => {
      const i = missing[j];
      const { width, height } = this.levelTileShape(0, i % this.tilesX, Math.floor(i / this.tilesX));
      await this.storeTile(0, i, blankTile(this.tileSize, this.plan.bands, this.plan.info, this.fill), width, height);
    });
  }

  /** Builds overview level `k` from the reduced blocks of level `k - 1`, tile by tile. */
  private async buildLevel(k: number): Promise<void> {
    const { plan } = this;
    const T = this.tileSize;
    const L = plan.levels[k];
    const above = plan.levels[k - 1];
    const r = L.ratio;
    const part = T / r;
    const source = this.reduced[k - 1];
    const spp = plan.bands;
    await forEachLimited(L.tilesX * L.tilesY, CONCURRENCY, async (index) => {
      const X = index % L.tilesX;
      const Y = Math.floor(index / L.tilesX);
      const samples = blankTile(T, spp, plan.info, this.fill);
      for (let sy = 0; sy < r; sy++) {
        for (let sx = 0; sx < r; sx++) {
          const tx = X * r + sx;
          const ty = Y * r + sy;
          if (tx >= above.tilesX || ty >= above.tilesY) continue;
          const ref = this.blockRefs[k - 1][ty * above.tilesX + tx];
          if (ref === undefined)
            throw new StitchError(
              'WRITE_FAILED',
              `${this.path}: internal: level ${k - 1} tile (${tx}, ${ty}) has no reduced block`,
              { subject: this.path },
            );
          const block = plan.info.create(ref.width * ref.height * spp);
          bytesOf(block).set(await source.read(ref.pos, block.byteLength));
          placeBlock(samples, T, spp, block, ref.width, ref.height, sx * part, sy * part);
        }
      }
      const { width, height } = this.levelTileShape(k, X, Y);
      await this.storeTile(k, index, samples, width, height);
    });
    await source.remove();
  }

  /** Writes header, IFDs and tiles in COG order to the temp file, fsyncs, renames into place. */
  private async assemble(): Promise<void> {
    const { plan } = this;
    const byteCounts = this.tileRefs.map((refs) => refs.map((r) => r?.length ?? 0));
    const layout = layoutCog(plan, byteCounts);
    const tmp = `${this.stem}.tmp`;
    const out = await open(tmp, 'wx');
    try {
      let written = 0;
      const flush = async (chunks: Uint8Array[]): Promise<void> => {
        const total = chunks.reduce((n, c) => n + c.byteLength, 0);
        let done = (await out.writev(chunks, written)).bytesWritten;
        if (done < total) {
          const all = Buffer.concat(chunks);
          while (done < total) done += (await out.write(all, done, total - done, written + done)).bytesWritten;
        }
        written += total;
      };
      await flush([layout.head]);
      const CHUNK = 8 << 20;
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const total = this.tileRefs.reduce((n, refs) => n + refs.length, 0);
      let copied = 0;
      for (let k = plan.levels.length - 1; k >= 0; k--) {
        for (const ref of this.tileRefs[k]) {
          if (ref === undefined)
            throw new StitchError('WRITE_FAILED', `${this.path}: internal: a level ${k} tile was never encoded`, {
              subject: this.path,
            });
          pending.push(await this.tiles.read(ref.pos, ref.length));
          pendingBytes += ref.length;
          plan.onProgress?.({ stage: 'assemble', done: ++copied, total });
          if (pendingBytes >= CHUNK) {
            await flush(pending);
            pending = [];
            pendingBytes = 0;
          }
        }
      }
      if (pendingBytes > 0) await flush(pending);
      if (written !== layout.size)
        throw new StitchError(
          'WRITE_FAILED',
          `${this.path}: internal: wrote ${written} bytes, layout says ${layout.size}`,
          { subject: this.path },
        );
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    await this.syncDir();
    await this.tiles.remove();
  }

  private async syncDir(): Promise<void> {
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/**
 * Writes a raster held in memory as a Cloud Optimized GeoTIFF (or, with `cog: false`, a plain
 * tiled GeoTIFF), atomically: the file appears at `path` complete or not at all.
 *
 * Defaults: DEFLATE (node:zlib, off the main thread), predictor 2 for integer and 3 for float
 * dtypes, 256-pixel tiles, overviews halving until one tile holds the whole level (average
 * resampling; use `'mode'` or `'nearest'` for class maps). See {@link createCogWriter} for the
 * layout and the errors; on top of those, `data` must have `bands` arrays of `width * height`
 * samples, or one array of `width * height * bands` (`SHAPE_MISMATCH`, `WRONG_ARRAY_TYPE`).
 *
 * @example
 * ```ts
 * import { writeCog } from 'geoslice/tiff';
 *
 * const heights = new Float32Array(1024 * 1024).map((_, i) => (i % 1024) / 10);
 * await writeCog('dem.tif', {
 *   width: 1024, height: 1024, bands: 1, dtype: 'float32', data: [heights],
 *   crs: 'EPSG:32633', transform: [500000, 10, 0, 4200000, 0, -10], nodata: -9999, bandNames: ['elevation'],
 * }, { compression: 'deflate', level: 6 });
 * ```
 */
export async function writeCog(path: string, raster: CogRaster, opts: CogWriteOptions = {}): Promise<void> {
  checkOptionKeys(opts, COG_WRITE_OPTION_KEYS, `writeCog ${path}`, StitchError);
  checkOptionKeys(raster, [...COG_META_KEYS, 'data'], `writeCog ${path} raster`, StitchError);
  const plan = resolvePlan(path, raster, opts);
  const { width, height, bands } = plan;
  const n = width * height;
  let arrays: RasterArray[];
  let offsets: number[];
  if (Array.isArray(raster.data)) {
    if (raster.data.length !== bands) {
      throw new StitchError(
        'SHAPE_MISMATCH',
        `${path}: data has ${raster.data.length} band arrays, expected ${bands}`,
        { subject: path },
      );
    }
    raster.data.forEach((a, b) => checkBandArray(a, plan.info, plan.dtype, [n], path, `band ${b}`));
    arrays = raster.data;
    offsets = new Array<number>(bands).fill(0);
  } else {
    checkBandArray(raster.data, plan.info, plan.dtype, [n * bands], path, 'data (band-sequential)');
    arrays = new Array<RasterArray>(bands).fill(raster.data);
    offsets = Array.from({ length: bands }, (_, b) => b * n);
  }
  const { data: _data, ...meta } = raster;
  const writer = await createCogWriter(path, meta, opts);
  const T = writer.tileSize;
  try {
    await forEachLimited(writer.tilesX * writer.tilesY, CONCURRENCY, async (i) => {
      const tx = i % writer.tilesX;
      const ty = Math.floor(i / writer.tilesX);
      const { width: w, height: h } = writer.tileShape(tx, ty);
      const tile = arrays.map(() => plan.info.create(w * h));
      arrays.forEach((src, b) => {
        for (let y = 0; y < h; y++) {
          const s = offsets[b] + (ty * T + y) * width + tx * T;
          tile[b].set(src.subarray(s, s + w), y * w);
        }
      });
      await writer.writeTile(tx, ty, tile);
    });
    await writer.finish();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}
