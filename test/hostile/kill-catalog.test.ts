/**
 * Kill tests for catalog directories: a helper process appends and compacts in a loop and is
 * SIGKILLed at seeded random points inside `append` (≥ 20) and inside `compact` (≥ 20). After each
 * kill the directory, reopened, holds every committed batch exactly once, no duplicate row and no
 * partial batch; after the next run no temp file, orphan shard or lock is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import seedrandom from 'seedrandom';
import { appendToCatalog, compactCatalog, listShards } from '../../src/catalog/builders/catalog-dir.js';
import { readManifest } from '../../src/catalog/dir-manifest.js';
import { openCatalog } from '../../src/catalog/open.js';
import { runAndKill } from './kill-harness.js';
import { batch } from './kill-child.js';

const CHILD = join(import.meta.dirname, 'kill-child.ts');
const N = 5;
const KILLS = 20;

async function batchesIn(dir: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (listShards(dir).length === 0) return counts;
  const cat = await openCatalog(dir);
  const seen = new Set<string>();
  try {
    for await (const r of cat.rows()) {
      assert.ok(!seen.has(r.id), `row ${r.id} is visible twice`);
      seen.add(r.id);
      const k = Number(/^b(\d+)-/.exec(r.id)![1]);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  } finally {
    await cat.close();
  }
  return counts;
}

test('append and compact killed at seeded random points: no duplicate, no lost row, no leftovers', {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-kill-catalog-'));
  const rng = seedrandom('kill-catalog');
  const kills = { append: 0, compact: 0 };
  const committed = new Set<number>();
  let next = 0;
  try {
    for (let round = 0; round < 120 && (kills.append < KILLS || kills.compact < KILLS); round++) {
      const target = kills.append <= kills.compact ? 'append' : 'compact';
      const delay = Math.floor(rng() * 250);
      const out = await runAndKill(CHILD, ['catalog', dir, String(next), String(N)], target, delay);
      if (out.killedIn === 'append' || out.killedIn === 'compact') kills[out.killedIn]++;
      for (const k of out.committed.get('append') ?? []) committed.add(k);
      const begun = out.lines.filter((l) => l.startsWith('begin append ')).map((l) => Number(l.split(' ')[2]));
      const counts = await batchesIn(dir);
      for (const [k, c] of counts) {
        assert.equal(c, N, `batch ${k} is partly visible (${c} of ${N} rows) after a kill in ${out.killedIn}`);
        assert.ok(k < next + begun.length, `batch ${k} was never appended`);
      }
      for (const k of committed)
        assert.ok(counts.has(k), `committed batch ${k} was lost after a kill in ${out.killedIn}`);
      next += Math.max(1, begun.length);
    }
    assert.ok(kills.append >= KILLS && kills.compact >= KILLS, `kills landed: ${JSON.stringify(kills)}`);

    // The next run completes or rolls back what the killed ones left, and leaves nothing behind.
    await appendToCatalog(dir, { table: batch(next, N) }, { progress: false });
    committed.add(next);
    await compactCatalog(dir);
    const counts = await batchesIn(dir);
    for (const k of committed) assert.equal(counts.get(k), N);
    const names = readdirSync(dir);
    const listed = new Set((readManifest(dir) ?? []).map((s) => basename(s)));
    for (const name of names) {
      assert.doesNotMatch(name, /\.(tmp|partial)-|\.wal$/, `temp file ${name} left behind`);
      if (name.endsWith('.parquet')) assert.ok(listed.has(name), `orphan shard ${name} left behind`);
    }
    assert.equal(listed.size, 1, 'compaction leaves one shard');
    assert.ok(!existsSync(join(dir, '.geoslice.lock')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
