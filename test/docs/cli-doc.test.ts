import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Command } from 'commander';
import { program } from '../../src/cli/main.js';

test('docs/cli.md lists every command and every flag', () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const missing: string[] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      const p = [...path, sub.name()];
      if (sub.commands.length === 0) {
        const section = doc.split(/^### /m).find((s) => s.startsWith(`\`geoslice ${p.join(' ')}`));
        if (!section) missing.push(`geoslice ${p.join(' ')}`);
        for (const o of sub.options)
          if (!section?.includes(`\`${o.flags.replaceAll('|', '\\|')}\``))
            missing.push(`geoslice ${p.join(' ')} ${o.long}`);
      }
      walk(sub, p);
    }
  };
  walk(program({ stdout: () => {}, stderr: () => {} }), []);
  assert.deepEqual(missing, [], 'add them to docs/cli.md (the tables follow each command --help)');
});
