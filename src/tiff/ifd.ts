import { RasterError } from '../errors.js';
import type { ByteSource } from '../sources/byte-source.js';
import { LIMITS } from './limits.js';
import { TAG, TIFF_TYPE, TYPE_SIZE, tagName } from './tags.js';

/**
 * A tag's values: numbers for numeric types (RATIONALs divided out), text for ASCII (trailing NULs
 * removed), raw bytes for BYTE and UNDEFINED.
 */
export type TagValue = number[] | string | Uint8Array;

/**
 * One Image File Directory: its position and the values of the tags geoslice knows ({@link TAG});
 * other tags are skipped without reading their values.
 */
export interface Ifd {
  /** The file the IFD belongs to, for error messages. */
  href: string;
  /** Position in the IFD chain (0 = first). */
  index: number;
  /** File offset of the IFD. */
  offset: number;
  tags: Map<number, TagValue>;
}

/**
 * A parsed TIFF header: byte order, classic or BigTIFF, the file size and the IFD chain.
 */
export interface TiffStructure {
  href: string;
  littleEndian: boolean;
  bigTiff: boolean;
  /** File size in bytes. */
  size: number;
  ifds: Ifd[];
}

/** Header reads go through this many bytes at a time (IFDs of a COG sit together at the start). */
const HEADER_CHUNK = 65_536;

/**
 * A {@link RasterError} `CORRUPT_TIFF` naming the file, the IFD and the tag (when there is one).
 */
export function corruptTiff(where: { href: string; index?: number }, tag: number | null, why: string): RasterError {
  const ifd = where.index === undefined ? '' : ` IFD ${where.index}`;
  const what = tag === null ? '' : ` ${tagName(tag)}`;
  return new RasterError('CORRUPT_TIFF', `${where.href}${ifd}${what} ${why}; the TIFF is corrupt`, {
    subject: where.href,
  });
}

function truncated(href: string, what: string, from: number, length: number, size: number): RasterError {
  return new RasterError(
    'TRUNCATED',
    `${href}: ${what} lies past the end of the file (bytes ${from}..${from + length} of ${size}); the file is truncated or its header is corrupt`,
    { subject: href },
  );
}

/** Header bytes read through 64 KiB chunks, each fetched once, every range checked against the file size. */
class HeaderBytes {
  private readonly chunks = new Map<number, Promise<Uint8Array>>();

  constructor(
    private readonly source: ByteSource,
    readonly size: number,
  ) {}

  async read(offset: number, length: number, what: string): Promise<DataView> {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size))
      throw truncated(this.source.href, what, offset, length, this.size);
    const out = new Uint8Array(length);
    const end = offset + length;
    for (let i = Math.floor(offset / HEADER_CHUNK); i * HEADER_CHUNK < end; i++) {
      const c = await this.chunk(i);
      const cOff = i * HEADER_CHUNK;
      const from = Math.max(offset, cOff);
      const to = Math.min(end, cOff + c.length);
      out.set(c.subarray(from - cOff, to - cOff), from - offset);
    }
    return new DataView(out.buffer);
  }

  private chunk(i: number): Promise<Uint8Array> {
    let p = this.chunks.get(i);
    if (!p) {
      const off = i * HEADER_CHUNK;
      p = this.source.read(off, Math.min(HEADER_CHUNK, this.size - off));
      this.chunks.set(i, p);
    }
    return p;
  }
}

/** An unsigned integer of 2, 4 or 8 bytes (8-byte values above 2^53 lose precision but stay huge). */
function uint(v: DataView, at: number, size: number, le: boolean): number {
  if (size === 2) return v.getUint16(at, le);
  if (size === 4) return v.getUint32(at, le);
  return Number(v.getBigUint64(at, le));
}

const KNOWN_TAGS: ReadonlySet<number> = new Set(Object.values(TAG));

