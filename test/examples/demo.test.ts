import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { openCatalog } from '../../src/catalog/open.js';
import { outputDir, runExample, MIN_ACCURACY } from './run-example.js';

test('npm run demo: runs end to end, trains for its epochs, writes its outputs, and the stitched prediction matches the label raster (>= 0.93)', async () => {
  const out = outputDir('demo');
  const stdout = runExample('demo', out);
  const acc = Number(/pixel accuracy vs labels\s*│\s*([\d.]+)/.exec(stdout)?.[1]);
  assert.ok(acc >= MIN_ACCURACY, `accuracy ${acc}`);
  assert.equal([...stdout.matchAll(/training epoch \d+\/5: loss [\d.]+, accuracy [\d.]+/g)].length, 5, stdout);
  for (const png of ['coverage.png', 'prediction.png', 'uncertainty.png']) {
    const img = PNG.sync.read(readFileSync(join(out, png)));
    let opaque = 0;
    for (let k = 3; k < img.data.length; k += 4) if (img.data[k] === 255) opaque++;
    assert.ok(opaque > img.width * img.height * 0.2, `${png} shows something`);
  }
  const round1 = await openCatalog(join(out, 'catalog-round1.parquet'));
  const cols = (await round1.schema()).map((c) => c.name);
  for (const c of ['entropy', 'variance', 'margin', 'model_id', 'round']) assert.ok(cols.includes(c), `column ${c}`);
  assert.ok((await round1.count()) > 0);
  for await (const row of round1.rows()) assert.equal(row.extras.model_id, 'sample-segmenter');
  await round1.close();
});
