import { StitchError } from '../../errors.js';
import { COMPRESSION_CODE } from './compress.js';
import { PHOTOMETRIC, PLANAR, PREDICTOR, SUBFILE, TAG, TIFF_TYPE } from '../tags.js';
import { encodeIfd, ifdByteLength, tiffHeader, type TiffEntry } from './encode-ifd.js';
import type { CogPlan } from './plan.js';

/**
 * GDAL's "structural metadata" (ghost area) that follows the TIFF header of a COG. It tells
 * readers (and GDAL's COG validator) that all IFDs come before the tile data and that tiles are in
 * row-major order within each IFD.
 */
export function cogGhostArea(): Buffer {
  const body = 'LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nKNOWN_INCOMPATIBLE_EDITION=NO\n';
  const head = `GDAL_STRUCTURAL_METADATA_SIZE=${String(body.length).padStart(6, '0')} bytes\n`;
  return Buffer.from(head + body, 'latin1');
}

/**
 * Where everything goes in the output file.
 */
export interface CogLayout {
  bigTiff: boolean;
  /** Header, ghost area and every IFD with its values: the first `head.length` bytes of the file. */
  head: Buffer;
  /** Total file size. */
  size: number;
}

function levelEntries(
  plan: CogPlan,
  level: number,
  offsets: number[],
  counts: number[],
  bigTiff: boolean,
): TiffEntry[] {
  const L = plan.levels[level];
  const spp = plan.bands;
  const { SHORT, LONG, LONG8 } = TIFF_TYPE;
  const entries: TiffEntry[] = [
    { tag: TAG.NewSubfileType, type: LONG, values: [level === 0 ? 0 : SUBFILE.REDUCED] },
    { tag: TAG.ImageWidth, type: LONG, values: [L.width] },
    { tag: TAG.ImageLength, type: LONG, values: [L.height] },
    { tag: TAG.BitsPerSample, type: SHORT, values: new Array<number>(spp).fill(plan.info.bytes * 8) },
    { tag: TAG.Compression, type: SHORT, values: [COMPRESSION_CODE[plan.compression]] },
    { tag: TAG.PhotometricInterpretation, type: SHORT, values: [PHOTOMETRIC.MIN_IS_BLACK] },
    { tag: TAG.SamplesPerPixel, type: SHORT, values: [spp] },
    { tag: TAG.PlanarConfiguration, type: SHORT, values: [PLANAR.CHUNKY] },
    { tag: TAG.TileWidth, type: SHORT, values: [plan.tileSize] },
    { tag: TAG.TileLength, type: SHORT, values: [plan.tileSize] },
    { tag: TAG.TileOffsets, type: bigTiff ? LONG8 : LONG, values: offsets },
    { tag: TAG.TileByteCounts, type: bigTiff ? LONG8 : LONG, values: counts },
    { tag: TAG.SampleFormat, type: SHORT, values: new Array<number>(spp).fill(plan.info.sampleFormat) },
  ];
  if (plan.predictor !== PREDICTOR.NONE) entries.push({ tag: TAG.Predictor, type: SHORT, values: [plan.predictor] });
  if (spp > 1) entries.push({ tag: TAG.ExtraSamples, type: SHORT, values: new Array<number>(spp - 1).fill(0) });
  if (plan.nodataText !== null) entries.push({ tag: TAG.GdalNodata, type: TIFF_TYPE.ASCII, values: plan.nodataText });
  if (level === 0) entries.push(...plan.mainEntries);
  return entries;
}

interface Positions {
  bigTiff: boolean;
  headerLen: number;
  firstIfd: number;
  ifdAt: number[];
  dataStart: number;
  size: number;
}

function positions(plan: CogPlan, byteCounts: readonly number[][], ghostLength: number, bigTiff: boolean): Positions {
  const headerLen = bigTiff ? 16 : 8;
  let pos = headerLen + ghostLength;
  pos += pos & 1;
  const firstIfd = pos;
  const ifdAt: number[] = [];
  plan.levels.forEach((_, k) => {
    const zeros = new Array<number>(byteCounts[k].length).fill(0);
    ifdAt.push(pos);
    pos += ifdByteLength(levelEntries(plan, k, zeros, zeros, bigTiff), bigTiff);
  });
  const dataStart = pos;
  for (const counts of byteCounts) for (const n of counts) pos += n;
  return { bigTiff, headerLen, firstIfd, ifdAt, dataStart, size: pos };
}

function encodeLayout(plan: CogPlan, byteCounts: readonly number[][], ghost: Buffer, p: Positions): CogLayout {
  const offsets = byteCounts.map((c) => new Array<number>(c.length).fill(0));
  let pos = p.dataStart;
  for (let k = plan.levels.length - 1; k >= 0; k--) {
    byteCounts[k].forEach((n, i) => {
      offsets[k][i] = pos;
      pos += n;
    });
  }
  const head = Buffer.alloc(p.dataStart);
  tiffHeader(p.firstIfd, p.bigTiff).copy(head, 0);
  ghost.copy(head, p.headerLen);
  plan.levels.forEach((_, k) => {
    const next = k + 1 < plan.levels.length ? p.ifdAt[k + 1] : 0;
    encodeIfd(levelEntries(plan, k, offsets[k], [...byteCounts[k]], p.bigTiff), p.ifdAt[k], next, p.bigTiff).copy(
      head,
      p.ifdAt[k],
    );
  });
  return { bigTiff: p.bigTiff, head, size: p.size };
}

/**
 * Lays out a COG: header, ghost area (when `plan.cog`), the IFDs of every level from full
 * resolution down to the smallest overview, then the tile data from the smallest overview up to
 * full resolution, each level's tiles in row-major order. `byteCounts[k]` are level `k`'s
 * compressed tile sizes in row-major order. Picks BigTIFF when `plan.bigTiff` is true, or `'auto'`
 * and the classic layout would pass 4 GiB; throws {@link StitchError} `TOO_LARGE` when it is
 * `false` and the file does not fit.
 */
export function layoutCog(plan: CogPlan, byteCounts: readonly number[][]): CogLayout {
  const ghost = plan.cog ? cogGhostArea() : Buffer.alloc(0);
  if (plan.bigTiff === true)
    return encodeLayout(plan, byteCounts, ghost, positions(plan, byteCounts, ghost.length, true));
  const classic = positions(plan, byteCounts, ghost.length, false);
  if (classic.size <= 0xffffffff) return encodeLayout(plan, byteCounts, ghost, classic);
  if (plan.bigTiff === false) {
    throw new StitchError(
      'TOO_LARGE',
      `${plan.path}: ${classic.size} bytes do not fit a classic TIFF (4 GiB); allow bigTiff`,
      { subject: plan.path },
    );
  }
  return encodeLayout(plan, byteCounts, ghost, positions(plan, byteCounts, ghost.length, true));
}
