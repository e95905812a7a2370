import { open, type FileHandle } from 'node:fs/promises';
import { StitchError } from '../../errors.js';
import { TAG } from './ifd.js';

/**
 * The layout-relevant fields of one IFD.
 */
export interface IfdStructure {
  /** File offset of the IFD. */
  offset: number;
  /** NewSubfileType (bit 0: reduced resolution, bit 2: transparency mask). */
  subfileType: number;
  photometric: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  /** 1 = pixel-interleaved, 2 = one plane per band. */
  planar: number;
  tiled: boolean;
  /** Tile size, or (width, rows per strip) for strips. */
  blockWidth: number;
  blockHeight: number;
  /** Tile or strip offsets and byte counts, in TIFF order (band-major when planar = 2). */
  offsets: number[];
  byteCounts: number[];
}

/**
 * The IFD chain of a TIFF file.
 */
export interface TiffStructure {
  littleEndian: boolean;
  bigTiff: boolean;
  ifds: IfdStructure[];
}

/** Byte sizes of the unsigned integer types the wanted tags use: SHORT, LONG, LONG8. */
const TYPE_SIZE: Record<number, number> = { 3: 2, 4: 4, 16: 8 };
const MAX_IFDS = 100_000;

class Reader {
  constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    readonly size: number,
  ) {}

  async bytes(pos: number, length: number): Promise<Buffer> {
    if (pos < 0 || pos + length > this.size) {
      throw new StitchError(
        'TRUNCATED',
        `${this.path}: TIFF structure points past the end of the file (${pos}+${length} > ${this.size})`,
        { subject: this.path },
      );
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, pos + done);
      if (bytesRead === 0)
        throw new StitchError('TRUNCATED', `${this.path}: short read at ${pos + done}`, { subject: this.path });
      done += bytesRead;
    }
    return buf;
  }
}

function readUInt(buf: Buffer, at: number, size: number, le: boolean): number {
  switch (size) {
    case 1:
      return buf[at];
    case 2:
      return le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
    case 4:
      return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
    default:
      return Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at));
  }
}

const WANTED = new Set<number>([
  TAG.NewSubfileType,
  TAG.ImageWidth,
  TAG.ImageLength,
  TAG.PhotometricInterpretation,
  TAG.StripOffsets,
  TAG.SamplesPerPixel,
  TAG.RowsPerStrip,
  TAG.StripByteCounts,
  TAG.PlanarConfiguration,
  TAG.TileWidth,
  TAG.TileLength,
  TAG.TileOffsets,
  TAG.TileByteCounts,
]);

/**
 * Reads the header and walks the IFD chain of a classic or BigTIFF file (either byte order),
 * returning each IFD's size, subfile type, blocking and block offsets. Throws {@link StitchError}
 * `NOT_TIFF` for other files, `TRUNCATED` when the structure points outside the file, and
 * `BAD_TIFF` for loops or missing required tags.
 */
export async function readTiffStructure(path: string): Promise<TiffStructure> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new StitchError('NOT_FOUND', `${path}: cannot open: ${(e as Error).message}`, { cause: e, subject: path });
  }
  try {
    const r = new Reader(fh, path, (await fh.stat()).size);
    if (r.size < 8) throw new StitchError('NOT_TIFF', `${path}: too short to be a TIFF`, { subject: path });
    const head = await r.bytes(0, Math.min(16, r.size));
    const order = head.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM')
      throw new StitchError('NOT_TIFF', `${path}: not a TIFF (no II/MM byte order mark)`, { subject: path });
    const le = order === 'II';
    const magic = readUInt(head, 2, 2, le);
    if (magic !== 42 && magic !== 43)
      throw new StitchError('NOT_TIFF', `${path}: not a TIFF (magic ${magic})`, { subject: path });
    const bigTiff = magic === 43;
    if (bigTiff && head.length < 16)
      throw new StitchError('TRUNCATED', `${path}: BigTIFF header is truncated`, { subject: path });
    let next = bigTiff ? readUInt(head, 8, 8, le) : readUInt(head, 4, 4, le);
    const seen = new Set<number>();
    const ifds: IfdStructure[] = [];
    while (next !== 0) {
      if (seen.has(next) || ifds.length >= MAX_IFDS)
        throw new StitchError('BAD_TIFF', `${path}: the IFD chain loops at offset ${next}`, { subject: path });
      seen.add(next);
      const { ifd, nextOffset } = await readIfd(r, next, le, bigTiff, path);
      ifds.push(ifd);
      next = nextOffset;
    }
    if (ifds.length === 0) throw new StitchError('BAD_TIFF', `${path}: the TIFF has no image`, { subject: path });
    return { littleEndian: le, bigTiff, ifds };
  } finally {
    await fh.close();
  }
}

async function readIfd(
  r: Reader,
  offset: number,
  le: boolean,
  bigTiff: boolean,
  path: string,
): Promise<{ ifd: IfdStructure; nextOffset: number }> {
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const offSize = bigTiff ? 8 : 4;
  const count = readUInt(await r.bytes(offset, countSize), 0, countSize, le);
  const body = await r.bytes(offset + countSize, count * entrySize + offSize);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const p = i * entrySize;
    const tag = readUInt(body, p, 2, le);
    if (!WANTED.has(tag)) continue;
    const type = readUInt(body, p + 2, 2, le);
    const size = TYPE_SIZE[type];
    if (size === undefined) continue;
    const n = readUInt(body, p + 4, bigTiff ? 8 : 4, le);
    const slot = p + (bigTiff ? 12 : 8);
    const data =
      n * size <= offSize
        ? body.subarray(slot, slot + n * size)
        : await r.bytes(readUInt(body, slot, offSize, le), n * size);
    tags.set(
      tag,
      Array.from({ length: n }, (_, j) => readUInt(data, j * size, size, le)),
    );
  }
  const one = (tag: number, fallback?: number): number => {
    const v = tags.get(tag)?.[0] ?? fallback;
    if (v === undefined)
      throw new StitchError('BAD_TIFF', `${path}: IFD at ${offset} lacks required tag ${tag}`, { subject: path });
    return v;
  };
  const width = one(TAG.ImageWidth);
  const height = one(TAG.ImageLength);
  const tiled = tags.has(TAG.TileWidth) || tags.has(TAG.TileOffsets);
  const ifd: IfdStructure = {
    offset,
    subfileType: one(TAG.NewSubfileType, 0),
    photometric: one(TAG.PhotometricInterpretation, -1),
    width,
    height,
    samplesPerPixel: one(TAG.SamplesPerPixel, 1),
    planar: one(TAG.PlanarConfiguration, 1),
    tiled,
    blockWidth: tiled ? one(TAG.TileWidth) : width,
    blockHeight: tiled ? one(TAG.TileLength) : Math.min(one(TAG.RowsPerStrip, height), height),
    offsets: tags.get(tiled ? TAG.TileOffsets : TAG.StripOffsets) ?? [],
    byteCounts: tags.get(tiled ? TAG.TileByteCounts : TAG.StripByteCounts) ?? [],
  };
  return { ifd, nextOffset: readUInt(body, count * entrySize, offSize, le) };
}
