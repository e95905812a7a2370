import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { fromFile } from 'geotiff';
import { StitchError } from '../../src/errors.js';
import { createCogWriter, writeCog, type CogMeta } from '../../src/tiff/write/cog-writer.js';
import { checkCogLayout } from '../../src/tiff/write/cog-layout-check.js';
import { gdalMissing, readWithGdal } from '../fixtures/stitch/gdal-reader.js';

const root = mkdtempSync(join(tmpdir(), 'cog-stream-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = join(root, String(n++));
  rmSync(d, { recursive: true, force: true });
  return mkdtempSync(`${d}-`);
};

const W = 700;
const H = 530;
const T = 128;
const meta: CogMeta = {
  width: W,
  height: H,
  bands: 3,
  dtype: 'uint16',
  crs: 'EPSG:32618',
  transform: [300000, 0.5, 0, 4500000, 0, -0.5],
  nodata: 65535,
};
const value = (b: number, x: number, y: number): number => (x * 31 + y * 17 + b * 1000) % 60000;

function tileBands(tx: number, ty: number, padded: boolean): Uint16Array[] {
  const w = Math.min(T, W - tx * T);
  const h = Math.min(T, H - ty * T);
  const stride = padded ? T : w;
  return [0, 1, 2].map((b) => {
    const a = new Uint16Array(padded ? T * T : w * h).fill(7);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * stride + x] = value(b, tx * T + x, ty * T + y);
    return a;
  });
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function expectError(p: Promise<unknown>, code: string, path: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StitchError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(path), `message names the path: ${e.message}`);
    return true;
  });
}

