/**
 * Resource limits: a 10^5 x 10^5 window (RasterError `BAD_WINDOW` from `readWindow`, LoaderError
 * `TOO_LARGE` from `loadSlice`) and a batch of 10^4 512² chips (`TOO_LARGE`) are refused before allocation — run in a child process
 * with a small heap, so an allocation that slipped through would kill the child, not the runner.
 * Limits are configurable; stray RangeErrors are wrapped into typed errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { LoaderError } from '../../src/errors.js';
import { asGeosliceError, checkBatch, resolveLimits } from '../../src/loaders/limits.js';

const CHILD = join(import.meta.dirname, 'limits-child.ts');

test('huge window and huge batch are TOO_LARGE before allocation (child process, 256 MB heap)', {
  timeout: 60_000,
}, () => {
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', CHILD], {
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, `child failed (${r.signal ?? r.status}): ${r.stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { case: string; name: string; code: string; message: string });
  assert.deepEqual(
    lines.map((l) => l.case),
    ['readWindow', 'loadSlice', 'batchChips', 'createLoader batches', 'small window with a lower limit'],
  );
  for (const l of lines) {
    // A raster reader's window is a RasterError BAD_WINDOW; slices and batches are LoaderError TOO_LARGE.
    const reader = l.case === 'readWindow' || l.case.startsWith('small window');
    assert.equal(l.name, reader ? 'RasterError' : 'LoaderError', JSON.stringify(l));
    assert.equal(l.code, reader ? 'BAD_WINDOW' : 'TOO_LARGE', JSON.stringify(l));
  }
  assert.match(lines[0].message, /100000 x 100000 window/);
  assert.match(lines[2].message, /batch of 10000 chips/);
});

test('limits are validated; stray RangeErrors become typed errors', () => {
  assert.throws(
    () => resolveLimits({ maxWindowPixels: -1 }),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
  assert.throws(
    () => resolveLimits({ maxPixels: 5 } as never),
    (e: unknown) => e instanceof LoaderError && e.code === 'BAD_OPTION',
  );
  assert.throws(
    () => checkBatch(2, 2 ** 30 + 1, resolveLimits(undefined)),
    (e: unknown) => e instanceof LoaderError && e.code === 'TOO_LARGE',
  );
  checkBatch(2, 2 ** 30, resolveLimits(undefined));
  let range: unknown;
  try {
    new Float32Array(2 ** 40);
  } catch (e) {
    range = e;
  }
  assert.ok(range instanceof RangeError);
  const typed = asGeosliceError(range, 'x.tif');
  assert.equal(typed.code, 'TOO_LARGE');
  assert.equal(asGeosliceError(new TypeError('boom'), 'x.tif').code, 'INTERNAL');
});
