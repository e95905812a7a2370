/**
 * Helpers for running the README quick start (examples/quick-start.ts) against the demo catalog, from
 * the repository (test/examples/quick-start.test.ts) and from the installed package (test/package/pack.test.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import { ensureSampleArchive } from '../../examples/sample-archive.js';

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

/** Checks the quick start's output: the July count, and up to 48 slices as 64x64x4 chips in batches of at most 16. */
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
  const batched = shapes.reduce((a, s) => a + s[0], 0);
  const stats = /^(\d+) chips loaded, (\d+) empty ones skipped$/m.exec(stdout);
  assert.ok(stats, stdout);
  const [loaded, skipped] = [Number(stats[1]), Number(stats[2])];
  assert.equal(loaded, 48, `every slice loads (no error, no onError workaround)\n${stderr}`);
  assert.equal(batched + skipped, 48, `${batched} chips batched + ${skipped} empty skipped (no-data corner)`);
}
