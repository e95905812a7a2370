/**
 * The import-cycle check is Biome's `noImportCycles` rule, configured in biome.json and run by
 * `npm run lint`. These tests run Biome with the repository's rule settings on small module graphs,
 * so the check is known to fail on a cycle (also one made of type-only or dynamic imports) and to pass
 * on a graph without one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const biome = join(root, 'node_modules/.bin/biome');
const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
const rule = config.linter.rules.suspicious.noImportCycles;

/** Runs the cycle rule, with the repository's settings, over `files` written to a temporary folder. */
function checkCycles(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-cycles-'));
  try {
    writeFileSync(
      join(dir, 'biome.json'),
      JSON.stringify({ linter: { rules: { suspicious: { noImportCycles: rule } } } }),
    );
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync(biome, ['lint', '--only=suspicious/noImportCycles', '--max-diagnostics=none', '.'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('npm run lint runs biome check, which applies the cycle rule as an error', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.match(pkg.scripts.lint, /^biome check \./);
  assert.equal(rule.level, 'error');
  assert.equal(rule.options.ignoreTypes, false);
});

test('a cycle of value imports fails the check and names both files', () => {
  const r = checkCycles({
    'a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
    'b.ts': "import { a } from './a.js';\nexport const b = () => a();\n",
  });
  assert.notEqual(r.status, 0, r.output);
  assert.match(r.output, /noImportCycles/);
  assert.match(r.output, /a\.ts/);
  assert.match(r.output, /b\.ts/);
});

test('type-only and dynamic imports close a cycle too', () => {
  const typeOnly = checkCycles({
    'a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
    'b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
  });
  assert.notEqual(typeOnly.status, 0, typeOnly.output);
  const dynamic = checkCycles({
    'a.ts': "export const a = async () => (await import('./b.js')).b;\n",
    'b.ts': "import { a } from './a.js';\nexport const b = a;\n",
  });
  assert.notEqual(dynamic.status, 0, dynamic.output);
});

test('a graph without a cycle passes', () => {
  const r = checkCycles({
    'a.ts': "import { b } from './b.js';\nexport const a = () => b();\n",
    'b.ts': "import type { C } from './c.js';\nexport const b = (): C => 1;\n",
    'c.ts': 'export type C = number;\n',
  });
  assert.equal(r.status, 0, r.output);
});
