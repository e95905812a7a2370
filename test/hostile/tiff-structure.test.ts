/**
 * Malformed TIFF structures (byte-patched copies of a small valid COG made by GDAL): IFD loops,
 * offsets past the end, huge counts, impossible dimensions, samples and bit depths. Each must be a
 * typed error naming the file and the tag — from openRaster, extractCogLayout and checkCogLayout —
 * never a crash, a hang or a wrong read. Cases that could abort the process run in a child.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { RasterError, StitchError } from '../../src/errors.js';
import { openRaster } from '../../src/loaders/raster.js';
import { checkCogLayout, extractCogLayout, TAG } from '../../src/tiff/index.js';
import { gdalCog, gdalMissing, ifdMaps, Patch, rampPixel, REPO, WIDTH, type IfdMap } from './tiff-patch.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-hostile-tiff-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = { timeout: 60_000 };

let good = '';
let ifds: IfdMap[] = [];
let n = 0;
/** A patched copy of the good COG. */
function patched(edit: (p: Patch, ifd: IfdMap) => void): string {
  const p = new Patch(Buffer.from(readFileSync(good)));
  edit(p, ifds[0]);
  return p.save(join(dir, `bad-${n++}.tif`));
}
const entry = (ifd: IfdMap, tag: number) => {
  const e = ifd.entries.get(tag);
  assert.ok(e, `tag ${tag} present`);
  return e;
};

