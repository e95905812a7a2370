import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { GeosliceError, RasterError, StitchError } from '../../errors.js';
import { openSource } from '../../sources/open-source.js';
import { blockGrid } from '../blocks.js';
import { readIfds } from '../ifd.js';
import { type CogImageLayout, readImage } from '../image.js';
import { PHOTOMETRIC, SUBFILE } from '../tags.js';

/**
 * One finding of {@link checkCogLayout}: a stable `code` and a message naming the IFD/block.
 */
export interface CogLayoutFinding {
  code: string;
  message: string;
}

/**
 * The result of {@link checkCogLayout}.
 */
export interface CogLayoutReport {
  /** True when there is no error (warnings allowed). */
  valid: boolean;
  errors: CogLayoutFinding[];
  warnings: CogLayoutFinding[];
  details: {
    bigTiff: boolean;
    /** IFD offsets: main image, then each overview. */
    ifdOffsets: number[];
    /** Offset of the first stored block of band 1: main image, then each overview (0 = none stored). */
    dataOffsets: number[];
    /** Overview sizes in file order. */
    overviews: { width: number; height: number }[];
    /** What the GDAL structural metadata (ghost area) declares, when present. */
    structural: {
      blockOrderRowMajor: boolean;
      blockLeaderSizeAsUint4: boolean;
      blockTrailerLast4BytesRepeated: boolean;
      maskInterleavedWithImagery: boolean;
    } | null;
  };
}

const GHOST_PREFIX = 'GDAL_STRUCTURAL_METADATA_SIZE=';
const GHOST_FIRST_LINE = 43; // "GDAL_STRUCTURAL_METADATA_SIZE=000000 bytes\n"

/** One IFD as the checker sees it: the image structure, where its IFD is, and its NewSubfileType. */
type IfdStructure = CogImageLayout & { offset: number; subfileType: number };

interface Image {
  ifd: IfdStructure;
  mask: IfdStructure | undefined;
}

function isMask(ifd: IfdStructure): boolean {
  return (ifd.subfileType & SUBFILE.MASK) !== 0 && ifd.photometric === PHOTOMETRIC.MASK;
}

/** Splits the IFD chain into the main image and its overviews, each with its internal mask if any. */
function images(ifds: IfdStructure[]): { main: Image; overviews: Image[] } {
  const main: Image = { ifd: ifds[0], mask: undefined };
  const overviews: Image[] = [];
  for (const ifd of ifds.slice(1)) {
    if (isMask(ifd)) {
      const owner =
        (ifd.subfileType & SUBFILE.REDUCED) === 0
          ? main
          : overviews.find((o) => o.ifd.width === ifd.width && o.ifd.height === ifd.height && !o.mask);
      if (owner && !owner.mask) owner.mask = ifd;
    } else if ((ifd.subfileType & SUBFILE.REDUCED) !== 0 && ifd.samplesPerPixel === main.ifd.samplesPerPixel) {
      overviews.push({ ifd, mask: undefined });
    }
  }
  return { main, overviews };
}

function blocksPerBand(ifd: IfdStructure): { xBlocks: number; yBlocks: number } {
  const { across, down } = blockGrid(ifd);
  return { xBlocks: across, yBlocks: down };
}

/** Offset and byte count of band 1's block (x, y); 0 when the block is not stored. */
function block(ifd: IfdStructure, x: number, y: number): { offset: number; size: number } {
  const i = y * blocksPerBand(ifd).xBlocks + x;
  return { offset: ifd.offsets[i] ?? 0, size: ifd.byteCounts[i] ?? 0 };
}

function firstDataOffset(ifd: IfdStructure): number {
  const { xBlocks, yBlocks } = blocksPerBand(ifd);
  for (let y = 0; y < yBlocks; y++) {
    for (let x = 0; x < xBlocks; x++) {
      const { offset } = block(ifd, x, y);
      if (offset !== 0) return offset;
    }
  }
  return 0;
}

function notTiled(ifd: IfdStructure): boolean {
  return ifd.blockWidth === ifd.width && ifd.blockWidth > 1024;
}

/**
 * The IFD chain of `path` through the one TIFF parser ({@link readIfds}, {@link readImage}); its
 * RasterErrors become StitchErrors (`BAD_MAGIC` as `NOT_TIFF`), other codes kept.
 */
async function readStructure(path: string): Promise<{ bigTiff: boolean; ifds: IfdStructure[] }> {
  let source: Awaited<ReturnType<typeof openSource>>;
  try {
    source = await openSource(path);
  } catch (e) {
    throw new StitchError('NOT_FOUND', `${path}: cannot open: ${(e as Error).message}`, { cause: e, subject: path });
  }
  try {
    const tiff = await readIfds(source);
    const ifds = tiff.ifds.map((ifd) => {
      const im = readImage(ifd);
      return { ...im.layout, offset: im.ifdOffset, subfileType: im.subfileType };
    });
    return { bigTiff: tiff.bigTiff, ifds };
  } catch (e) {
    if (!(e instanceof RasterError))
      throw e instanceof GeosliceError
        ? e
        : new StitchError('CORRUPT_TIFF', `${path}: ${String(e)}`, { cause: e, subject: path });
    const code = e.code === 'BAD_MAGIC' ? 'NOT_TIFF' : e.code;
    throw new StitchError(code, e.message, { cause: e, subject: path });
  } finally {
    await source.close();
  }
}