/**
 * Reads the TIFF header and walks the IFD chain of a classic or BigTIFF file in either byte order,
 * with libtiff-like limits: every IFD, entry and value range is checked against the file size
 * before it is read, the chain may not loop or exceed {@link LIMITS}.maxIfds, entry counts and
 * value sizes are bounded. Values of the tags in {@link TAG} are read (all field types); other tags
 * are skipped. Throws {@link RasterError} `BAD_MAGIC` (not a TIFF), `TRUNCATED` (a structure past the
 * end of the file) or `CORRUPT_TIFF` (naming the IFD and tag), or a SourceError from the source.
 */
export async function readIfds(source: ByteSource): Promise<TiffStructure> {
  const href = source.href;
  const size = await source.size();
  if (size < 8) throw truncated(href, 'the 8-byte TIFF header', 0, 8, size);
  const bytes = new HeaderBytes(source, size);
  const head = await bytes.read(0, Math.min(16, size), 'the TIFF header');
  const order = head.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d)
    throw new RasterError('BAD_MAGIC', `${href} is not a TIFF file (bad byte order mark)`, { subject: href });
  const le = order === 0x4949;
  const magic = head.getUint16(2, le);
  if (magic !== 42 && magic !== 43)
    throw new RasterError('BAD_MAGIC', `${href} is not a TIFF file (magic number ${magic})`, { subject: href });
  const bigTiff = magic === 43;
  if (bigTiff && size < 16) throw truncated(href, 'the 16-byte BigTIFF header', 0, 16, size);
  if (bigTiff && (head.getUint16(4, le) !== 8 || head.getUint16(6, le) !== 0))
    throw corruptTiff({ href }, null, 'has a BigTIFF header with an offset size other than 8');
  let next = bigTiff ? uint(head, 8, 8, le) : uint(head, 4, 4, le);
  const headerSize = bigTiff ? 16 : 8;
  const seen = new Set<number>();
  const ifds: Ifd[] = [];
  while (next !== 0) {
    const where = { href, index: ifds.length };
    if (seen.has(next)) throw corruptTiff(where, null, `loops: its offset ${next} was already visited`);
    if (ifds.length >= LIMITS.maxIfds) throw corruptTiff({ href }, null, `has more than ${LIMITS.maxIfds} IFDs`);
    if (next < headerSize) throw corruptTiff(where, null, `starts at ${next}, inside the TIFF header`);
    seen.add(next);
    const { ifd, nextOffset } = await readIfd(bytes, href, ifds.length, next, le, bigTiff);
    ifds.push(ifd);
    next = nextOffset;
  }
  if (ifds.length === 0) throw corruptTiff({ href }, null, 'has no image (the first IFD offset is 0)');
  return { href, littleEndian: le, bigTiff, size, ifds };
}

async function readIfd(
  bytes: HeaderBytes,
  href: string,
  index: number,
  offset: number,
  le: boolean,
  bigTiff: boolean,
): Promise<{ ifd: Ifd; nextOffset: number }> {
  const where = { href, index };
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const slotSize = bigTiff ? 8 : 4;
  const count = uint(await bytes.read(offset, countSize, `IFD ${index}`), 0, countSize, le);
  if (count === 0 || count > LIMITS.maxIfdEntries)
    throw corruptTiff(where, null, `has ${count} entries (expected 1..${LIMITS.maxIfdEntries})`);
  const body = await bytes.read(offset + countSize, count * entrySize + slotSize, `IFD ${index}`);
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < count; i++) {
    const p = i * entrySize;
    const tag = body.getUint16(p, le);
    if (!KNOWN_TAGS.has(tag) || tags.has(tag)) continue;
    const type = body.getUint16(p + 2, le);
    const typeSize = TYPE_SIZE[type];
    if (typeSize === undefined) continue; // unknown field type: skipped, as libtiff does
    const n = uint(body, p + 4, slotSize, le);
    const length = n * typeSize;
    if (length > LIMITS.maxTagBytes || length > bytes.size)
      throw corruptTiff(where, tag, `has ${n} values, more than the file (${bytes.size} bytes) can hold`);
    const slot = p + (bigTiff ? 12 : 8);
    const data =
      length <= slotSize
        ? new DataView(body.buffer, body.byteOffset + slot, length)
        : await bytes.read(uint(body, slot, slotSize, le), length, `the ${tagName(tag)} values of IFD ${index}`);
    tags.set(tag, decodeValues(data, type, n, le));
  }
  return { ifd: { href, index, offset, tags }, nextOffset: uint(body, count * entrySize, slotSize, le) };
}

