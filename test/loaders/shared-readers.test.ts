// Standalone loadSlice calls share process-wide readers (a file's header is parsed once, a rewritten
// file is opened again), and a loader over a catalog with COG header caches parses no header at all.
// Header parses are counted by readCounters(); pixels are checked against a reader opened afresh.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rowFromLayout } from '../../src/catalog/builders/raster-row.js';
import { memoryCatalogFromRows } from '../../src/catalog/from-rows.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { createLoader } from '../../src/loaders/loader.js';
import { openRaster } from '../../src/loaders/raster.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';
import { readCounters } from '../../src/tiff/read/read-counters.js';
import { writeCog } from '../../src/tiff/write/cog-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-shared-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a 512x512 uint16 COG of `data` at 10 m in UTM 33N to `path`. */
function writeScene(path: string, data: Uint16Array, nodata?: number): Promise<void> {
  return writeCog(path, {
    width: 512,
    height: 512,
    bands: 1,
    dtype: 'uint16',
    data: [data],
    crs: 'EPSG:32633',
    transform: [500000, 10, 0, 4100000, 0, -10],
    ...(nodata === undefined ? {} : { nodata }),
  });
}

/** A 512x512 uint16 COG whose pixels depend on `seed`, written atomically to `path`. */
async function scene(path: string, seed: number): Promise<void> {
  const data = new Uint16Array(512 * 512);
  for (let i = 0; i < data.length; i++) data[i] = (i * seed + (i >> 9) * 7) % 60000;
  await writeScene(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

const slice: GeoSlice = { bounds: [500640, 4096160, 503200, 4098720], crs: 'EPSG:32633', resolution: [10, 10] };

/** The slice's pixels read by a reader opened just for this (col 64, row 128, 256 x 256). */
async function fresh(path: string): Promise<number[]> {
  const r = await openRaster(path);
  try {
    return Array.from((await r.readWindow(0, 64, 128, 256, 256, [0])).data[0] as ArrayLike<number>);
  } finally {
    await r.close();
  }
}

test('standalone loadSlice calls parse a header once and reopen a rewritten file', async () => {
  const path = join(dir, 'a.tif');
  await scene(path, 3);
  const c0 = readCounters();
  const first = await loadSlice([path], slice, { bands: [1], dtype: 'uint16' });
  const c1 = readCounters();
  const second = await loadSlice([path], slice, { bands: [1], dtype: 'uint16' });
  const c2 = readCounters();
  assert.equal(c1.headerReads - c0.headerReads, 1, 'the first call parses the header');
  assert.equal(c2.headerReads - c1.headerReads, 0, 'the second call reuses the shared reader');
  assert.equal(c2.blocksDecoded - c1.blocksDecoded, 0, 'and its decoded blocks');
  const want = await fresh(path);
  assert.deepEqual(Array.from(first.data), want);
  assert.deepEqual(Array.from(second.data), want);

  await scene(path, 5); // same path, new file
  const c3 = readCounters();
  const third = await loadSlice([path], slice, { bands: [1], dtype: 'uint16' });
  assert.equal(readCounters().headerReads - c3.headerReads, 1, 'a changed file is opened again');
  const now = await fresh(path);
  assert.notDeepEqual(now, want);
  assert.deepEqual(Array.from(third.data), now);
});

test('a loader over a catalog with COG header caches reads no header', async () => {
  const path = join(dir, 'b.tif');
  await scene(path, 11);
  const layout = await extractCogLayout(path);
  for (const cogHeaders of [true, false]) {
    const catalog = memoryCatalogFromRows([rowFromLayout(path, layout, { cogHeaders })]);
    const loader = createLoader({ catalog, bands: ['image'], dtype: 'uint16', decodeThreads: 1 });
    try {
      const c0 = readCounters();
      const chips = [];
      for await (const chip of loader.chips([slice, slice, slice])) chips.push(chip);
      const c1 = readCounters();
      assert.equal(c1.headerReads - c0.headerReads, cogHeaders ? 0 : 1, `cogHeaders: ${cogHeaders}`);
      const want = await fresh(path);
      for (const chip of chips) assert.deepEqual(Array.from(chip.data), want);
    } finally {
      await loader.close();
    }
  }
});

test('createLoader refuses a bad decodeThreads', () => {
  assert.throws(() => createLoader({ sources: ['x.tif'], decodeThreads: -1 }), { code: 'BAD_OPTION' });
  assert.throws(() => createLoader({ sources: ['x.tif'], decodeThreads: 1.5 }), { code: 'BAD_OPTION' });
});

test('standalone loads give the masks of all-valid chips back for later loads, never one a chip holds', async () => {
  // columns 0-99 are nodata (0): slices across column 100 are partly valid, slices right of it all valid
  const path = join(dir, 'holes.tif');
  const data = new Uint16Array(512 * 512);
  for (let i = 0; i < data.length; i++) data[i] = i % 512 < 100 ? 0 : 1 + ((i * 7) % 50000);
  await writeScene(path, data, 0);
  const at = (col: number, row: number): GeoSlice => ({
    bounds: [500000 + col * 10, 4100000 - (row + 64) * 10, 500000 + (col + 64) * 10, 4100000 - row * 10],
    crs: 'EPSG:32633',
    resolution: [10, 10],
  });
  const wins = Array.from({ length: 48 }, (_, i) => [i % 2 === 0 ? 200 + i : 60 + (i % 7), (i * 9) % 440] as const);
  for (const dtype of ['uint16', 'float32'] as const) {
    const chips = await Promise.all(wins.map(([c, r]) => loadSlice([path], at(c, r), { dtype })));
    chips.forEach((chip, i) => {
      const [c0, r0] = wins[i];
      const full = c0 >= 100;
      assert.equal(chip.validFraction, full ? 1 : (c0 + 64 - 100) / 64, `chip ${i}`);
      assert.equal(chip.mask === undefined, full, `chip ${i}: a mask only when some pixel is invalid`);
      for (let p = 0; p < 64 * 64; p++) {
        const col = c0 + (p % 64);
        const want = data[(r0 + Math.floor(p / 64)) * 512 + col];
        if (chip.data[p] !== want || (chip.mask && chip.mask[p] !== (col < 100 ? 0 : 1)))
          assert.fail(`${dtype} chip ${i} pixel ${p}: ${chip.data[p]} / mask ${chip.mask?.[p]}, want ${want}`);
      }
    });
    const buffers = chips.flatMap((c) => [c.data.buffer, ...(c.mask ? [c.mask.buffer] : [])]);
    assert.equal(new Set(buffers).size, buffers.length, `${dtype}: no two chips share an array`);
  }
});
