/**
 * Serialises TIFF Image File Directories (classic and BigTIFF, little endian).
 *
 * An IFD here is a list of {@link TiffEntry} sorted by tag; values that do not fit in the entry's
 * value slot (4 bytes classic, 8 bytes BigTIFF) are written right after the IFD, each starting on a
 * 2-byte boundary, so one IFD with its values is one contiguous block whose size
 * ({@link ifdByteLength}) depends only on the tags, types and counts — not on the values. That lets
 * the writer lay out every IFD before it knows the tile offsets.
 */

import { TIFF_TYPE, TYPE_SIZE, type TiffType } from '../tags.js';

/**
 * One IFD entry. `values` is a string for ASCII, stored as UTF-8 like GDAL does (the NUL terminator
 * is added), and numbers otherwise.
 */
export interface TiffEntry {
  tag: number;
  /** ASCII, SHORT, LONG, DOUBLE or LONG8: the types the writer emits. */
  type: TiffType;
  values: readonly number[] | string;
}

function valueCount(e: TiffEntry): number {
  return typeof e.values === 'string' ? Buffer.byteLength(e.values, 'utf8') + 1 : e.values.length;
}

function valueBytes(e: TiffEntry): number {
  return valueCount(e) * TYPE_SIZE[e.type];
}

function even(n: number): number {
  return n + (n & 1);
}

/**
 * Size in bytes of an IFD (entry count, entries, next-IFD pointer) plus its out-of-line values.
 * The result is even, so the next block starts on a word boundary.
 */
export function ifdByteLength(entries: readonly TiffEntry[], bigTiff: boolean): number {
  const inline = bigTiff ? 8 : 4;
  let n = bigTiff ? 8 + entries.length * 20 + 8 : 2 + entries.length * 12 + 4;
  for (const e of entries) {
    const b = valueBytes(e);
    if (b > inline) n += even(b);
  }
  return even(n);
}

function writeValues(buf: Buffer, at: number, e: TiffEntry): void {
  if (typeof e.values === 'string') {
    const n = buf.write(e.values, at, 'utf8');
    buf[at + n] = 0;
    return;
  }
  const size = TYPE_SIZE[e.type];
  e.values.forEach((v, i) => {
    const p = at + i * size;
    switch (e.type) {
      case TIFF_TYPE.SHORT:
        buf.writeUInt16LE(v, p);
        break;
      case TIFF_TYPE.LONG:
        buf.writeUInt32LE(v, p);
        break;
      case TIFF_TYPE.DOUBLE:
        buf.writeDoubleLE(v, p);
        break;
      case TIFF_TYPE.LONG8:
        buf.writeBigUInt64LE(BigInt(v), p);
        break;
      default:
        throw new RangeError(`numeric values given for TIFF type ${e.type} (tag ${e.tag})`);
    }
  });
}

/**
 * Encodes one IFD placed at file offset `offset`, pointing to the next IFD at `next` (0 = last).
 * Entries are sorted by tag as TIFF requires. The buffer's length is {@link ifdByteLength}.
 */
export function encodeIfd(entries: readonly TiffEntry[], offset: number, next: number, bigTiff: boolean): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const buf = Buffer.alloc(ifdByteLength(sorted, bigTiff));
  const inline = bigTiff ? 8 : 4;
  const entrySize = bigTiff ? 20 : 12;
  const head = bigTiff ? 8 : 2;
  let p = 0;
  if (bigTiff) buf.writeBigUInt64LE(BigInt(sorted.length), 0);
  else buf.writeUInt16LE(sorted.length, 0);
  p = head;
  let extra = head + sorted.length * entrySize + (bigTiff ? 8 : 4);
  for (const e of sorted) {
    buf.writeUInt16LE(e.tag, p);
    buf.writeUInt16LE(e.type, p + 2);
    const count = valueCount(e);
    const slot = bigTiff ? p + 12 : p + 8;
    if (bigTiff) buf.writeBigUInt64LE(BigInt(count), p + 4);
    else buf.writeUInt32LE(count, p + 4);
    if (valueBytes(e) <= inline) {
      writeValues(buf, slot, e);
    } else {
      if (bigTiff) buf.writeBigUInt64LE(BigInt(offset + extra), slot);
      else buf.writeUInt32LE(offset + extra, slot);
      writeValues(buf, extra, e);
      extra += even(valueBytes(e));
    }
    p += entrySize;
  }
  if (bigTiff) buf.writeBigUInt64LE(BigInt(next), p);
  else buf.writeUInt32LE(next, p);
  return buf;
}

/**
 * The TIFF file header: byte order `II`, magic 42 (classic) or 43 (BigTIFF), and the first IFD's offset.
 */
export function tiffHeader(firstIfd: number, bigTiff: boolean): Buffer {
  if (!bigTiff) {
    const b = Buffer.alloc(8);
    b.write('II', 0, 'latin1');
    b.writeUInt16LE(42, 2);
    b.writeUInt32LE(firstIfd, 4);
    return b;
  }
  const b = Buffer.alloc(16);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(43, 2);
  b.writeUInt16LE(8, 4);
  b.writeUInt16LE(0, 6);
  b.writeBigUInt64LE(BigInt(firstIfd), 8);
  return b;
}
