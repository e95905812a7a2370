/**
 * Helpers for the malformed-TIFF tests: small valid COGs made by GDAL at test time, and an
 * independent little walker of classic TIFF IFDs (both byte orders) that finds where each tag's
 * entry and values sit, so a test can byte-patch exactly one field.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCog } from '../../src/tiff/index.js';

/** Why GDAL-based tests cannot run, or false. */
export const gdalMissing: string | false =
  spawnSync('gdal_translate', ['--version']).status === 0 ? false : 'gdal_translate is not installed';

/** A 256 x 256 uint16 ramp (value = row * 256 + col), the pixels every base COG holds. */
export const WIDTH = 256;
export function rampPixel(row: number, col: number): number {
  return (row * 256 + col) & 0xffff;
}

/** The ramp written with writeCog (a COG of our own), the input every GDAL-made test file starts from. */
async function ramp(dir: string, name: string): Promise<string> {
  const base = join(dir, `${name}-base.tif`);
  const data = new Uint16Array(WIDTH * WIDTH);
  for (let i = 0; i < data.length; i++) data[i] = rampPixel(Math.floor(i / WIDTH), i % WIDTH);
  await writeCog(base, {
    width: WIDTH,
    height: WIDTH,
    bands: 1,
    dtype: 'uint16',
    data: [data],
    crs: 'EPSG:32633',
    transform: [500000, 10, 0, 4100000, 0, -10],
  });
  return base;
}

/**
 * A small valid TIFF made by `gdal_translate <options>` from the ramp (e.g. `-of COG -co
 * COMPRESS=LZW`, or `-co TILED=YES -co COMPRESS=PACKBITS` for a plain GeoTIFF).
 */
export async function gdalTiff(dir: string, name: string, options: string[]): Promise<string> {
  const base = await ramp(dir, name);
  const out = join(dir, `${name}.tif`);
  execFileSync('gdal_translate', ['-q', ...options, base, out], { stdio: 'pipe' });
  return out;
}

/**
 * A small valid COG made by `gdal_translate -of COG`: 64-pixel tiles, `compress`, no overviews
 * (`extra` options come first, and GDAL takes the first of repeated options).
 */
export function gdalCog(dir: string, name: string, compress: string, extra: string[] = []): Promise<string> {
  return gdalTiff(dir, name, [
    ...extra,
    '-of',
    'COG',
    '-co',
    'BLOCKSIZE=64',
    '-co',
    `COMPRESS=${compress}`,
    '-co',
    'OVERVIEWS=NONE',
  ]);
}

/** One IFD entry: where it sits and where its values are (inline or not). */
export interface Entry {
  /** File offset of the 12-byte entry. */
  at: number;
  type: number;
  count: number;
  /** File offset of the first value. */
  values: number;
}

/** One IFD: its offset, entries by tag, and the position of its next-IFD pointer. */
export interface IfdMap {
  offset: number;
  entries: Map<number, Entry>;
  nextAt: number;
}

const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 11: 4, 12: 8, 16: 8 };

/** Walks the IFD chain of a classic TIFF (stops at 100 IFDs). */
export function ifdMaps(buf: Buffer): IfdMap[] {
  const le = buf.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u16(2) !== 42) throw new Error('not a classic TIFF');
  const out: IfdMap[] = [];
  for (let off = u32(4); off !== 0 && out.length < 100; ) {
    const n = u16(off);
    const entries = new Map<number, Entry>();
    for (let i = 0; i < n; i++) {
      const at = off + 2 + i * 12;
      const type = u16(at + 2);
      const count = u32(at + 4);
      const inline = count * (SIZE[type] ?? 1) <= 4;
      entries.set(u16(at), { at, type, count, values: inline ? at + 8 : u32(at + 8) });
    }
    const nextAt = off + 2 + n * 12;
    out.push({ offset: off, entries, nextAt });
    off = u32(nextAt);
  }
  return out;
}

/** A byte-patchable copy of a file with helpers that know its byte order. */
export class Patch {
  readonly le: boolean;
  constructor(readonly buf: Buffer) {
    this.le = buf.toString('latin1', 0, 2) === 'II';
  }
  u16(o: number, v: number): this {
    if (this.le) this.buf.writeUInt16LE(v, o);
    else this.buf.writeUInt16BE(v, o);
    return this;
  }
  u32(o: number, v: number): this {
    if (this.le) this.buf.writeUInt32LE(v >>> 0, o);
    else this.buf.writeUInt32BE(v >>> 0, o);
    return this;
  }
  read32(o: number): number {
    return this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
  }
  /** Sets value `i` of an entry (SHORT or LONG). */
  value(e: Entry, i: number, v: number): this {
    return e.type === 3 ? this.u16(e.values + i * 2, v) : this.u32(e.values + i * 4, v);
  }
  /** Reads value `i` of an entry (SHORT or LONG). */
  get(e: Entry, i: number): number {
    if (e.type === 3)
      return this.le ? this.buf.readUInt16LE(e.values + i * 2) : this.buf.readUInt16BE(e.values + i * 2);
    return this.read32(e.values + i * 4);
  }
  save(path: string): string {
    writeFileSync(path, this.buf);
    return path;
  }
}

/** The repository root (for child processes). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