const isError =
  (code: string, file: string, ...words: string[]) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof RasterError, `RasterError expected, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(file), `names the file: ${e.message}`);
    for (const w of words) assert.ok(e.message.includes(w), `mentions ${w}: ${e.message}`);
    return true;
  };

/** openRaster and extractCogLayout both refuse the file with `code`; checkCogLayout with a StitchError. */
async function refused(file: string, code: string, ...words: string[]): Promise<void> {
  await assert.rejects(openRaster(file), isError(code, file, ...words));
  await assert.rejects(extractCogLayout(file), isError(code, file, ...words));
  await assert.rejects(checkCogLayout(file), (e: unknown) => e instanceof StitchError && e.message.includes(file));
}

/** Runs tiff-child.ts on `file` in a child process with a time limit and returns its verdict. */
async function inChild(file: string): Promise<{ ok: boolean; typed?: boolean; code?: string; message?: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test/hostile/tiff-child.ts'), file],
    { cwd: REPO, timeout: 30_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('malformed TIFF structure', { skip: gdalMissing }, () => {
  before(async () => {
    good = await gdalCog(dir, 'good', 'DEFLATE');
    ifds = ifdMaps(readFileSync(good));
    const r = await openRaster(good);
    const w = await r.readWindow(0, 0, 0, WIDTH, WIDTH, [0]);
    assert.equal(w.data[0][WIDTH * 100 + 37], rampPixel(100, 37), 'the base COG reads right');
    await r.close();
  });

  it('an IFD chain that loops back to itself', T, async () => {
    const f = patched((p, ifd) => p.u32(ifd.nextAt, ifd.offset));
    await refused(f, 'CORRUPT_TIFF', 'loops');
  });

  it('a first-IFD offset past the end of the file, inside the header, or 0', T, async () => {
    await refused(
      patched((p) => p.u32(4, p.buf.length + 1000)),
      'TRUNCATED',
      'past the end',
    );
    await refused(
      patched((p) => p.u32(4, 2)),
      'CORRUPT_TIFF',
      'inside the TIFF header',
    );
    await refused(
      patched((p) => p.u32(4, 0)),
      'CORRUPT_TIFF',
      'no image',
    );
  });

  it('an IFD entry count running past the end of the file', T, async () => {
    await refused(
      patched((p, ifd) => p.u16(ifd.offset, 0xffff)),
      'TRUNCATED',
    );
  });

  it('a tag whose values lie past the end of the file', T, async () => {
    await refused(
      patched((p, ifd) => p.u32(entry(ifd, TAG.TileOffsets).at + 8, p.buf.length + 64)),
      'TRUNCATED',
      'TileOffsets',
    );
  });

  it('a huge value count (TileOffsets count 2^31 - 1)', T, async () => {
    await refused(
      patched((p, ifd) => p.u32(entry(ifd, TAG.TileOffsets).at + 4, 0x7fffffff)),
      'CORRUPT_TIFF',
      'TileOffsets',
    );
  });

  it('too few tile offsets for the image', T, async () => {
    await refused(
      patched((p, ifd) => p.u32(entry(ifd, TAG.TileOffsets).at + 4, 3)),
      'CORRUPT_TIFF',
      'TileOffsets',
      'for 16 blocks',
    );
  });

  it('impossible dimensions: width 0, height 2^32 - 1, tile width 0, tiles of 65535 x 65535', T, async () => {
    await refused(
      patched((p, ifd) => p.value(entry(ifd, TAG.ImageWidth), 0, 0)),
      'CORRUPT_TIFF',
      'ImageWidth',
    );
    const tall = patched((p, ifd) => {
      const e = entry(ifd, TAG.ImageLength);
      if (e.type === 3) p.u16(e.at + 2, 4).u32(e.values, 0xffffffff);
      else p.value(e, 0, 0xffffffff);
    });
    await refused(tall, 'CORRUPT_TIFF', 'ImageLength');
    await refused(
      patched((p, ifd) => p.value(entry(ifd, TAG.TileWidth), 0, 0)),
      'CORRUPT_TIFF',
      'TileWidth',
    );
    await refused(
      patched((p, ifd) => p.value(entry(ifd, TAG.TileWidth), 0, 65535).value(entry(ifd, TAG.TileLength), 0, 65535)),
      'CORRUPT_TIFF',
    );
  });

  it(
    'samples per pixel 0 (refused) or 60000 (opens, blocks too short: CORRUPT_BLOCK); bits per sample 0 or 200',
    T,
    async () => {
      const spp = (v: number) => patched((p, ifd) => p.value(entry(ifd, TAG.SamplesPerPixel), 0, v));
      if (ifds[0].entries.has(TAG.SamplesPerPixel)) {
        await refused(spp(0), 'CORRUPT_TIFF', 'SamplesPerPixel');
        const many = spp(60000);
        const r = await openRaster(many);
        assert.equal(r.info.bands, 60000);
        await assert.rejects(r.readWindow(0, 0, 0, 8, 8, [0]), isError('CORRUPT_BLOCK', many, 'block 0'));
        await r.close();
      }
      for (const v of [0, 200]) {
        await refused(
          patched((p, ifd) => p.value(entry(ifd, TAG.BitsPerSample), 0, v)),
          'CORRUPT_TIFF',
          'BitsPerSample',
        );
      }
    },
  );

  it('TileByteCounts entries of 2^31 and 2^32 - 1 (once an abort): typed, in a child process', T, async () => {
    for (const v of [2 ** 31, 2 ** 32 - 1]) {
      const f = patched((p, ifd) => p.value(entry(ifd, TAG.TileByteCounts), 5, v));
      const r = await inChild(f);
      assert.deepEqual([r.ok, r.typed, r.code], [false, true, 'CORRUPT_TIFF'], JSON.stringify(r));
      assert.match(r.message!, /TileByteCounts entry 5 is \d+/);
      await refused(f, 'CORRUPT_TIFF', 'TileByteCounts');
    }
  });

  it('a tile offset of 2^32 - 1: the tile is TILE_OUT_OF_RANGE, other tiles read right', T, async () => {
    const f = patched((p, ifd) => p.value(entry(ifd, TAG.TileOffsets), 1, 0xffffffff));
    const r = await openRaster(f);
    await assert.rejects(r.readWindow(0, 64, 0, 8, 8, [0]), isError('TILE_OUT_OF_RANGE', f, 'block 1'));
    const ok = await r.readWindow(0, 0, 0, 8, 8, [0]);
    assert.equal(ok.data[0][8 * 3 + 5], rampPixel(3, 5));
    await r.close();
  });

  it('a 10^5 x 10^5 window is a typed BAD_WINDOW before any allocation, not a RangeError', T, async () => {
    const r = await openRaster(good);
    await assert.rejects(r.readWindow(0, 0, 0, 100_000, 100_000, [0]), isError('BAD_WINDOW', good, 'smaller windows'));
    await r.close();
  });
});
