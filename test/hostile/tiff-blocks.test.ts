/**
 * Truncated and corrupt tiles of every codec geoslice decodes (files made by GDAL, then byte-patched):
 * each read of a damaged tile is a typed `CORRUPT_BLOCK` naming the file and block (like GDAL's
 * `TIFFReadEncodedTile() failed`), never zero fill or wrong pixels; undamaged tiles still read right.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, deflateSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { RasterError } from '../../src/errors.js';
import { openRaster } from '../../src/loaders/raster.js';
import { TAG } from '../../src/tiff/index.js';
import { gdalCog, gdalMissing, gdalTiff, ifdMaps, Patch, rampPixel } from './tiff-patch.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-hostile-blocks-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = { timeout: 60_000 };
let n = 0;

/** The file's first IFD tile entries and a patchable copy. */
function open(file: string) {
  const p = new Patch(Buffer.from(readFileSync(file)));
  const ifd = ifdMaps(p.buf)[0];
  const offsets = ifd.entries.get(TAG.TileOffsets)!;
  const counts = ifd.entries.get(TAG.TileByteCounts)!;
  return { p, offsets, counts, save: () => p.save(join(dir, `bad-${n++}.tif`)) };
}

const corrupt =
  (file: string, block: number) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof RasterError, String(e));
    assert.equal(e.code, 'CORRUPT_BLOCK', e.message);
    assert.ok(e.message.includes(file) && e.message.includes(`block ${block}`), e.message);
    return true;
  };

/** Tile 5 (row 1, col 1 of 64-pixel tiles) fails; tile 0 reads the ramp. */
async function tileFails(file: string, check: (v: number, r: number, c: number) => boolean = eq): Promise<void> {
  const r = await openRaster(file);
  await assert.rejects(r.readWindow(0, 64, 64, 64, 64, [0]), corrupt(file, 5));
  const ok = await r.readWindow(0, 0, 0, 64, 64, [0]);
  for (const [row, col] of [
    [0, 0],
    [10, 20],
    [63, 63],
  ])
    assert.ok(
      check(Number(ok.data[0][row * 64 + col]), row, col),
      `pixel ${row},${col} = ${ok.data[0][row * 64 + col]}`,
    );
  await r.close();
}
const eq = (v: number, r: number, c: number) => v === rampPixel(r, c);

/** The ramp as 8-bit (for JPEG): GDAL scales 0..65535 to 0..255; JPEG is lossy, so a tolerance. */
const near8 = (v: number, r: number, c: number) => Math.abs(v - (rampPixel(r, c) * 255) / 65535) <= 6;

const CODECS: [string, () => Promise<string>, typeof eq][] = [
  ['DEFLATE', () => gdalCog(dir, 'deflate', 'DEFLATE', ['-co', 'PREDICTOR=2']), eq],
  ['LZW', () => gdalCog(dir, 'lzw', 'LZW'), eq],
  ['ZSTD', () => gdalCog(dir, 'zstd', 'ZSTD'), eq],
  ['LERC', () => gdalCog(dir, 'lerc', 'LERC', ['-co', 'MAX_Z_ERROR=0']), eq],
  ['JPEG', () => gdalCog(dir, 'jpeg', 'JPEG', ['-ot', 'Byte', '-scale', '0', '65535', '0', '255']), near8],
  [
    'PackBits',
    () =>
      gdalTiff(dir, 'packbits', [
        '-co',
        'TILED=YES',
        '-co',
        'BLOCKXSIZE=64',
        '-co',
        'BLOCKYSIZE=64',
        '-co',
        'COMPRESS=PACKBITS',
      ]),
    eq,
  ],
];

describe('damaged tiles', { skip: gdalMissing }, () => {
  for (const [name, make, check] of CODECS) {
    it(`${name}: a tile cut to half its bytes`, T, async () => {
      const f = open(await make());
      f.p.value(f.counts, 5, Math.floor(f.p.get(f.counts, 5) / 2));
      await tileFails(f.save(), check);
    });
    if (name !== 'PackBits') {
      // PackBits has no redundancy: random bytes are valid PackBits (GDAL reads them too).
      it(`${name}: a tile of seeded random bytes`, T, async () => {
        const f = open(await make());
        const rng = seedrandom(`garbage-${name}`);
        const at = f.p.get(f.offsets, 5);
        for (let i = 0; i < f.p.get(f.counts, 5); i++) f.p.buf[at + i] = Math.floor(rng() * 256);
        await tileFails(f.save(), check);
      });
    }
  }

  it('LZW: 64 random bytes as the tile (GDAL: TIFFReadEncodedTile() failed)', T, async () => {
    const f = open(await gdalCog(dir, 'lzw64', 'LZW'));
    const rng = seedrandom('lzw64');
    const at = f.p.get(f.offsets, 5);
    for (let i = 0; i < 64; i++) f.p.buf[at + i] = Math.floor(rng() * 256);
    f.p.value(f.counts, 5, 64);
    await tileFails(f.save());
  });

  it('DEFLATE: a stream that ends with a sync flush instead of its final block', T, async () => {
    const f = open(await gdalCog(dir, 'syncflush', 'DEFLATE'));
    const raw = Buffer.alloc(64 * 64 * 2);
    for (let r = 0; r < 64; r++)
      for (let c = 0; c < 64; c++) raw.writeUInt16LE(rampPixel(64 + r, 64 + c), (r * 64 + c) * 2);
    const unfinished = deflateSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
    const at = f.p.buf.length;
    f.p.value(f.offsets, 5, at);
    f.p.value(f.counts, 5, unfinished.length);
    const bad = join(dir, 'syncflush-bad.tif');
    new Patch(Buffer.concat([f.p.buf, unfinished])).save(bad);
    await tileFails(bad);
    // The same bytes finished properly read right: the test file itself is sound.
    const finished = deflateSync(raw);
    const g = open(await gdalCog(dir, 'finished', 'DEFLATE'));
    g.p.value(g.offsets, 5, g.p.buf.length);
    g.p.value(g.counts, 5, finished.length);
    const fine = join(dir, 'finished-ok.tif');
    new Patch(Buffer.concat([g.p.buf, finished])).save(fine);
    const r = await openRaster(fine);
    const w = await r.readWindow(0, 64, 64, 64, 64, [0]);
    assert.equal(w.data[0][64 * 10 + 3], rampPixel(74, 67));
    await r.close();
  });

  it(
    'DEFLATE: a truncated tile read for its top rows only gives the right pixels or an error, never zeros',
    T,
    async () => {
      const f = open(await gdalCog(dir, 'prefix', 'DEFLATE', ['-co', 'BLOCKSIZE=256']));
      f.p.value(f.counts, 0, Math.floor(f.p.get(f.counts, 0) * 0.6));
      const file = f.save();
      const r = await openRaster(file);
      const top = await r.readWindow(0, 0, 0, 256, 8, [0]).catch((e: unknown) => e as Error);
      if (top instanceof Error) assert.ok(top instanceof RasterError && top.code === 'CORRUPT_BLOCK', String(top));
      else for (let i = 0; i < 256 * 8; i++) assert.equal(top.data[0][i], rampPixel(Math.floor(i / 256), i % 256));
      await assert.rejects(r.readWindow(0, 0, 200, 256, 56, [0]), corrupt(file, 0));
      await r.close();
    },
  );
});
