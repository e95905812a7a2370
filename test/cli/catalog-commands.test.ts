import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { openCatalog } from '../../src/catalog/open.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cog = fileURLToPath(new URL('../fixtures/build/', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/run.ts'), ...args], {
    encoding: 'utf8',
    cwd: repo,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('catalog build, inspect, query, union, intersect, stats, optimize and map produce the files and rows they report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-cli-'));
  const cat = join(dir, 'c.parquet');
  const built = cli('--json', 'catalog', 'build', cog, '--out', cat, '--on-error', 'skip');
  assert.equal(built.code, 0, built.err);
  const n = JSON.parse(built.out).rows as number;
  assert.ok(n >= 2);
  const c = await openCatalog(cat);
  assert.equal(await c.count(), n);
  const bounds = (await c.bounds())!;
  await c.close();

  const inspect = JSON.parse(cli('--json', 'catalog', 'inspect', cat).out);
  assert.equal(inspect.rows, n);

  const all = join(dir, 'q.parquet');
  const q = cli('--json', 'catalog', 'query', cat, '--aoi', bounds.join(','), '--out', all);
  assert.equal(q.code, 0, q.err);
  assert.equal(JSON.parse(q.out).rows, n);

  const u = join(dir, 'u.parquet');
  assert.equal(JSON.parse(cli('--json', 'catalog', 'union', cat, cat, '--out', u).out).rows, 2 * n);
  const u2 = await openCatalog(u);
  assert.equal(await u2.count(), 2 * n);
  await u2.close();

  const i = join(dir, 'i.parquet');
  const inter = cli('--json', 'catalog', 'intersect', cat, cat, '--spatial-only', '--out', i);
  assert.equal(inter.code, 0, inter.err);
  assert.ok(JSON.parse(inter.out).rows >= n, 'each row intersects itself');

  const stats = JSON.parse(cli('--json', 'catalog', 'stats', cat, '--by', 'crs').out) as { n: number }[];
  assert.equal(
    stats.reduce((s, r) => s + Number(r.n), 0),
    n,
  );

  const o = join(dir, 'o.parquet');
  assert.equal(cli('catalog', 'optimize', cat, '--out', o).code, 0);
  assert.ok(existsSync(o));

  const png = join(dir, 'map.png');
  const m = cli('--json', 'catalog', 'map', cat, '--out', png, '--width', '200');
  assert.equal(m.code, 0, m.err);
  const img = PNG.sync.read(readFileSync(png));
  assert.equal(img.width, 200);
  let opaque = 0;
  for (let k = 3; k < img.data.length; k += 4) if (img.data[k] === 255) opaque++;
  assert.ok(opaque > 0, 'footprints are drawn');
});

test('bad input gives one line on stderr and exit code 2', () => {
  for (const args of [
    ['catalog', 'inspect', '/nonexistent/x.parquet'],
    ['catalog', 'query', 'x.parquet'],
    ['catalog', 'nope'],
    ['catalog', 'query', '/nonexistent/x.parquet', '--aoi', 'not-a-box', '--out', '/tmp/x.parquet'],
  ]) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.ok(!/\n\s+at /.test(r.err), `no stack trace: ${r.err}`);
  }
});
