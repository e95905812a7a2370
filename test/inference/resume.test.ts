/**
 * Kill and resume: `geoslice predict` is killed with SIGKILL at seeded random points (after a random
 * number of journaled batches, plus a random delay), resumed with --resume, and its outputs must be
 * byte-identical to an uninterrupted run's.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';
import { buildTinyOnnx, onnxBuilderMissing } from '../fixtures/inference/tiny-onnx.js';
import { writeScene } from '../fixtures/inference/scene.js';

const CLI = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gs-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function predict(out: string, model: string, scene: string, extra: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      '--json',
      'predict',
      scene,
      '--model',
      model,
      '--out',
      out,
      '--tile',
      '64',
      '--overlap',
      '16',
      '--batch',
      '2',
      '--threads',
      '1',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } },
  );
}

function finished(
  p: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  p.stdout?.on('data', (d) => (stdout += d));
  p.stderr?.on('data', (d) => (stderr += d));
  return new Promise((ok) => p.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
}

/** Kills `p` with SIGKILL once the journal holds at least `bytes` bytes, then after `delayMs` more. */
async function killWhenJournal(p: ChildProcess, journal: string, bytes: number, delayMs: number): Promise<void> {
  const done = finished(p);
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited && !(existsSync(journal) && statSync(journal).size >= bytes))
    await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setTimeout(r, delayMs));
  p.kill('SIGKILL');
  const r = await done;
  assert.equal(r.signal, 'SIGKILL', `the run ended before it was killed: ${r.stderr}`);
}

test('predict killed with SIGKILL at seeded random points resumes to byte-identical outputs', {
  skip: onnxBuilderMissing,
}, async () => {
  const { nchw } = buildTinyOnnx();
  const scene = writeScene(dir).path;
  const full = join(dir, 'full.tif');
  const ref = await finished(predict(full, nchw, scene));
  assert.equal(ref.code, 0, ref.stderr);
  const total = JSON.parse(ref.stdout).chips as number;
  assert.equal(total, 36);
  const record = 24 + 2 * 3 * 64 * 64 * 4 + 4; // record head + 2 chips of [3, 64, 64] float32 + CRC
  const rng = seedrandom('kill-points');
  for (let round = 0; round < 3; round++) {
    const out = join(dir, `killed-${round}.tif`);
    const journal = `${out}.resume`;
    const batches = 1 + Math.floor(rng() * 16); // of 18
    await killWhenJournal(predict(out, nchw, scene), journal, 400 + batches * record, Math.floor(rng() * 40));
    assert.ok(existsSync(journal), 'the killed run left its journal');
    assert.ok(!existsSync(out), 'the killed run left no output');
    const again = await finished(predict(out, nchw, scene, ['--resume']));
    assert.equal(again.code, 0, again.stderr);
    const res = JSON.parse(again.stdout);
    assert.ok(
      res.resumedChips > 0 && res.resumedChips <= total,
      `round ${round}: resumed ${res.resumedChips} of ${total}`,
    );
    assert.ok(!existsSync(journal), 'the journal is gone after the resumed run');
    for (const [a, b] of [
      [full, out],
      [full.replace('.tif', '_uncertainty.tif'), out.replace('.tif', '_uncertainty.tif')],
    ])
      assert.ok(
        readFileSync(a).equals(readFileSync(b)),
        `round ${round} (killed after >= ${batches} batches): ${b} differs from ${a}`,
      );
  }
});

test('predict refuses a leftover journal without --resume, and a journal of another run with it', {
  skip: onnxBuilderMissing,
}, async () => {
  const { nchw } = buildTinyOnnx();
  const scene = writeScene(dir).path;
  const out = join(dir, 'refuse.tif');
  await killWhenJournal(predict(out, nchw, scene), `${out}.resume`, 500, 0);
  const plain = await finished(predict(out, nchw, scene));
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /interrupted run; pass resume \(--resume\)/);
  const other = await finished(predict(out, nchw, scene, ['--resume', '--overlap', '8']));
  assert.equal(other.code, 2);
  assert.match(other.stderr, /another (region|overlap)/);
});
