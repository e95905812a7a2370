import { StitchError } from '../../errors.js';
import { decodeThreads, runPooled, workerEntry } from '../codecs/worker-pool.js';
import { dtypeInfo, type RasterArray, type RasterDtype } from '../dtype.js';
import { compressTile, type TiffCompression } from './compress.js';
import { type OverviewResampling, reduceBlock } from './overview.js';
import { applyPredictor } from './predictor.js';

/**
 * One tile to encode: its pixel-interleaved samples (`tileSize²·spp`, owned by the task, modified in
 * place), how to predict and compress them and, for levels that feed an overview, how to reduce them.
 */
export interface EncodeTask {
  samples: RasterArray;
  dtype: RasterDtype;
  tileSize: number;
  spp: number;
  predictor: 1 | 2 | 3;
  compression: TiffCompression;
  level: number;
  /** The reduced block for the next overview level, from the `w` x `h` valid pixels. */
  reduce?: { w: number; h: number; ratio: number; resampling: OverviewResampling; nodata: number | null };
}

/** The compressed tile and, when asked for, its reduced block (`reducedWidth` x `reducedHeight` pixels). */
export interface EncodedTile {
  packed: Uint8Array;
  reduced?: RasterArray;
  reducedWidth: number;
  reducedHeight: number;
}

const ENCODE_ENTRY = workerEntry(import.meta.url, 'encode-worker');

/** Reduces (first: the predictor overwrites integer samples) and predicts one tile. */
function reduceAndPredict(task: EncodeTask): Omit<EncodedTile, 'packed'> & { predicted: Uint8Array } {
  const { samples, tileSize, spp, reduce } = task;
  const reduced = reduce
    ? reduceBlock(
        samples,
        reduce.w,
        reduce.h,
        tileSize,
        spp,
        reduce.ratio,
        reduce.resampling,
        reduce.nodata,
        dtypeInfo(task.dtype),
      )
    : undefined;
  const predicted = applyPredictor(samples, task.predictor, tileSize, tileSize, spp);
  return { predicted, reduced: reduced?.data, reducedWidth: reduced?.width ?? 0, reducedHeight: reduced?.height ?? 0 };
}

/**
 * {@link encodeTile} on the calling thread (what a pool thread runs); DEFLATE runs on node:zlib's
 * thread pool, shared by the process's threads. Returned arrays own their buffers, so they can be transferred.
 */
export async function encodeTileHere(task: EncodeTask): Promise<EncodedTile> {
  const { predicted, ...reduced } = reduceAndPredict(task);
  let packed = await compressTile(predicted, task.compression, task.level);
  if (packed.byteOffset !== 0 || packed.byteLength !== packed.buffer.byteLength) packed = packed.slice();
  return { packed, ...reduced };
}

/**
 * Reduces, predicts and compresses one tile on the shared worker pool (`src/tiff/codecs/worker-pool.ts`),
 * so that the main thread stitches while other threads reduce and predict (DEFLATE runs on node:zlib's
 * thread pool either way); with no pool threads, reduce and predict run on the main thread. Same bytes.
 * `task.samples` must own its buffer: it is transferred (detached) to the pool.
 */
export async function encodeTile(task: EncodeTask, path: string): Promise<EncodedTile> {
  if (decodeThreads() === 0) return encodeTileHere(task);
  try {
    return await runPooled<EncodedTile>(ENCODE_ENTRY, task, [task.samples.buffer as ArrayBuffer]);
  } catch (e) {
    throw new StitchError('WRITE_FAILED', `${path}: encoding a tile failed: ${(e as Error)?.message ?? String(e)}`, {
      cause: e,
      subject: path,
    });
  }
}
