/**
 * The CLI speaks in flags, lists what it skips, prints its version and has --help on every command.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Command } from 'commander';
import { program, runCli } from '../../src/cli/main.js';

const fixtures = fileURLToPath(new URL('../fixtures/build/', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const dir = mkdtempSync(join(tmpdir(), 'gs-cli-messages-'));

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

test('--version prints the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await cli(flag);
    assert.deepEqual([r.code, r.out], [0, `${pkg.version}\n`]);
  }
});

test('every command has --help, naming its full command path', async () => {
  const paths: string[][] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      paths.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program({ stdout: () => {}, stderr: () => {} }), []);
  assert.ok(paths.length >= 13, `commands: ${paths.map((p) => p.join(' ')).join(', ')}`);
  for (const path of paths) {
    const r = await cli(...path, '--help');
    assert.equal(r.code, 0, `${path.join(' ')} --help: ${r.err}`);
    assert.match(r.out, new RegExp(`^Usage: geoslice ${path.join(' ')} `), path.join(' '));
  }
});

test('a build error names the flag (--on-error skip), not the API option (onError)', async () => {
  const r = await cli('catalog', 'build', join(fixtures, 'bad/not_a_tiff.tif'), '--out', join(dir, 'bad.parquet'));
  assert.equal(r.code, 2);
  assert.match(r.err, /^geoslice: .*not_a_tiff\.tif.*--on-error skip.*\n$/);
  assert.doesNotMatch(r.err, /onError/);
});

test('a sampler option error names the flag', async () => {
  const cat = join(dir, 'rasters.parquet');
  assert.equal((await cli('catalog', 'build', join(fixtures, 'rasters'), '--out', cat)).code, 0);
  const r = await cli(
    'sample',
    cat,
    '--sampler',
    'random',
    '--size',
    '8',
    '--length',
    '-1',
    '--out',
    join(dir, 's.parquet'),
  );
  assert.equal(r.code, 2);
  assert.match(r.err, /^geoslice: --length is -1; /);
});

test('skipped inputs are listed with their reasons on stderr, and in the --json result', async () => {
  const r = await cli('--json', 'catalog', 'build', fixtures, '--out', join(dir, 'skip.parquet'), '--on-error', 'skip');
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out) as { rows: number; skipped: { input: string; code: string; message: string }[] };
  const bad = ['no_georef.tif', 'not_a_tiff.tif', 'truncated.tif'];
  assert.deepEqual(res.skipped.map((s) => s.input.split('/').pop()).sort(), bad);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, bad.length, r.err);
  for (const s of res.skipped) {
    assert.ok(
      lines.includes(`geoslice: skipped ${s.input} (${s.code}): ${s.message.split('\n')[0]}`),
      `${s.input} is listed: ${r.err}`,
    );
  }
  const text = await cli('catalog', 'build', fixtures, '--out', join(dir, 'skip2.parquet'), '--on-error', 'skip');
  assert.match(text.out, /^\d+ rows -> .* \(3 skipped, listed above\)\n$/);
  assert.equal(text.err.trim().split('\n').length, 3);
});

test('with --json an error is also one JSON line on stdout', async () => {
  const r = await cli('--json', 'catalog', 'inspect', join(dir, 'missing.parquet'));
  assert.equal(r.code, 2);
  const { error } = JSON.parse(r.out) as { error: { code: string; message: string; subject: string } };
  assert.equal(error.code, 'NOT_FOUND');
  assert.equal(`geoslice: ${error.message}\n`, r.err);
});
