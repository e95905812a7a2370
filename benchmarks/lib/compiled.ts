import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How this process runs the benchmarks and the library: `compiled` (plain node on compiled JavaScript, as users run the package) or `tsx`. */
export const RUNTIME: 'compiled' | 'tsx' = import.meta.url.endsWith('.ts') ? 'tsx' : 'compiled';

/** A runtime (this process's by default) in words, for a benchmark's lines. */
export function describeRuntime(runtime: 'compiled' | 'tsx' = RUNTIME): string {
  return runtime === 'tsx' ? 'under tsx' : 'compiled JavaScript on plain node';
}

/**
 * Compiles the library (all of `src/`, worker entries too), `benchmarks/lib` and the benchmark
 * `entry` (an absolute `.ts` path) to JavaScript under `.cache/` with the project's `tsc`, so that
 * the benchmark runs as users run the package: plain `node` on compiled code, not tsx's transform
 * (which also loads a loader thread into every process and worker). Returns the compiled entry and
 * the folder to remove afterwards.
 */
export function compileForNode(entry: string): { entry: string; dir: string } {
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const out = mkdtempSync(join(ROOT, '.cache', 'bench-build-'));
  const tsconfig = join(out, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: ROOT, outDir: out, declaration: false, sourceMap: false },
      include: [join(ROOT, 'src'), join(ROOT, 'benchmarks/lib'), entry],
    }),
  );
  run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig]);
  symlinkSync(join(ROOT, 'data'), join(out, 'data')); // the CRS tables, found at ../../data from src/geo/
  return { entry: join(out, relative(ROOT, entry).replace(/\.ts$/, '.js')), dir: out };
}
