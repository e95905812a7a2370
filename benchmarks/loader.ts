/**
 * Every loader figure of issue 14 in one run: `loader-cold.ts` (windows of one big COG: cold
 * single-tile, multi-tile, warm, warped, ZSTD, LZW, HTTP loopback; raw reader, createLoader,
 * loadSlice, rasterio) and then `loader-e2e.ts` (random batches over 40 COGs in two UTM zones against
 * a rasterio loop and TorchGeo, with peak RSS), each in a child process with its own output, then
 * all goal lines of both together, with the loader settings they ran with.
 *
 *   npx tsx benchmarks/loader.ts [--chips 300] [--e2e-chips 256] [--rounds 3] [--concurrency 8]
 *                                [--cache .cache/bench-e2e] [--profile]
 *   npm run bench:loader -- --chips 100
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, describeGoal, type Goal } from './lib/index.js';

const args = benchArgs({ chips: 300, 'e2e-chips': 256, rounds: 3, concurrency: 8 }, { cache: '.cache/bench-e2e' }, [
  'profile',
]);
const started = performance.now();
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const tmp = mkdtempSync(join(tmpdir(), 'geoslice-bench-loader-'));

/** Runs one benchmark script with its output shown as it comes; returns its goals and notes. */
function bench(script: string, extra: string[]): { goals: Goal[]; notes: string[] } {
  const summary = join(tmp, `${script}.json`);
  const common = ['--rounds', String(args.rounds), '--concurrency', String(args.concurrency), '--summary', summary];
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL(`./${script}`, import.meta.url)),
      ...common,
      ...extra,
      ...(args.profile ? ['--profile'] : []),
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status ?? r.signal})`);
  return JSON.parse(readFileSync(summary, 'utf8')) as { goals: Goal[]; notes: string[] };
}

try {
  console.log(`benchmarks/loader: ${availableParallelism()} cores, load average ${load()}\n`);
  const cold = bench('loader-cold.ts', ['--chips', String(args.chips)]);
  console.log('');
  const e2e = bench('loader-e2e.ts', ['--chips', String(args['e2e-chips']), '--cache', args.cache]);
  console.log(`\n=== issue 14: all goals (${availableParallelism()} cores, load average now ${load()}) ===`);
  for (const g of [...cold.goals, ...e2e.goals]) console.log(describeGoal(g));
  console.log('');
  for (const n of [...cold.notes, ...e2e.notes]) console.log(`  ${n}`);
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