describe('createCogWriter (streaming)', () => {
  it('takes tiles in any order, concurrently, padded or exact, and writes the same raster', async () => {
    const dir = freshDir();
    const path = join(dir, 'stream.tif');
    const w = await createCogWriter(path, meta, { tileSize: T });
    assert.equal(w.tilesX, 6);
    assert.equal(w.tilesY, 5);
    assert.deepEqual(w.tileShape(5, 4), { width: 60, height: 18 });
    const order = shuffled(
      Array.from({ length: 30 }, (_, i) => i),
      42,
    );
    await Promise.all(
      order.map((i) => w.writeTile(i % 6, Math.floor(i / 6), tileBands(i % 6, Math.floor(i / 6), i % 2 === 0))),
    );
    await w.finish();
    assert.deepEqual(readdirSync(dir), ['stream.tif'], 'no temp files left');

    const tiff = await fromFile(path);
    const rasters = (await (await tiff.getImage()).readRasters()) as unknown as Uint16Array[];
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < W * H; i += 97)
        assert.equal(rasters[b][i], value(b, i % W, Math.floor(i / W)), `band ${b} pixel ${i}`);
    }
    tiff.close();

    const full = [0, 1, 2].map((b) =>
      Uint16Array.from({ length: W * H }, (_, i) => value(b, i % W, Math.floor(i / W))),
    );
    const path2 = join(dir, 'whole.tif');
    await writeCog(path2, { ...meta, data: full }, { tileSize: T });
    assert.deepEqual(readFileSync(path), readFileSync(path2), 'streaming and in-memory writes give the same bytes');
    assert.equal((await checkCogLayout(path)).valid, true);
    if (!gdalMissing) assert.deepEqual(readWithGdal([path])[0].cog_errors, []);
  });

  it('reports progress per stage up to its total', async () => {
    const dir = freshDir();
    const seen = new Map<string, number[]>();
    const w = await createCogWriter(join(dir, 'progress.tif'), meta, {
      tileSize: T,
      onProgress: (p) => seen.set(p.stage, [...(seen.get(p.stage) ?? []), p.done, p.total]),
    });
    await w.writeTile(2, 3, tileBands(2, 3, false));
    await w.finish();
    const last = (stage: string): number[] => seen.get(stage)?.slice(-2) ?? [];
    assert.deepEqual(last('tiles'), [30, 30]);
    assert.deepEqual(last('overviews'), [9 + 4 + 1, 14]);
    assert.deepEqual(last('assemble'), [44, 44]);
    assert.equal(seen.get('tiles')?.[0], 1);
  });

  it('fills tiles never written with nodata when there is nodata', async () => {
    const dir = freshDir();
    const path = join(dir, 'sparse.tif');
    const w = await createCogWriter(path, meta, { tileSize: T });
    await w.writeTile(0, 0, tileBands(0, 0, true));
    await w.finish();
    const tiff = await fromFile(path);
    const [band] = (await (await tiff.getImage()).readRasters({ window: [0, 0, 260, 2] })) as unknown as Uint16Array[];
    assert.equal(band[5], value(0, 5, 0));
    assert.equal(band[200], 65535);
    tiff.close();
  });

  it('refuses to finish with missing tiles and no nodata, leaving nothing behind and an old file intact', async () => {
    const dir = freshDir();
    const path = join(dir, 'missing.tif');
    writeFileSync(path, 'previous version');
    const w = await createCogWriter(path, { ...meta, nodata: null }, { tileSize: T });
    await w.writeTile(1, 1, tileBands(1, 1, false));
    await expectError(w.finish(), 'MISSING_TILES', path);
    assert.deepEqual(readdirSync(dir), ['missing.tif']);
    assert.equal(readFileSync(path, 'utf8'), 'previous version');
    await expectError(w.writeTile(0, 0, tileBands(0, 0, false)), 'WRITER_CLOSED', path);
  });

  it('rejects bad tiles with typed errors and stays usable', async () => {
    const dir = freshDir();
    const path = join(dir, 'bad.tif');
    const w = await createCogWriter(path, meta, { tileSize: T });
    await expectError(w.writeTile(6, 0, tileBands(0, 0, true)), 'TILE_OUT_OF_RANGE', path);
    await expectError(w.writeTile(0.5, 0, tileBands(0, 0, true)), 'TILE_OUT_OF_RANGE', path);
    await expectError(w.writeTile(0, 0, tileBands(0, 0, true).slice(0, 2)), 'SHAPE_MISMATCH', path);
    await expectError(
      w.writeTile(
        5,
        4,
        tileBands(0, 0, false).map((a) => a.subarray(0, 100)),
      ),
      'SHAPE_MISMATCH',
      path,
    );
    const mixed = tileBands(5, 4, false);
    mixed[1] = tileBands(5, 4, true)[1];
    await expectError(w.writeTile(5, 4, mixed), 'SHAPE_MISMATCH', path);
    await expectError(
      w.writeTile(0, 0, [new Float32Array(T * T), new Float32Array(T * T), new Float32Array(T * T)] as never),
      'WRONG_ARRAY_TYPE',
      path,
    );
    await w.writeTile(0, 0, tileBands(0, 0, true));
    await expectError(w.writeTile(0, 0, tileBands(0, 0, true)), 'DUPLICATE_TILE', path);
    await w.abort();
    assert.deepEqual(readdirSync(dir), []);
    await expectError(w.finish(), 'WRITER_CLOSED', path);
  });

  it('abort while finish runs waits for it; the file is complete and no temp files remain', async () => {
    const dir = freshDir();
    const path = join(dir, 'late-abort.tif');
    const w = await createCogWriter(path, meta, { tileSize: T });
    for (let ty = 0; ty < w.tilesY; ty++)
      for (let tx = 0; tx < w.tilesX; tx++) await w.writeTile(tx, ty, tileBands(tx, ty, false));
    const finished = w.finish();
    await w.abort();
    await finished;
    assert.deepEqual(readdirSync(dir), ['late-abort.tif']);
    assert.equal((await checkCogLayout(path)).valid, true);
    await expectError(w.finish(), 'WRITER_CLOSED', path);
  });

  it('a process killed mid-write leaves either the old file or the complete new one at the path', {
    timeout: 50_000,
  }, async () => {
    const dir = freshDir();
    const path = join(dir, 'crash.tif');
    writeFileSync(path, 'old');
    const script = fileURLToPath(new URL('../fixtures/stitch/write-big-cog.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const watcher = watch(dir, (_event, name) => {
      if (name?.endsWith('.tmp')) child.kill('SIGKILL');
    });
    const code = await exited;
    watcher.close();
    const content = readFileSync(path);
    if (content.toString('latin1') !== 'old') {
      assert.equal(code, 0, 'the path changed, so the writer must have finished');
      assert.equal((await checkCogLayout(path)).valid, true);
      const tiff = await fromFile(path);
      assert.equal((await tiff.getImage()).getWidth(), 3000);
      tiff.close();
    } else {
      assert.notEqual(code, 0, 'killed before the rename');
    }
  });
});
