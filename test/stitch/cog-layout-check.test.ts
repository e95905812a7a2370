import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { StitchError } from '../../src/errors.js';
import { writeCog } from '../../src/tiff/write/cog-writer.js';
import { checkCogLayout, type CogLayoutReport } from '../../src/tiff/write/cog-layout-check.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';
import { gdalMissing, readWithGdal } from '../fixtures/stitch/gdal-reader.js';

const shared = fileURLToPath(new URL('../../../shared/fixtures/cog/', import.meta.url));
const sharedFiles = existsSync(shared)
  ? readdirSync(shared)
      .filter((f) => f.endsWith('.tif'))
      .map((f) => join(shared, f))
  : [];
const dir = mkdtempSync(join(tmpdir(), 'cog-layout-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Same verdict as GDAL's validator: validity, and as many errors and warnings. */
function assertAgrees(
  mine: CogLayoutReport,
  gdal: { cog_errors: string[]; cog_warnings: string[] },
  what: string,
): void {
  const detail = `${what}\nmine: ${JSON.stringify([mine.errors, mine.warnings])}\nGDAL: ${JSON.stringify([gdal.cog_errors, gdal.cog_warnings])}`;
  assert.equal(mine.valid, gdal.cog_errors.length === 0, detail);
  assert.equal(mine.errors.length, gdal.cog_errors.length, detail);
  assert.equal(mine.warnings.length, gdal.cog_warnings.length, detail);
}

const gdal = (cmd: string, args: string[]): void => void execFileSync(cmd, ['-q', ...args], { stdio: 'pipe' });

describe('checkCogLayout agrees with GDAL validate_cloud_optimized_geotiff', () => {
  it('on the shared third-party fixtures', {
    skip: gdalMissing || (sharedFiles.length === 0 && 'shared fixtures absent (../shared/fixtures/cog)'),
  }, async () => {
    const reports = readWithGdal(sharedFiles);
    for (const [i, f] of sharedFiles.entries()) assertAgrees(await checkCogLayout(f), reports[i], f);
  });

  describe('on files made and broken by GDAL', { skip: gdalMissing }, () => {
    const files: Record<string, string> = {};
    const codes = async (name: string): Promise<string[]> =>
      (await checkCogLayout(files[name])).errors.map((e) => e.code);

    before(async () => {
      const n = 1100 * 700;
      const band = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 500) * 10 + (i % 1100) / 100);
      files.plain = join(dir, 'plain.tif');
      await writeCog(
        files.plain,
        {
          width: 1100,
          height: 700,
          bands: 1,
          dtype: 'float32',
          data: [band],
          crs: 'EPSG:32633',
          transform: [0, 1, 0, 0, 0, -1],
        },
        { cog: false },
      );
      files.gdalCog = join(dir, 'gdal-cog.tif');
      gdal('gdal_translate', ['-of', 'COG', '-co', 'BLOCKSIZE=256', files.plain, files.gdalCog]);
      files.gdalBigCog = join(dir, 'gdal-bigtiff-cog.tif');
      gdal('gdal_translate', ['-of', 'COG', '-co', 'BIGTIFF=YES', files.plain, files.gdalBigCog]);
      files.appended = join(dir, 'appended-overviews.tif');
      copyFileSync(files.plain, files.appended);
      gdal('gdaladdo', ['-r', 'average', files.appended, '2', '4']);
      files.striped = join(dir, 'striped.tif');
      gdal('gdal_translate', ['-co', 'TILED=NO', files.plain, files.striped]);
      files.leader = join(dir, 'bad-leader.tif');
      copyFileSync(files.gdalCog, files.leader);
      const first = (await extractCogLayout(files.leader)).images[0].offsets[0];
      const bytes = readFileSync(files.leader);
      bytes.writeUInt32LE(bytes.readUInt32LE(first - 4) + 1, first - 4);
      writeFileSync(files.leader, bytes);
      files.edited = join(dir, 'edited.tif');
      const text = readFileSync(files.gdalCog)
        .toString('latin1')
        .replace('KNOWN_INCOMPATIBLE_EDITION=NO\n', 'KNOWN_INCOMPATIBLE_EDITION=YES');
      writeFileSync(files.edited, Buffer.from(text, 'latin1'));
    });

    it('agrees on every file', async () => {
      const names = Object.keys(files);
      const reports = readWithGdal(names.map((k) => files[k]));
      for (const [i, k] of names.entries()) assertAgrees(await checkCogLayout(files[k]), reports[i], k);
    });

    it('finds each defect', async () => {
      assert.deepEqual(await codes('gdalCog'), []);
      assert.deepEqual(await codes('gdalBigCog'), []);
      assert.equal((await checkCogLayout(files.gdalBigCog)).details.bigTiff, true);
      assert.deepEqual(
        (await checkCogLayout(files.plain)).warnings.map((w) => w.code),
        ['NO_OVERVIEWS'],
      );
      assert.deepEqual(await codes('appended'), ['OVERVIEW_DATA_ORDER', 'MAIN_DATA_ORDER']);
      assert.deepEqual(await codes('striped'), ['NOT_TILED']);
      assert.deepEqual(await codes('leader'), ['BLOCK_LEADER']);
      assert.deepEqual(await codes('edited'), ['INCOMPATIBLE_EDITION']);
      assert.deepEqual((await checkCogLayout(files.gdalCog)).details.structural, {
        blockOrderRowMajor: true,
        blockLeaderSizeAsUint4: true,
        blockTrailerLast4BytesRepeated: true,
        maskInterleavedWithImagery: false,
      });
    });
  });

  it('throws typed errors for files that are not TIFFs', async () => {
    const junk = join(dir, 'junk.tif');
    writeFileSync(junk, 'this is not a tiff at all');
    await assert.rejects(
      checkCogLayout(junk),
      (e: unknown) => e instanceof StitchError && e.code === 'NOT_TIFF' && e.message.includes(junk),
    );
    await assert.rejects(
      checkCogLayout(join(dir, 'absent.tif')),
      (e: unknown) => e instanceof StitchError && e.code === 'NOT_FOUND',
    );
    const truncated = join(dir, 'truncated.tif');
    writeFileSync(truncated, Buffer.from([0x49, 0x49, 42, 0, 0, 1, 0, 0]));
    await assert.rejects(checkCogLayout(truncated), (e: unknown) => e instanceof StitchError && e.code === 'TRUNCATED');
  });
});
