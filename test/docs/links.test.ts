import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...['ARCHITECTURE', 'catalog-schema', 'cli', 'errors', 'performance'].map((p) => `docs/${p}.md`),
];

test('the README links only inside the repository', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const outside = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]).filter((l) => /^[a-z]+:|^\/|\.\.\//.test(l));
  assert.deepEqual(outside, []);
  assert.doesNotMatch(readme, /DESIGN\.md|\.\.\/shared/);
});

test('relative links of the docs point at files that exist', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(repo, page), 'utf8');
    for (const [, link] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(link)) continue;
      if (!existsSync(join(repo, dirname(page), link))) broken.push(`${page}: ${link}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README quick start is examples/quick-start.ts (from its first import)', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const example = readFileSync(join(repo, 'examples/quick-start.ts'), 'utf8');
  const code = example.slice(example.indexOf('import {')).trim();
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1].trim();
  assert.equal(block, code, 'copy examples/quick-start.ts into the README quick start');
});
