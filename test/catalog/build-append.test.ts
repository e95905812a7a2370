import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  appendToCatalog,
  compactCatalog,
  listShards,
  optimizeCatalog,
} from '../../src/catalog/builders/catalog-dir.js';
import { acquireLock } from '../../src/catalog/builders/lock.js';
import { openCatalog } from '../../src/catalog/open.js';
import { BuildError } from '../../src/errors.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';

const CHILD = fileURLToPath(new URL('./build-append-child.ts', import.meta.url));
const RASTERS = fileURLToPath(new URL('../fixtures/build/rasters/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gs-append-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const records = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    datetime: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    geometry: bboxToPolygon([i % 170, -10, (i % 170) + 1, -9]),
    assets: { B04: `${prefix}-${i}.tif` },
  }));

function child(
  dir: string,
  prefix: string,
  n: number,
  holdMs = 0,
): { done: Promise<number>; pid: number; kill: () => void } {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, prefix, String(n), String(holdMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const done = new Promise<number>((res, rej) =>
    p.on('exit', (code, sig) =>
      code === 0 ? res(0) : sig ? res(-1) : rej(new Error(`child ${prefix} failed (${code}): ${err}`)),
    ),
  );
  return { done, pid: p.pid!, kill: () => p.kill('SIGKILL') };
}

async function ids(source: string): Promise<string[]> {
  const cat = await openCatalog(source);
  try {
    const out: string[] = [];
    for await (const r of cat.rows()) out.push(r.id);
    return out.sort();
  } finally {
    await cat.close();
  }
}

test('concurrent appends from several processes and in-process calls never lose a shard', async () => {
  const dir = join(tmp, 'concurrent');
  const procs = [child(dir, 'p1', 300), child(dir, 'p2', 300)];
  const local = [
    appendToCatalog(dir, { table: records('l1', 200) }, { progress: false }),
    appendToCatalog(dir, { table: records('l2', 200) }, { progress: false }),
  ];
  const results = await Promise.all(local);
  await Promise.all(procs.map((p) => p.done));
  for (const r of results) await r.catalog.close();
  assert.equal(listShards(dir).length, 4);
  const all = await ids(dir);
  assert.equal(all.length, 1000);
  assert.equal(new Set(all).size, 1000);
  assert.ok(!existsSync(join(dir, '.geoslice.lock')), 'lock released');
});

test('appending raster files adds a shard next to the table shards; compaction merges them sorted', async () => {
  const dir = join(tmp, 'mixed');
  await (await appendToCatalog(dir, { table: records('t', 50) }, { progress: false })).catalog.close();
  const r = await appendToCatalog(dir, { files: RASTERS }, { progress: false, workers: 0, cogHeaders: true });
  await r.catalog.close();
  assert.equal(r.rows, 4);
  const before = await ids(dir);
  assert.equal(before.length, 54);
  const { merged, shard } = await compactCatalog(dir);
  assert.equal(merged, 2);
  assert.deepEqual(listShards(dir), [shard]);
  assert.deepEqual(await ids(dir), before);
  assert.deepEqual(await compactCatalog(dir), { merged: 0, shard });
  // optimize into a single sorted file
  const out = join(tmp, 'optimized.parquet');
  await optimizeCatalog(dir, out, { rowGroupSize: 10 });
  assert.deepEqual(await ids(out), before);
});

test('a killed append leaves the catalog as it was and its stale lock is taken over', async () => {
  const dir = join(tmp, 'killed');
  await (await appendToCatalog(dir, { table: records('base', 20) }, { progress: false })).catalog.close();
  const shardsBefore = listShards(dir);
  // the child holds the lock while it waits before its last record; kill it then
  const c = child(dir, 'doomed', 50, 30_000);
  const lockFile = join(dir, '.geoslice.lock');
  for (
    let i = 0;
    i < 600 && !(existsSync(lockFile) && JSON.parse(readFileSync(lockFile, 'utf8') || '{}').pid === c.pid);
    i++
  )
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(lockFile), 'the child took the lock');
  c.kill();
  await c.done;
  assert.deepEqual(listShards(dir), shardsBefore, 'no new (or half-written) shard visible');
  assert.equal((await ids(dir)).length, 20);
  // the dead holder's lock is stale: the next append proceeds
  const next = await appendToCatalog(dir, { table: records('after', 5) }, { progress: false, lock: { waitMs: 5_000 } });
  await next.catalog.close();
  assert.equal((await ids(dir)).length, 25);
});

test('a live lock makes other writers wait, then fail with LOCKED naming the holder; old locks are stale', async () => {
  const dir = join(tmp, 'locked');
  mkdirSync(dir, { recursive: true });
  const held = await acquireLock(dir);
  await assert.rejects(
    appendToCatalog(dir, { table: records('x', 1) }, { progress: false, lock: { waitMs: 300 } }),
    (e: unknown) => e instanceof BuildError && e.code === 'LOCKED' && e.message.includes(`process ${process.pid}`),
  );
  await held.release();
  await held.release();
  // a lock file from another host that was not refreshed for longer than staleMs is taken over
  writeFileSync(
    join(dir, '.geoslice.lock'),
    JSON.stringify({ pid: 1, host: 'elsewhere', token: 't', since: '2020-01-01T00:00:00Z' }),
  );
  await assert.rejects(
    acquireLock(dir, { waitMs: 200, staleMs: 60_000 }),
    (e: unknown) => e instanceof BuildError && e.code === 'LOCKED' && e.message.includes('elsewhere'),
  );
  await new Promise((r) => setTimeout(r, 120));
  const taken = await acquireLock(dir, { waitMs: 1_000, staleMs: 100 });
  assert.equal(JSON.parse(readFileSync(taken.path, 'utf8')).pid, process.pid);
  await taken.release();
  assert.deepEqual(readdirSync(dir), []);
});

test('bad appends are typed errors and leave the directory unchanged', async () => {
  const dir = join(tmp, 'bad');
  await (await appendToCatalog(dir, { table: records('ok', 3) }, { progress: false })).catalog.close();
  const shards = listShards(dir);
  await assert.rejects(
    appendToCatalog(
      dir,
      { table: [{ id: 'x', datetime: '2024-01-01', geometry: null, assets: { a: 'a.tif' } }] },
      { progress: false },
    ),
    (e: unknown) => e instanceof BuildError && e.code === 'NO_GEOMETRY',
  );
  await assert.rejects(
    appendToCatalog(dir, { files: [join(tmp, 'none.tif')] }, { progress: false, workers: 0 }),
    (e: unknown) => e instanceof BuildError && e.code === 'UNREADABLE',
  );
  await assert.rejects(
    appendToCatalog(dir, {} as never),
    (e: unknown) => e instanceof BuildError && e.code === 'BAD_OPTION',
  );
  assert.deepEqual(listShards(dir), shards);
  assert.ok(!existsSync(join(dir, '.geoslice.lock')));
  await assert.rejects(
    compactCatalog(join(tmp, 'nope')),
    (e: unknown) => e instanceof BuildError && e.code === 'NOT_FOUND',
  );
});