function decodeValues(v: DataView, type: number, n: number, le: boolean): TagValue {
  const T = TIFF_TYPE;
  if (type === T.ASCII) {
    return new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset, n)).replace(/\0+$/, '');
  }
  if (type === T.BYTE || type === T.UNDEFINED) return new Uint8Array(v.buffer, v.byteOffset, n).slice();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    switch (type) {
      case T.SBYTE:
        out[i] = v.getInt8(i);
        break;
      case T.SHORT:
        out[i] = v.getUint16(i * 2, le);
        break;
      case T.SSHORT:
        out[i] = v.getInt16(i * 2, le);
        break;
      case T.LONG:
      case T.IFD:
        out[i] = v.getUint32(i * 4, le);
        break;
      case T.SLONG:
        out[i] = v.getInt32(i * 4, le);
        break;
      case T.RATIONAL:
        out[i] = v.getUint32(i * 8, le) / v.getUint32(i * 8 + 4, le);
        break;
      case T.SRATIONAL:
        out[i] = v.getInt32(i * 8, le) / v.getInt32(i * 8 + 4, le);
        break;
      case T.FLOAT:
        out[i] = v.getFloat32(i * 4, le);
        break;
      case T.DOUBLE:
        out[i] = v.getFloat64(i * 8, le);
        break;
      case T.SLONG8:
        out[i] = Number(v.getBigInt64(i * 8, le));
        break;
      default: // LONG8, IFD8
        out[i] = Number(v.getBigUint64(i * 8, le));
    }
  }
  return out;
}

/**
 * The numeric values of `tag`, or undefined when the IFD lacks it. Throws `CORRUPT_TIFF` when the
 * tag holds text.
 */
export function tagNumbers(ifd: Ifd, tag: number): number[] | undefined {
  const v = ifd.tags.get(tag);
  if (v === undefined) return undefined;
  if (typeof v === 'string') throw corruptTiff(ifd, tag, 'holds text where numbers are expected');
  return Array.from(v);
}

/**
 * The single value of `tag`, `fallback` when the IFD lacks it. Throws `CORRUPT_TIFF` when it is
 * missing without a fallback, empty, not an integer or negative.
 */
export function tagNumber(ifd: Ifd, tag: number, fallback?: number): number {
  const v = tagNumbers(ifd, tag);
  if (v === undefined) {
    if (fallback === undefined) throw corruptTiff(ifd, tag, 'is missing');
    return fallback;
  }
  if (v.length === 0) throw corruptTiff(ifd, tag, 'has no value');
  if (!Number.isSafeInteger(v[0]) || v[0] < 0) throw corruptTiff(ifd, tag, `has the invalid value ${v[0]}`);
  return v[0];
}

/**
 * The text of an ASCII `tag`, or undefined.
 */
export function tagText(ifd: Ifd, tag: number): string | undefined {
  const v = ifd.tags.get(tag);
  return typeof v === 'string' ? v : undefined;
}

/**
 * The raw bytes of a BYTE/UNDEFINED `tag` (e.g. JPEGTables), or undefined.
 */
export function tagBytes(ifd: Ifd, tag: number): Uint8Array | undefined {
  const v = ifd.tags.get(tag);
  return v instanceof Uint8Array ? v : undefined;
}
