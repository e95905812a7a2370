/**
 * TSDoc `@example`s: only on entry points (scripts/tsdoc-examples.ts), and each ```ts block compiles
 * as a program of its own against the package's types (`geoslice` and its subpaths resolve to src/).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { examplesOf, isEntryPointExample, sourceFiles } from '../../scripts/tsdoc-examples.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const examples = sourceFiles().flatMap(examplesOf);
const where = (e: { file: string; line: number; owner: string }) => `${relative(repo, e.file)}:${e.line} (${e.owner})`;

test('@example blocks are on entry points only', () => {
  const stray = examples.filter((e) => !isEntryPointExample(e)).map(where);
  assert.deepEqual(
    stray,
    [],
    'keep @examples where they teach: run `npm run tsdoc:prune`, or add the entry point to ENTRY_POINTS in scripts/tsdoc-examples.ts',
  );
});

test('every ```ts @example compiles against the package types', () => {
  const ts = examples.filter((e) => e.lang === 'ts');
  assert.ok(ts.length >= 20, `${ts.length} examples`);
  const dir = mkdtempSync(join(tmpdir(), 'gs-tsdoc-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const files = ts.map((e, i) => {
    const name = `example-${i}.ts`;
    writeFileSync(join(dir, name), `// ${where(e)}\n${e.code}\nexport {};\n`);
    return name;
  });
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules/@types')],
        paths: {
          geoslice: [join(repo, 'src/index.ts')],
          'geoslice/*': [join(repo, 'src/*/index.ts')],
          '@tensorflow/tfjs': [join(repo, 'node_modules/@tensorflow/tfjs/dist/index.d.ts')],
        },
      },
      files,
    }),
  );
  const r = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir], {
    encoding: 'utf8',
  });
  const errors = r.stdout.replace(/example-(\d+)\.ts/g, (_m, i) => where(ts[Number(i)]));
  assert.equal(r.status, 0, `@examples that do not compile:\n${errors}`);
});
