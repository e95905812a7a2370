/**
 * Kill test for builds: a helper process rebuilds the same catalog file in a loop and is SIGKILLed at
 * ≥ 20 seeded random points inside `build`. After each kill the file is absent (first build) or one
 * complete build, never an earlier build than the last committed one; the next build leaves no temp
 * file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { openCatalog } from '../../src/catalog/open.js';
import { runAndKill } from './kill-harness.js';
import { batch } from './kill-child.js';

const CHILD = join(import.meta.dirname, 'kill-child.ts');
const N = 5;

async function batchOf(out: string): Promise<number | null> {
  if (!existsSync(out)) return null;
  const cat = await openCatalog(out);
  const ids: string[] = [];
  try {
    for await (const r of cat.rows()) ids.push(r.id);
  } finally {
    await cat.close();
  }
  const ks = new Set(ids.map((id) => Number(/^b(\d+)-/.exec(id)![1])));
  assert.equal(ks.size, 1, `the file mixes builds ${[...ks].join(', ')}`);
  assert.equal(new Set(ids).size, N, `the file holds ${ids.length} rows, ${new Set(ids).size} distinct; expected ${N}`);
  return [...ks][0];
}

test('build killed at seeded random points: the output is the old or the new catalog, no leftovers', {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-kill-build-'));
  const out = join(dir, 'catalog.parquet');
  const rng = seedrandom('kill-build');
  let kills = 0;
  let lastCommitted: number | null = null;
  let next = 0;
  try {
    for (let round = 0; round < 60 && kills < 20; round++) {
      const out1 = await runAndKill(CHILD, ['build', out, String(next), String(N)], 'build', Math.floor(rng() * 200));
      if (out1.killedIn === 'build') kills++;
      const done = out1.committed.get('build') ?? [];
      if (done.length) lastCommitted = done[done.length - 1];
      const begun = out1.lines.filter((l) => l.startsWith('begin build ')).length;
      const k = await batchOf(out);
      if (lastCommitted !== null) {
        assert.ok(
          k !== null && k >= lastCommitted,
          `after a kill the file holds build ${k}, older than committed ${lastCommitted}`,
        );
      }
      if (k !== null) assert.ok(k < next + begun, `build ${k} never began`);
      next += Math.max(1, begun);
    }
    assert.ok(kills >= 20, `kills inside build: ${kills}`);
    const r = await buildCatalogFromTable(batch(next, N), { out, progress: false });
    await r.catalog.close();
    assert.equal(await batchOf(out), next);
    for (const name of readdirSync(dir)) assert.doesNotMatch(name, /\.(tmp|partial)-|\.wal$/, `temp file ${name} left`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
