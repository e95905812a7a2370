/**
 * Kill test for the stitcher: a helper process stitches (spilling its accumulator to a scratch
 * directory) and writes the prediction + uncertainty COGs and their predictions catalog in one
 * commit, in a loop, and is SIGKILLed at ≥ 20 seeded random points inside the stitch. After each kill,
 * `geoslice clean` (or the next stitch) leaves all three files from the same run (or none before the
 * first commit) and no temp file in the output or scratch directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { openRaster } from '../../src/loaders/raster.js';
import { openCatalog } from '../../src/catalog/open.js';
import { runCli } from '../../src/cli/main.js';
import { runAndKill } from './kill-harness.js';
import { killStitcher, stitchRun } from './kill-child.js';

const CHILD = join(import.meta.dirname, 'kill-child.ts');

async function valueAt(path: string, band: number): Promise<number> {
  const r = await openRaster(path);
  try {
    const w = await r.readWindow(0, 100, 100, 1, 1, [band]);
    return Number(w.data[0][0]);
  } finally {
    await r.close();
  }
}

/** The run whose pair is in place (null: none), checking that both files come from it. */
async function runInPlace(pred: string, unc: string): Promise<number | null> {
  const rows = `${pred}.parquet`;
  assert.equal(existsSync(pred), existsSync(unc), 'only one file of the pair exists');
  assert.equal(existsSync(pred), existsSync(rows), 'the raster and its catalog rows are not both there');
  if (!existsSync(pred)) return null;
  const cat = await openCatalog(rows);
  const [m] = await cat.aggregate('SELECT any_value(model_id) AS m FROM catalog');
  await cat.close();
  const k = (await valueAt(pred, 0)) / 2;
  const st = killStitcher(tmpdir());
  const names = st.uncertaintyBands;
  st.close();
  const varianceBand = names.indexOf('variance');
  assert.ok(varianceBand >= 0, `uncertainty bands: ${names.join(', ')}`);
  assert.equal(await valueAt(unc, varianceBand), k * k, `prediction of run ${k}, uncertainty of another run`);
  assert.equal(m.m, `run-${k}`, `raster of run ${k}, catalog rows of ${String(m.m)}`);
  return k;
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.(tmp|partial|commit)-|^geoslice-/.test(n));
}

test('stitch killed at seeded random points: the output pair is consistent, no temp files after clean', {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-kill-stitch-'));
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  const pred = join(dir, 'pred.tif');
  const unc = join(dir, 'pred_uncertainty.tif');
  const rng = seedrandom('kill-stitch');
  let kills = 0;
  let next = 1;
  let lastCommitted: number | null = null;
  const io = { stdout: () => undefined, stderr: () => undefined };
  try {
    for (let round = 0; round < 60 && kills < 20; round++) {
      const out = await runAndKill(CHILD, ['stitch', pred, String(next), scratch], 'stitch', Math.floor(rng() * 400));
      if (out.killedIn === 'stitch') kills++;
      const done = out.committed.get('stitch') ?? [];
      if (done.length) lastCommitted = done[done.length - 1];
      const begun = out.lines.filter((l) => l.startsWith('begin stitch ')).length;
      assert.equal(await runCli(['clean', dir], io), 0);
      assert.equal(await runCli(['clean', scratch], io), 0);
      const k = await runInPlace(pred, unc);
      if (lastCommitted !== null)
        assert.ok(k !== null && k >= lastCommitted, `run ${k} in place, ${lastCommitted} committed`);
      if (k !== null) assert.ok(k < next + begun, `run ${k} never began`);
      assert.deepEqual(
        leftovers(dir).filter((n) => n !== 'scratch'),
        [],
      );
      assert.deepEqual(leftovers(scratch), []);
      next += Math.max(1, begun);
    }
    assert.ok(kills >= 20, `kills inside stitch: ${kills}`);
    // A later stitch (without clean) also leaves nothing behind.
    await stitchRun(next, pred, scratch);
    assert.equal(await runInPlace(pred, unc), next);
    assert.deepEqual(leftovers(scratch), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
