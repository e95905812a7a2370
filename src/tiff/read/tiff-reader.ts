import { GeosliceError, RasterError, SourceError } from '../../errors.js';
import { type BlockJob, blockGrid, blockJobs, decodedBlockBytes, prefixBytes } from '../blocks.js';
import type { CogLayout } from '../cog-layout.js';
import type { CogImageLayout } from '../image.js';
import { unpackBitmask } from '../codecs/bitmask.js';
import { SUPPORTED_COMPRESSIONS } from '../codecs/decode-block.js';
import { decodeBlockPooled, decodesOnWorkers, readDecodePooled } from '../codecs/worker-pool.js';
import type { RasterInfo, RasterReader, WindowData } from '../raster-reader.js';
import { dropBlock, holdBlock, releaseBlock } from '../../sources/block-buffers.js';
import type { BlockCache } from '../../sources/block-cache.js';
import type { ByteRange, ByteSource } from '../../sources/byte-source.js';
import { LIMITS } from '../limits.js';
import { countRead } from './read-counters.js';
import { COMPRESSION } from '../tags.js';
import {
  allocTyped,
  dtypeBytes,
  isBigIntDtype,
  isSampleArrayOf,
  type BigIntArray,
  type SampleArray,
  type StoredSamples,
  type TypedArray,
  tiffSamples,
  viewTyped,
} from '../dtype.js';
import { widenSamples } from '../codecs/widen-samples.js';

/** Codecs whose first rows decode from a prefix of the block's bytes (streams read from the start). */
const PREFIX_CODECS: ReadonlySet<number> = new Set([COMPRESSION.DEFLATE, COMPRESSION.DEFLATE_OLD, COMPRESSION.LZW]);

/**
 * {@link RasterReader} over a TIFF described by a {@link CogLayout}: finds the blocks under a
 * window, reads them in one coalesced request batch, decodes them concurrently, de-duplicates
 * concurrent requests for the same block, and copies them into per-band arrays with a validity mask.
 */
export class TiffRasterReader implements RasterReader {
  readonly info: RasterInfo;
  private readonly nodata: number | null;
  /** The nodata value of int64/uint64 rasters, exactly; null for other dtypes or without one. */
  private readonly nodataBig: bigint | null;
  /** Blocks being read and decoded, with how many readers wait for each (see {@link blocks}). */
  private readonly inflight = new Map<string, { block: Promise<Uint8Array>; readers: number }>();
  private closed = false;

  constructor(
    private readonly href: string,
    private readonly source: ByteSource,
    private readonly layout: CogLayout,
    private readonly ownsSource: boolean,
    private readonly cache?: BlockCache,
    /** The file size when known (the header was just read): block ranges are checked against it. */
    private readonly fileSize?: number,
  ) {
    const c = layout.images[0].compression;
    if (!SUPPORTED_COMPRESSIONS.has(c)) {
      throw new RasterError(
        'UNSUPPORTED_COMPRESSION',
        `${href} uses TIFF compression ${c}, which geoslice cannot decode; convert it (e.g. gdal_translate -co COMPRESS=DEFLATE)`,
        { subject: href },
      );
    }
    this.nodata = parseNodata(layout.nodata);
    this.nodataBig = isBigIntDtype(layout.dtype) ? parseBigNodata(layout.nodata) : null;
    const gt = layout.transform;
    this.info = {
      href,
      width: layout.width,
      height: layout.height,
      bands: layout.bands,
      dtype: layout.dtype,
      nodata: this.nodata,
      crs: layout.crs,
      transform: [...gt],
      levels: layout.images.map((im) => ({
        width: im.width,
        height: im.height,
        // GDAL scales the column terms by the width ratio and the row terms by the height ratio
        transform: [
          gt[0],
          (gt[1] * layout.width) / im.width,
          (gt[2] * layout.height) / im.height,
          gt[3],
          (gt[4] * layout.width) / im.width,
          (gt[5] * layout.height) / im.height,
        ],
        tileWidth: im.blockWidth,
        tileHeight: im.blockHeight,
      })),
      hasMask: layout.masks[0] !== null,
      alphaBand: layout.alphaBand ?? null,
      alphaMask: layout.alphaMask ?? false,
      scaleOffset: layout.scaleOffset ?? null,
      palette: layout.palette ?? null,
    };
  }

