import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertQuickStartOutput, demoCatalog } from './demo-catalog.js';
import { outputDir, runExampleOutput } from './run-example.js';

test('examples/quick-start.ts (the README quick start) loads 48 random chips of the July scenes of the demo catalog', async () => {
  const { path, julyScenes, scenes } = await demoCatalog(outputDir('quick-start'));
  assert.equal(julyScenes, 6);
  const { stdout, stderr } = runExampleOutput('quick-start', path);
  assertQuickStartOutput(stdout, stderr, julyScenes, scenes);
});