/**
 * Checks that a TIFF has Cloud Optimized GeoTIFF layout, with the rules of GDAL's
 * `validate_cloud_optimized_geotiff.py` (GDAL 3.6), including its full check on local files:
 *
 * - larger than 512 pixels in x or y: must be tiled (error) and should have overviews (warning);
 *   overviews must be tiled too; no external `.ovr`;
 * - the main IFD comes right after the header (8 or 16), or right after GDAL's structural
 *   metadata when the file has it (`KNOWN_INCOMPATIBLE_EDITION=YES` there is an error);
 * - overviews by non-increasing size, their IFDs at increasing offsets after the main IFD;
 * - tile data after the last IFD, from the smallest overview up to the full resolution image;
 * - when the structural metadata declares them: blocks in row-major order within each image, each
 *   block's size in the 4 bytes before it, its last 4 bytes repeated after it, and mask blocks
 *   right after their imagery block.
 *
 * Throws {@link StitchError} (`NOT_FOUND`, `NOT_TIFF`, `TRUNCATED`, `CORRUPT_TIFF`) when the file
 * cannot be read as a TIFF at all.
 */
export async function checkCogLayout(path: string): Promise<CogLayoutReport> {
  const structure = await readStructure(path);
  const errors: CogLayoutFinding[] = [];
  const warnings: CogLayoutFinding[] = [];
  const err = (code: string, message: string): void => void errors.push({ code, message });
  const { main, overviews } = images(structure.ifds);

  if (existsSync(`${path}.ovr`))
    err('EXTERNAL_OVERVIEWS', 'overviews are in an external .ovr file; they should be internal');
  if (main.ifd.width > 512 || main.ifd.height > 512) {
    if (notTiled(main.ifd))
      err('NOT_TILED', `the image is ${main.ifd.width}x${main.ifd.height} (over 512 pixels) but not tiled`);
    if (overviews.length === 0)
      warnings.push({
        code: 'NO_OVERVIEWS',
        message: `the image is ${main.ifd.width}x${main.ifd.height} (over 512 pixels) and has no internal overviews`,
      });
  }

  const ifdOffsets = [main.ifd.offset];
  let structural: CogLayoutReport['details']['structural'] = null;
  const headerEnd = structure.bigTiff ? 16 : 8;
  if (main.ifd.offset !== headerEnd) {
    let expected = headerEnd;
    const fh = await open(path, 'r');
    try {
      const first = Buffer.alloc(GHOST_FIRST_LINE);
      const { bytesRead } = await fh.read(first, 0, GHOST_FIRST_LINE, headerEnd);
      const line = first.toString('latin1', 0, bytesRead);
      if (bytesRead === GHOST_FIRST_LINE && line.startsWith(GHOST_PREFIX)) {
        const size = Number.parseInt(line.slice(GHOST_PREFIX.length, GHOST_PREFIX.length + 6), 10) || 0;
        const body = Buffer.alloc(size);
        const got = (await fh.read(body, 0, size, headerEnd + GHOST_FIRST_LINE)).bytesRead;
        const text = body.toString('latin1', 0, got);
        structural = {
          blockOrderRowMajor: text.includes('BLOCK_ORDER=ROW_MAJOR'),
          blockLeaderSizeAsUint4: text.includes('BLOCK_LEADER=SIZE_AS_UINT4'),
          blockTrailerLast4BytesRepeated: text.includes('BLOCK_TRAILER=LAST_4_BYTES_REPEATED'),
          maskInterleavedWithImagery: text.includes('MASK_INTERLEAVED_WITH_IMAGERY=YES'),
        };
        if (text.includes('KNOWN_INCOMPATIBLE_EDITION=YES'))
          err(
            'INCOMPATIBLE_EDITION',
            'the structural metadata says KNOWN_INCOMPATIBLE_EDITION=YES (the file was edited after it was written as a COG)',
          );
        expected += GHOST_FIRST_LINE + size;
        expected += expected % 2;
      }
    } finally {
      await fh.close();
    }
    if (expected !== main.ifd.offset)
      err('MAIN_IFD_OFFSET', `the main IFD is at byte ${main.ifd.offset}, expected ${expected}`);
  }

  overviews.forEach((o, i) => {
    const prev = i === 0 ? main.ifd : overviews[i - 1].ifd;
    if (o.ifd.width > prev.width || o.ifd.height > prev.height) {
      err(
        'OVERVIEW_ORDER',
        i === 0 ? 'overview 0 is larger than the main image' : `overview ${i} is larger than overview ${i - 1}`,
      );
    }
    if (notTiled(o.ifd)) err('OVERVIEW_NOT_TILED', `overview ${i} is not tiled`);
    ifdOffsets.push(o.ifd.offset);
    if (o.ifd.offset < ifdOffsets[ifdOffsets.length - 2]) {
      err(
        'OVERVIEW_IFD_ORDER',
        `the IFD of overview ${i} is at byte ${o.ifd.offset}, before the IFD of ${i === 0 ? 'the main image' : `overview ${i - 1}`} at byte ${ifdOffsets[ifdOffsets.length - 2]}`,
      );
    }
  });

  const dataOffsets = [main, ...overviews].map((im) => firstDataOffset(im.ifd));
  const last = dataOffsets.length - 1;
  if (dataOffsets[last] !== 0 && dataOffsets[last] < ifdOffsets[last]) {
    err(
      'DATA_BEFORE_IFD',
      overviews.length > 0
        ? 'the first block of the smallest overview comes before its IFD'
        : 'the first block of the image comes before its IFD',
    );
  }
  for (let i = last - 1; i >= 1; i--) {
    if (dataOffsets[i] !== 0 && dataOffsets[i] < dataOffsets[i + 1]) {
      err('OVERVIEW_DATA_ORDER', `the data of overview ${i - 1} starts before the data of overview ${i}`);
    }
  }
  if (dataOffsets.length >= 2 && dataOffsets[0] !== 0 && dataOffsets[0] < dataOffsets[1]) {
    err('MAIN_DATA_ORDER', `the data of the main image starts before the data of overview ${overviews.length - 1}`);
  }

  if (structural && Object.values(structural).some(Boolean)) {
    const fh = await open(path, 'r');
    try {
      const check = async (
        label: string,
        ifd: IfdStructure,
        mask: IfdStructure | undefined,
        s: NonNullable<typeof structural>,
      ): Promise<void> => {
        let maskIfd = s.maskInterleavedWithImagery ? mask : undefined;
        if (maskIfd && (maskIfd.blockWidth !== ifd.blockWidth || maskIfd.blockHeight !== ifd.blockHeight)) {
          err('MASK_BLOCK_SIZE', `${label}: the mask block size differs from the imagery's`);
          maskIfd = undefined;
        }
        const { xBlocks, yBlocks } = blocksPerBand(ifd);
        let lastOffset = 0;
        const four = Buffer.alloc(8);
        for (let y = 0; y < yBlocks; y++) {
          for (let x = 0; x < xBlocks; x++) {
            let { offset } = block(ifd, x, y);
            const { size } = block(ifd, x, y);
            if (offset > 0) {
              if (s.blockOrderRowMajor && offset < lastOffset)
                err('BLOCK_ORDER', `${label}: block (${x}, ${y}) is stored before the previous block`);
              if (s.blockLeaderSizeAsUint4) {
                await fh.read(four, 0, 4, offset - 4);
                const leader = four.readUInt32LE(0);
                if (leader !== size)
                  err(
                    'BLOCK_LEADER',
                    `${label}: block (${x}, ${y}) leader says ${leader} bytes, the block has ${size}`,
                  );
              }
              if (s.blockTrailerLast4BytesRepeated && size >= 4) {
                await fh.read(four, 0, 8, offset + size - 4);
                if (!four.subarray(0, 4).equals(four.subarray(4, 8)))
                  err('BLOCK_TRAILER', `${label}: block (${x}, ${y}) trailer bytes are wrong`);
              }
            }
            if (maskIfd) {
              const m = block(maskIfd, x, y).offset;
              if (offset > 0 && m > 0) {
                const expected =
                  offset + size + (s.blockLeaderSizeAsUint4 ? 4 : 0) + (s.blockTrailerLast4BytesRepeated ? 4 : 0);
                if (m !== expected)
                  err('MASK_OFFSET', `mask of ${label}: block (${x}, ${y}) is at ${m}, expected ${expected}`);
              } else if (offset === 0 && m > 0) {
                if (s.blockOrderRowMajor && m < lastOffset)
                  err('BLOCK_ORDER', `mask of ${label}: block (${x}, ${y}) is stored before the previous block`);
                offset = m;
              }
            }
            lastOffset = offset;
          }
        }
      };
      await check('main image', main.ifd, main.mask, structural);
      if (main.mask) await check('mask of the main image', main.mask, undefined, structural);
      for (const [i, o] of overviews.entries()) {
        await check(`overview ${i}`, o.ifd, o.mask, structural);
        if (o.mask) await check(`mask of overview ${i}`, o.mask, undefined, structural);
      }
    } finally {
      await fh.close();
    }
  }

  return {
    valid: errors.length === 0,
    errors,
    warnings,
    details: {
      bigTiff: structure.bigTiff,
      ifdOffsets,
      dataOffsets,
      overviews: overviews.map((o) => ({ width: o.ifd.width, height: o.ifd.height })),
      structural,
    },
  };
}