  async readWindow(
    level: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    bands: number[],
    into?: WindowData,
  ): Promise<WindowData> {
    this.checkWindow(level, x0, y0, w, h, bands);
    const alpha = this.info.alphaMask ? (this.info.alphaBand ?? null) : null;
    if (alpha === null) return this.readBands(level, x0, y0, w, h, bands, into);
    // GDAL's alpha mask: valid where the alpha band is > 0 (read along with the requested bands)
    const at = bands.indexOf(alpha);
    const got = await this.readBands(level, x0, y0, w, h, at >= 0 ? bands : [...bands, alpha]);
    const a = got.data[at >= 0 ? at : bands.length];
    const mask = got.mask as Uint8Array;
    for (let i = 0; i < mask.length; i++) if (a[i] === 0) mask[i] = 0; // alpha masks are 8/16-bit
    return { data: at >= 0 ? got.data : got.data.slice(0, bands.length), mask };
  }

  private async readBands(
    level: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    bands: number[],
    into?: WindowData,
  ): Promise<WindowData> {
    const img = this.layout.images[level];
    const cx0 = Math.max(0, x0);
    const cy0 = Math.max(0, y0);
    const cx1 = Math.min(img.width, x0 + w);
    const cy1 = Math.min(img.height, y0 + h);
    // offered arrays of the right type and size are filled in place (every pixel is written)
    const px = w * h;
    const fits = (a: SampleArray | undefined): a is SampleArray =>
      a !== undefined &&
      a.length === px &&
      (isSampleArrayOf(this.layout.dtype, a) || holdsExactly(a, this.layout.dtype));
    const offered = into && into.data.length === bands.length && into.data.every(fits);
    const data = offered ? into.data : bands.map(() => allocTyped(this.layout.dtype, px));
    const inside = cx0 === x0 && cy0 === y0 && cx1 === x0 + w && cy1 === y0 + h;
    this.fillNodata(data, Boolean(offered && !inside));
    const mask = into?.mask?.length === px ? into.mask.fill(0) : new Uint8Array(px);
    if (cx0 >= cx1 || cy0 >= cy1) return { data, mask };

    const jobs = blockJobs(img, cx0, cy0, cx1, cy1);
    const planar = img.planarConfiguration === 2;
    const { across, down } = blockGrid(img);
    const planeBlocks = across * down;
    const wanted: { job: BlockJob; plane: number; block: number }[] = [];
    for (const job of jobs) {
      if (planar) for (const b of new Set(bands)) wanted.push({ job, plane: b, block: b * planeBlocks + job.block });
      else wanted.push({ job, plane: -1, block: job.block });
    }
    const maskImg = this.layout.masks[level];
    const [decoded, maskBlocks] = await Promise.all([
      this.blocks(
        level,
        img,
        wanted.map((x) => ({ block: x.block, rows: x.job.rows, need: cy1 - x.job.row * img.blockHeight })),
        false,
      ),
      maskImg ? this.blocks(level, maskImg, blockJobs(maskImg, cx0, cy0, cx1, cy1), true) : Promise.resolve(null),
    ]);

    const bw = img.blockWidth;
    const S = planar ? 1 : img.samplesPerPixel;
    for (let k = 0; k < wanted.length; k++) {
      const { job, plane } = wanted[k];
      const px = viewTyped(this.layout.dtype, decoded[k]);
      const bx0 = job.col * bw;
      const by0 = job.row * img.blockHeight;
      const ix0 = Math.max(cx0, bx0);
      const ix1 = Math.min(cx1, bx0 + bw);
      const iy0 = Math.max(cy0, by0);
      const iy1 = Math.min(cy1, by0 + job.rows);
      const n = ix1 - ix0;
      if (S > 1) {
        deinterleave(
          px,
          S,
          bands,
          data,
          iy0,
          iy1,
          (iy0 - by0) * bw + (ix0 - bx0),
          bw,
          (iy0 - y0) * w + (ix0 - x0),
          w,
          n,
        );
        continue;
      }
      for (let bi = 0; bi < bands.length; bi++) {
        if (planar && bands[bi] !== plane) continue;
        const out = data[bi];
        for (let y = iy0; y < iy1; y++) {
          const o = (y - y0) * w + (ix0 - x0);
          const s = (y - by0) * bw + (ix0 - bx0);
          out.set(px.subarray(s, s + n) as never, o);
        }
      }
    }
    // every block came held (see `blocks`); once copied, it may be evicted and its buffer reused (a
    // hold a failed copy never releases only leaves the buffer to the collector)
    for (const b of decoded) releaseBlock(b);
    for (let y = cy0; y < cy1; y++) mask.fill(1, (y - y0) * w + (cx0 - x0), (y - y0) * w + (cx1 - x0));
    if (maskImg && maskBlocks)
      applyInternalMask(
        mask,
        maskImg,
        blockJobs(maskImg, cx0, cy0, cx1, cy1),
        maskBlocks,
        x0,
        y0,
        w,
        cx0,
        cy0,
        cx1,
        cy1,
      );
    if (isBigIntDtype(this.layout.dtype)) {
      if (this.nodataBig !== null) applyBigNodataMask(mask, data as BigIntArray[], this.nodataBig);
      return { data, mask };
    }
    const nd = this.nodata !== null && this.layout.dtype === 'float32' ? Math.fround(this.nodata) : this.nodata;
    applyValueMask(mask, data as TypedArray[], nd, this.layout.dtype.startsWith('float'));
    return { data, mask };
  }

