import type { CogImageLayout } from './image-layout.js';
import { LIMITS } from './limits.js';

/**
 * Tile/strip indexing of one image: blocks per row and column, per plane, and in all.
 */
export function blockGrid(img: CogImageLayout): { across: number; down: number; planes: number; total: number } {
  const across = Math.ceil(img.width / img.blockWidth);
  const down = Math.ceil(img.height / img.blockHeight);
  const planes = img.planarConfiguration === 2 ? img.samplesPerPixel : 1;
  return { across, down, planes, total: across * down * planes };
}

/**
 * Decoded bytes of `rows` rows of one block: 1-bit images pack each row to whole bytes; planar
 * images hold one sample per pixel per block.
 */
export function decodedBlockBytes(img: CogImageLayout, rows: number): number {
  const samples = img.planarConfiguration === 2 ? 1 : img.samplesPerPixel;
  return Math.ceil((img.blockWidth * samples * img.bitsPerSample) / 8) * rows;
}

/**
 * The most stored bytes a block of `img` may plausibly have (see {@link LIMITS}): larger
 * TileByteCounts / StripByteCounts entries mark the file as corrupt.
 */
export function storedBlockLimit(img: CogImageLayout): number {
  return decodedBlockBytes(img, img.blockHeight) * LIMITS.storedBlockFactor + LIMITS.storedBlockSlack;
}

/**
 * How many of a DEFLATE block's `length` compressed bytes to read when a window needs only its
 * first `need` of `rows` rows: the proportional share with 10% and 4 KiB to spare (rows compress
 * unevenly; the caller reads the whole block when the prefix turns out short). Measured on the
 * benchmark COGs and the DEFLATE files of the shared fixtures, at 1/4, 1/2, 3/4 and 9/10 of a
 * block's rows, about 2% of such prefixes were short; the proportional share alone, most.
 */
export function prefixBytes(length: number, need: number, rows: number): number {
  return need < rows ? Math.min(length, Math.ceil((length * need * 1.1) / rows) + 4096) : length;
}

/**
 * One block a window needs: its index (within the first plane), grid row and column, and the rows
 * actually stored in it (the last strip may be shorter).
 */
export interface BlockJob {
  block: number;
  row: number;
  col: number;
  rows: number;
}

/**
 * The blocks under the pixel rectangle `[cx0, cx1) x [cy0, cy1)` (already clipped to the image),
 * row by row.
 */
export function blockJobs(img: CogImageLayout, cx0: number, cy0: number, cx1: number, cy1: number): BlockJob[] {
  const across = Math.ceil(img.width / img.blockWidth);
  const jobs: BlockJob[] = [];
  const r1 = Math.floor((cy1 - 1) / img.blockHeight);
  const c1 = Math.floor((cx1 - 1) / img.blockWidth);
  for (let row = Math.floor(cy0 / img.blockHeight); row <= r1; row++) {
    const rows = img.tiled ? img.blockHeight : Math.min(img.blockHeight, img.height - row * img.blockHeight);
    for (let col = Math.floor(cx0 / img.blockWidth); col <= c1; col++)
      jobs.push({ block: row * across + col, row, col, rows });
  }
  return jobs;
}
