/**
 * The checked-in API report (api/geoslice.api.txt) matches the sources: a change of the public surface
 * must come with a regenerated report (`npm run api-report`), so that it shows in review.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { apiReport } from '../../scripts/api-report.js';

const checkedIn = readFileSync(new URL('../../api/geoslice.api.txt', import.meta.url), 'utf8');

test('api/geoslice.api.txt is the report of the current sources', () => {
  const { text, conflicts } = apiReport();
  assert.deepEqual(conflicts, [], 'a name is exported with two meanings');
  assert.ok(
    text === checkedIn,
    'the public API changed: run `npm run api-report` and commit api/geoslice.api.txt (review the diff)',
  );
});

test('the root export holds at most 60 names', () => {
  const m = /^geoslice \(src\/index\.ts\): (\d+) names$/m.exec(checkedIn);
  assert.ok(m, 'the report lists the root entry point');
  assert.ok(Number(m[1]) <= 60, `the root export has ${m[1]} names; move lower-level ones to a subpath export`);
});
