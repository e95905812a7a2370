import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { InferenceError } from '../../src/errors.js';
import { InferenceJournal } from '../../src/inference/journal.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fp = { region: 'abc', tiles: 9, tile: 64 };

function record(count: number, present: number[], seed: number) {
  const n = present.reduce((a, b) => a + b, 0);
  const data = Float32Array.from({ length: n * 2 * 3 * 3 }, (_, i) => seed + i / 7);
  return { count, present: Uint8Array.from(present), bands: 2, height: 3, width: 3, data };
}

test('journal: records (with tiles without data) replay in order; a torn last record is cut off and appending continues', async () => {
  const path = join(dir, 'a.resume');
  const j = InferenceJournal.open(path, fp, { resume: false });
  const recs = [record(3, [1, 0, 1], 1), record(5, [0, 1, 1, 1, 1], 2), record(1, [0], 3)];
  for (const r of recs) j.append(r);
  assert.equal(j.chips, 9);
  await j.close();
  const full = statSync(path).size;
  // A kill in the middle of writing the last record (32 bytes: head, flags, no data, CRC).
  truncateSync(path, full - 10);
  const again = InferenceJournal.open(path, fp, { resume: true });
  const r1 = again.next();
  assert.deepEqual([r1?.first, r1?.count, [...(r1?.present ?? [])]], [0, 3, [1, 0, 1]]);
  assert.deepEqual(r1?.data, recs[0].data);
  const r2 = again.next();
  assert.deepEqual([r2?.first, r2?.count, [...(r2?.present ?? [])]], [3, 5, [0, 1, 1, 1, 1]]);
  assert.deepEqual(r2?.data, recs[1].data);
  assert.equal(again.next(), undefined, 'the last record was torn');
  assert.equal(again.chips, 8);
  assert.equal(statSync(path).size, full - 32, 'the torn record was cut off');
  again.append(recs[2]);
  await again.close();
  const third = InferenceJournal.open(path, fp, { resume: true });
  const seen = [];
  for (let r = third.next(); r; r = third.next()) seen.push([r.first, r.count, r.data.length]);
  assert.deepEqual(seen, [
    [0, 3, 36],
    [3, 5, 72],
    [8, 1, 0],
  ]);
  third.close(true);
});

test('journal: a flipped byte fails the CRC and ends the replay there', async () => {
  const path = join(dir, 'b.resume');
  const j = InferenceJournal.open(path, fp, { resume: false });
  j.append(record(2, [1, 1], 5));
  j.append(record(2, [1, 1], 6));
  await j.close();
  const bytes = readFileSync(path);
  bytes[bytes.length - 10] ^= 0xff;
  writeFileSync(path, bytes);
  const again = InferenceJournal.open(path, fp, { resume: true });
  assert.ok(again.next());
  assert.equal(again.next(), undefined);
  assert.equal(again.chips, 2);
  again.close(true);
});

test('journal: refused without resume, another run is RESUME_MISMATCH, a foreign file JOURNAL_CORRUPT', async () => {
  const path = join(dir, 'c.resume');
  await InferenceJournal.open(path, fp, { resume: false }).close();
  assert.throws(
    () => InferenceJournal.open(path, fp, { resume: false }),
    (e: InferenceError) => e.code === 'JOURNAL_EXISTS',
  );
  assert.throws(
    () => InferenceJournal.open(path, { ...fp, tile: 128 }, { resume: true }),
    (e: InferenceError) => e.code === 'RESUME_MISMATCH' && /another tile \(64, now 128\)/.test(e.message),
  );
  writeFileSync(path, 'hello world, not a journal');
  assert.throws(
    () => InferenceJournal.open(path, fp, { resume: true }),
    (e: InferenceError) => e.code === 'JOURNAL_CORRUPT',
  );
});
