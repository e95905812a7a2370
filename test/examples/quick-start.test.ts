import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import { ensureSampleArchive } from '../../examples/sample-archive.js';
import { outputDir, runExampleOutput } from './run-example.js';

/**
 * Builds the demo's catalog of the sample archive (what `npm run demo` writes to
 * `demo-output/catalog.parquet`) into `dir` and returns its path and the July scene count from the file
 * names (the oracle for the quick start's query).
 */
export async function demoCatalog(dir: string): Promise<{ path: string; julyScenes: number; scenes: number }> {
  const archive = await ensureSampleArchive();
  const path = join(dir, 'catalog.parquet');
  const { catalog } = await buildRasterCatalog(archive.scenes, {
    out: path,
    filenameRegex: /_(?<date>\d{8})\.tif$/,
    dateFormat: 'YYYYMMDD',
    cogHeaders: true,
    progress: false,
  });
  await catalog.close();
  return {
    path,
    julyScenes: archive.scenes.filter((s) => /_202407\d\d\.tif$/.test(s)).length,
    scenes: archive.scenes.length,
  };
}

/** Checks the quick start's output: the July count, and 48 slices as 64x64x4 chips in batches of 16, or skipped. */
export function assertQuickStartOutput(stdout: string, stderr: string, julyScenes: number, scenes: number): void {
  assert.match(stdout, new RegExp(`^${julyScenes} of ${scenes} scenes in July 2024$`, 'm'));
  const shapes = [...stdout.matchAll(/^batch \d+: shape \[(\d+), (\d+), (\d+), (\d+)\]$/gm)].map((m) =>
    m.slice(1).map(Number),
  );
  assert.ok(shapes.length >= 3, stdout);
  for (const [n, c, h, w] of shapes) {
    assert.deepEqual([c, h, w], [4, 64, 64]);
    assert.ok(n >= 1 && n <= 16);
  }
  const loaded = shapes.reduce((a, s) => a + s[0], 0);
  const skipped = [...stderr.matchAll(/^skipped: no pixels for slice/gm)].length;
  assert.equal(loaded + skipped, 48, `${loaded} chips loaded + ${skipped} skipped (no-data corner)\n${stderr}`);
}

test('examples/quick-start.ts (the README quick start) loads 48 random chips of the July scenes of the demo catalog', async () => {
  const { path, julyScenes, scenes } = await demoCatalog(outputDir('quick-start'));
  assert.equal(julyScenes, 6);
  const { stdout, stderr } = runExampleOutput('quick-start', path);
  assertQuickStartOutput(stdout, stderr, julyScenes, scenes);
});
