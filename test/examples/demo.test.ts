import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { openCatalog } from '../../src/catalog/open.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

test('npm run demo: runs end to end, writes its outputs, and the stitched prediction matches the label raster', async () => {
  const out = mkdtempSync(join(tmpdir(), 'gs-demo-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'examples/demo.ts'), out], { encoding: 'utf8', cwd: repo });
  assert.equal(r.status, 0, r.stderr);
  const acc = Number(/pixel accuracy vs labels\s*│\s*([\d.]+)/.exec(r.stdout)?.[1]);
  assert.ok(acc >= 0.9, `accuracy ${acc}`);
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
  await round1.close();
});