  /** Fills sample arrays with the nodata value (or 0): fresh ones start at 0, reused ones (`always`) do not. */
  private fillNodata(arrays: SampleArray[], always = false): void {
    if (isBigIntDtype(this.layout.dtype)) {
      const v = this.nodataBig ?? 0n;
      if (v !== 0n || always) for (const a of arrays) (a as BigIntArray).fill(v);
    } else {
      const v = this.nodata ?? 0;
      if (v !== 0 || always) for (const a of arrays) (a as TypedArray).fill(v);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // worker threads may still be reading blocks through the source's descriptor
    await Promise.allSettled([...this.inflight.values()].map((e) => e.block));
    if (this.ownsSource) await this.source.close();
  }

  private checkWindow(level: number, x0: number, y0: number, w: number, h: number, bands: number[]): void {
    const bad = (why: string): never => {
      throw new RasterError('BAD_WINDOW', `invalid window of ${this.href}: ${why}`, { subject: this.href });
    };
    if (this.closed)
      throw new RasterError('CLOSED', `the reader of ${this.href} was closed; open it again`, { subject: this.href });
    if (!Number.isInteger(level) || level < 0 || level >= this.layout.images.length)
      bad(`level ${level} does not exist (0..${this.layout.images.length - 1})`);
    if (![x0, y0, w, h].every(Number.isInteger) || w <= 0 || h <= 0)
      bad(`x0, y0, w, h must be integers with w, h > 0 (got ${x0}, ${y0}, ${w}, ${h})`);
    if (w * h > LIMITS.maxDimension)
      bad(
        `${w} x ${h} pixels is more than one typed array can hold (${LIMITS.maxDimension}); read it in smaller windows`,
      );
    if (bands.length === 0 || !bands.every((b) => Number.isInteger(b) && b >= 0 && b < this.layout.bands)) {
      bad(`bands ${JSON.stringify(bands)} must be 0-based indices below ${this.layout.bands}`);
    }
  }

  /**
   * Decoded blocks (same order as `jobs`), from the cache, in-flight requests or the source. A job
   * that needs only the first `need` rows of a DEFLATE or LZW block reads a prefix of the block's
   * bytes ({@link prefixBytes}) and decodes only up to the `need` rows (on the main thread a DEFLATE
   * prefix inflates whole), falling back to the whole block when the prefix turns out too short.
   * The cache keeps the longest decoded prefix of each block; a shorter one is a miss.
   */
  private async blocks(
    level: number,
    img: CogImageLayout,
    jobs: { block: number; rows: number; need?: number }[],
    isMask: boolean,
  ): Promise<Uint8Array[]> {
    const keyOf = (b: number) => `${this.href}#${isMask ? 'm' : 'i'}${level}:${b}`;
    const prefixable = !isMask && PREFIX_CODECS.has(img.compression);
    const rowBytes = isMask ? 0 : decodedBlockBytes(img, 1);
    // samples read wider than stored (1..15-bit integers, float16) are widened once, before caching
    const stored: StoredSamples | null = isMask ? null : tiffSamples(img.bitsPerSample, img.sampleFormat);
    const widen = stored !== null && (stored.packed || stored.half);
    const S = img.planarConfiguration === 1 ? img.samplesPerPixel : 1;
    const cachedRowBytes = widen ? img.blockWidth * S * dtypeBytes(this.layout.dtype) : rowBytes;
    const result = new Array<Promise<Uint8Array>>(jobs.length);
    const toRead: {
      i: number;
      key: string;
      range: ByteRange;
      rows: number;
      full: ByteRange;
      fullRows: number;
      block: number;
    }[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const { block, rows } = jobs[i];
      const need = prefixable ? Math.min(rows, jobs[i].need ?? rows) : rows;
      const key = keyOf(block);
      const partKey = need < rows ? `${key}@${need}` : key;
      const cached = this.cache?.get(key);
      if (cached && cached.byteLength >= need * cachedRowBytes) {
        countRead('blockCacheHits');
        holdBlock(cached);
        result[i] = Promise.resolve(cached as Uint8Array);
        continue;
      }
      const pending = this.inflight.get(key) ?? this.inflight.get(partKey);
      if (pending) {
        pending.readers++;
        result[i] = pending.block;
        continue;
      }
      const offset = img.offsets[block];
      const length = img.byteCounts[block];
      if (!Number.isFinite(offset) || !Number.isFinite(length) || offset < 0 || length < 0) {
        throw new RasterError(
          'TILE_OUT_OF_RANGE',
          `${isMask ? 'mask ' : ''}block ${block} of image ${level} in ${this.href} has no valid offset; the file is corrupt`,
          {
            subject: this.href,
          },
        );
      }
      if (length > 0 && this.fileSize !== undefined && offset + length > this.fileSize) {
        throw new RasterError(
          'TILE_OUT_OF_RANGE',
          `${isMask ? 'mask ' : ''}block ${block} of image ${level} in ${this.href} (bytes ${offset}..${offset + length}) lies past the end of the file (${this.fileSize} bytes); the file is truncated or corrupt`,
          { subject: this.href },
        );
      }
      if (length === 0) {
        result[i] = Promise.resolve(this.sparseBlock(img, rows, isMask));
        continue;
      }
      const prefix = prefixBytes(length, need, rows);
      toRead.push({
        i,
        key: partKey,
        range: { offset, length: prefix },
        rows: need,
        full: { offset, length },
        fullRows: rows,
        block,
      });
    }
    if (toRead.length > 0) {
      // Local blocks decoded on worker threads are read there too (positional reads on this
      // source's descriptor, which close() keeps open until they settle); the rest are read here.
      const fd = this.ownsSource ? this.source.fd : undefined;
      const onWorker = new Set(fd === undefined ? [] : toRead.filter((t) => decodesOnWorkers(img, t.rows)));
      const here = toRead.filter((t) => !onWorker.has(t));
      const raw = here.length > 0 ? this.readRaw(here, level, isMask) : Promise.resolve([]);
      toRead.forEach((t) => {
        const where = { href: this.href, image: level, block: t.block, mask: isMask };
        const partial = t.range.length < t.full.length;
        const decode = (bytes: Uint8Array, rows: number, prefix: boolean) => {
          countRead('blocksDecoded');
          return decodeBlockPooled(bytes, img, rows, this.layout.littleEndian, where, prefix);
        };
        let decoded: Promise<Uint8Array>;
        if (onWorker.has(t)) {
          countRead('blocksDecoded');
          countRead('bytesRead', t.range.length);
          const file = { fd: fd as number, ...t.range, fullLength: t.full.length, fullRows: t.fullRows };
          decoded = readDecodePooled(file, img, t.rows, this.layout.littleEndian, where, partial);
        } else {
          const k = here.indexOf(t);
          decoded = raw.then((bufs) =>
            decode(bufs[k], t.rows, partial).catch(async (e: unknown) => {
              if (!partial || !(e instanceof RasterError) || e.code !== 'CORRUPT_BLOCK') throw e;
              const [whole] = await this.readRaw([{ range: t.full, block: t.block }], level, isMask);
              return decode(whole, t.fullRows, false);
            }),
          );
        }
        const entry = { block: decoded, readers: 1 };
        entry.block = decoded.then(
          (bytes) => {
            // No reader joins from here on: the holds below are one per reader that waited.
            this.inflight.delete(t.key);
            // Rows past `t.rows` may have been inflated but not un-predicted: keep exactly `t.rows`.
            const out = isMask
              ? unpackBitmask(bytes, img.blockWidth, t.rows)
              : widen
                ? widenSamples(bytes, stored, img.blockWidth, t.rows, S)
                : bytes.subarray(0, t.rows * rowBytes);
            if (out.buffer !== bytes.buffer) dropBlock(bytes);
            // taken in the same step that ends the wait, so no holder can release the block (and
            // its buffer be reused) before every waiting reader holds it
            holdBlock(out, entry.readers);
            const fullKey = keyOf(t.block);
            if (this.cache && (this.cache.peek(fullKey)?.byteLength ?? -1) < out.byteLength)
              this.cache.set(fullKey, out);
            return out;
          },
          (e: unknown) => {
            this.inflight.delete(t.key);
            throw e;
          },
        );
        this.inflight.set(t.key, entry);
        result[t.i] = entry.block;
      });
    }
    return Promise.all(result);
  }

  /** Raw bytes of blocks in one coalesced batch; on failure, names the first failing block. */
  private async readRaw(
    items: { range: ByteRange; block: number }[],
    level: number,
    isMask: boolean,
  ): Promise<Uint8Array[]> {
    try {
      const got = await this.source.readRanges(items.map((t) => t.range));
      for (const b of got) countRead('bytesRead', b.byteLength);
      return got;
    } catch (e) {
      if (!(e instanceof SourceError) || e.code !== 'SHORT_READ' || items.length === 1)
        throw this.blockError(e, items[0], level, isMask);
      const each = await Promise.allSettled(items.map((t) => this.source.read(t.range.offset, t.range.length)));
      const k = each.findIndex((r) => r.status === 'rejected');
      throw this.blockError(
        k >= 0 ? (each[k] as PromiseRejectedResult).reason : e,
        items[Math.max(0, k)],
        level,
        isMask,
      );
    }
  }

  private blockError(
    e: unknown,
    item: { range: ByteRange; block: number },
    level: number,
    isMask: boolean,
  ): GeosliceError {
    if (e instanceof SourceError && e.code === 'SHORT_READ') {
      return new RasterError(
        'TILE_OUT_OF_RANGE',
        `${isMask ? 'mask ' : ''}block ${item.block} of image ${level} in ${this.href} (bytes ${item.range.offset}..${item.range.offset + item.range.length}) lies past the end of the file; the file is truncated or corrupt`,
        { cause: e, subject: this.href },
      );
    }
    return e instanceof GeosliceError
      ? e
      : new RasterError('READ_FAILED', `reading ${this.href} failed: ${String(e)}`, { cause: e, subject: this.href });
  }

  /** A block the file leaves out (byte count 0): GDAL reads it as nodata (or 0), masks as 0. */
  private sparseBlock(img: CogImageLayout, rows: number, isMask: boolean): Uint8Array {
    if (isMask) return new Uint8Array(img.blockWidth * rows);
    const S = img.planarConfiguration === 1 ? img.samplesPerPixel : 1;
    const arr = allocTyped(this.layout.dtype, img.blockWidth * rows * S);
    this.fillNodata([arr]);
    return new Uint8Array(arr.buffer, 0, arr.length * dtypeBytes(this.layout.dtype));
  }
}

function parseNodata(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return Number.NaN;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

/**
 * The nodata text of an int64/uint64 raster as an exact bigint (GDAL writes it as a decimal
 * integer), or null when absent or not an integer.
 */
function parseBigNodata(text: string | null): bigint | null {
  const t = text?.trim() ?? '';
  if (/^[+-]?\d+$/.test(t)) return BigInt(t);
  const v = Number(t);
  return t !== '' && Number.isInteger(v) ? BigInt(v) : null;
}

/** Clears pixels where every band holds the (exact) 64-bit nodata value. */
function applyBigNodataMask(mask: Uint8Array, data: BigIntArray[], nodata: bigint): void {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    let all = true;
    for (const d of data) {
      if (d[i] !== nodata) {
        all = false;
        break;
      }
    }
    if (all) mask[i] = 0;
  }
}

/**
 * True when `a` is a float array that holds every value of `dtype` exactly: float32 for 8- and
 * 16-bit integers, float64 for integers up to 32 bits and float32 (samples are converted on copy).
 */
function holdsExactly(a: SampleArray, dtype: string): boolean {
  if (a instanceof Float32Array) return EXACT_IN_FLOAT32.has(dtype);
  if (a instanceof Float64Array) return EXACT_IN_FLOAT64.has(dtype);
  return false;
}

const EXACT_IN_FLOAT32: ReadonlySet<string> = new Set(['uint8', 'int8', 'uint16', 'int16']);
const EXACT_IN_FLOAT64: ReadonlySet<string> = new Set([...EXACT_IN_FLOAT32, 'uint32', 'int32', 'float32']);

/**
 * Copies the requested samples of a pixel-interleaved block (`S` samples per pixel) into band
 * arrays: rows `iy0..iy1` of `n` pixels, starting at pixel `s0` of the block (rows `bw` pixels apart)
 * and at `o0` of the window (rows `w` apart). Four or fewer bands are copied in one pass over the
 * pixels, more band by band.
 */
function deinterleave(
  px: SampleArray,
  S: number,
  bands: number[],
  data: SampleArray[],
  iy0: number,
  iy1: number,
  s0: number,
  bw: number,
  o0: number,
  w: number,
  n: number,
): void {
  const src = px as Float64Array; // any sample array: only indexed reads and writes of one type
  const nb = bands.length;
  for (let y = iy0, s = s0 * S, o = o0; y < iy1; y++, s += bw * S, o += w) {
    if (nb === 1) {
      copyStrided(src, s + bands[0], S, data[0] as Float64Array, o, n);
      continue;
    }
    if (nb === 4) {
      const d0 = data[0] as Float64Array;
      const d1 = data[1] as Float64Array;
      const d2 = data[2] as Float64Array;
      const d3 = data[3] as Float64Array;
      const b0 = s + bands[0];
      const b1 = s + bands[1];
      const b2 = s + bands[2];
      const b3 = s + bands[3];
      for (let i = 0, k = 0; i < n; i++, k += S) {
        d0[o + i] = src[b0 + k];
        d1[o + i] = src[b1 + k];
        d2[o + i] = src[b2 + k];
        d3[o + i] = src[b3 + k];
      }
      continue;
    }
    for (let bi = 0; bi < nb; bi++) copyStrided(src, s + bands[bi], S, data[bi] as Float64Array, o, n);
  }
}

/** `dst[o + i] = src[s + i * stride]` for `i < n`. */
function copyStrided(src: Float64Array, s: number, stride: number, dst: Float64Array, o: number, n: number): void {
  for (let i = 0, k = s; i < n; i++, k += stride) dst[o + i] = src[k];
}

function applyInternalMask(
  mask: Uint8Array,
  img: CogImageLayout,
  jobs: BlockJob[],
  blocks: Uint8Array[],
  x0: number,
  y0: number,
  w: number,
  cx0: number,
  cy0: number,
  cx1: number,
  cy1: number,
): void {
  const bw = img.blockWidth;
  jobs.forEach((job, k) => {
    const m = blocks[k];
    const bx0 = job.col * bw;
    const by0 = job.row * img.blockHeight;
    const ix0 = Math.max(cx0, bx0);
    const ix1 = Math.min(cx1, bx0 + bw);
    for (let y = Math.max(cy0, by0), y1 = Math.min(cy1, by0 + job.rows); y < y1; y++) {
      const o = (y - y0) * w - x0;
      const s = (y - by0) * bw - bx0;
      for (let x = ix0; x < ix1; x++) mask[o + x] &= m[s + x];
    }
  });
}

/** Clears pixels where every band is nodata (or NaN, for floats). */
function applyValueMask(mask: Uint8Array, data: TypedArray[], nodata: number | null, isFloat: boolean): void {
  const checkNodata = nodata !== null && !Number.isNaN(nodata);
  if (!checkNodata && !isFloat) return;
  const nd = nodata ?? 0;
  if (data.length === 1) {
    const d = data[0];
    for (let i = 0; i < mask.length; i++) {
      const v = d[i];
      if (v !== v || (checkNodata && v === nd)) mask[i] = 0;
    }
    return;
  }
  const nb = data.length;
  if (!isFloat) {
    // integers are never NaN: a pixel is invalid when every band holds the nodata value
    const d0 = data[0];
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0 || d0[i] !== nd) continue;
      let b = 1;
      while (b < nb && data[b][i] === nd) b++;
      if (b === nb) mask[i] = 0;
    }
    return;
  }
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    let any = false;
    for (let b = 0; b < nb; b++) {
      const v = data[b][i];
      if (v === v && !(checkNodata && v === nd)) {
        any = true;
        break;
      }
    }
    if (!any) mask[i] = 0;
  }
}
