/**
 * A malformed TIFF (TileByteCounts entry 2^31, once a SIGABRT; and an IFD loop, once a hang) through
 * every entry point: the catalog builder (refused as `UNREADABLE` naming the cause, or skipped with
 * `onError: 'skip'`), the loader (typed error, or reported to `onError`), and `geoslice chips
 * --on-error skip` in a child process (exit 0, the slices listed as skipped).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { BuildError, GeosliceError } from '../../src/errors.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { createLoader } from '../../src/loaders/loader.js';
import { SLICE_COLUMN_TYPES, slicesToRows } from '../../src/samplers/slice-table.js';
import { TAG } from '../../src/tiff/index.js';
import { gdalCog, gdalMissing, ifdMaps, Patch, REPO } from './tiff-patch.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-hostile-entry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = { timeout: 120_000 };

/** The good COG's bytes with TileByteCounts[0] = 2^31, and with the IFD chain looping. */
function hostile(good: string): { hugeCount: Buffer; loop: Buffer } {
  const a = new Patch(Buffer.from(readFileSync(good)));
  const ifd = ifdMaps(a.buf)[0];
  a.value(ifd.entries.get(TAG.TileByteCounts)!, 0, 2 ** 31);
  const b = new Patch(Buffer.from(readFileSync(good)));
  b.u32(ifd.nextAt, ifd.offset);
  return { hugeCount: a.buf, loop: b.buf };
}

describe('a malformed TIFF through every entry point', { skip: gdalMissing }, () => {
  let good = '';
  let bad: { hugeCount: Buffer; loop: Buffer };
  before(async () => {
    good = await gdalCog(dir, 'good', 'DEFLATE');
    bad = hostile(good);
  });

  it('the builder refuses it as UNREADABLE naming the cause, or skips it', T, async () => {
    for (const [name, bytes, cause] of [
      ['huge', bad.hugeCount, 'TileByteCounts'],
      ['loop', bad.loop, 'loops'],
    ] as const) {
      const scenes = join(dir, `build-${name}`);
      mkdirSync(scenes);
      copyFileSync(good, join(scenes, 'a_20240601.tif'));
      new Patch(bytes).save(join(scenes, 'b_20240602.tif'));
      await assert.rejects(
        buildRasterCatalog(scenes, { out: join(dir, `${name}.parquet`), workers: 0, progress: false }),
        (e: unknown) =>
          e instanceof BuildError &&
          e.code === 'UNREADABLE' &&
          e.message.includes('b_20240602.tif') &&
          e.message.includes(cause),
      );
      const { catalog, rows, skipped } = await buildRasterCatalog(scenes, {
        out: join(dir, `${name}-skip.parquet`),
        workers: 1,
        progress: false,
        onError: 'skip',
      });
      await catalog.close();
      assert.equal(rows, 1);
      assert.deepEqual(
        skipped.map((s) => [s.input.split('/').pop(), s.code]),
        [['b_20240602.tif', 'UNREADABLE']],
      );
    }
  });

  describe('a catalog whose file is replaced by a malformed one', () => {
    const scenes = join(dir, 'scenes');
    const cat = join(dir, 'scenes.parquet');
    const slices = join(dir, 'slices.parquet');
    const slice: GeoSlice = { bounds: [500000, 4099360, 500640, 4100000], crs: 'EPSG:32633', resolution: [10, 10] };
    before(async () => {
      mkdirSync(scenes);
      copyFileSync(good, join(scenes, 'a_20240601.tif'));
      const built = await buildRasterCatalog(scenes, { out: cat, workers: 0, progress: false });
      await built.catalog.close();
      await writeGeoParquet(slicesToRows([slice, slice]), slices, {
        sortBy: [],
        extrasTypes: { ...SLICE_COLUMN_TYPES },
      });
    });

    it('the loader throws a typed error, or reports it to onError and goes on', T, async () => {
      const { openCatalog } = await import('../../src/catalog/open.js');
      for (const bytes of [bad.hugeCount, bad.loop]) {
        new Patch(bytes).save(join(scenes, 'a_20240601.tif'));
        const catalog = await openCatalog(cat);
        try {
          const loader = createLoader({ catalog, bands: ['image'] });
          await assert.rejects(
            loader.load(slice),
            (e: unknown) => e instanceof GeosliceError && e.code === 'CORRUPT_TIFF',
          );
          const failed: unknown[] = [];
          const tolerant = createLoader({ catalog, bands: ['image'], onError: (e) => failed.push(e) });
          const got = [];
          for await (const c of tolerant.chips([slice, slice])) got.push(c);
          assert.equal(got.length, 0);
          assert.equal(failed.length, 2);
          assert.ok(
            failed.every((e) => e instanceof GeosliceError),
            String(failed[0]),
          );
        } finally {
          await catalog.close();
        }
      }
    });

    it('geoslice chips --on-error skip (child process) skips the slices and exits 0', T, async () => {
      new Patch(bad.hugeCount).save(join(scenes, 'a_20240601.tif'));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          join(REPO, 'src/cli/run.ts'),
          '--json',
          'chips',
          cat,
          slices,
          '--out',
          join(dir, 'chips'),
          '--on-error',
          'skip',
        ],
        { cwd: REPO, timeout: 60_000 },
      );
      const r = JSON.parse(stdout);
      assert.equal(r.chips, 0);
      assert.deepEqual(
        r.skipped.map((s: { code: string }) => s.code),
        ['CORRUPT_TIFF', 'CORRUPT_TIFF'],
      );
    });
  });
});
