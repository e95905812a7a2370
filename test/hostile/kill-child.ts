// Helper process for kill.test.ts: runs catalog writes in a loop and reports each step on stdout
// ("begin <op> <k>" / "commit <op> <k>") until it is killed.
// Usage: node --import tsx test/hostile/kill-child.ts catalog <dir> <firstBatch> <rowsPerBatch>
//        node --import tsx test/hostile/kill-child.ts build <out> <firstBatch> <rowsPerBatch>
// Without arguments (e.g. when a test runner loads it) it does nothing.
import { appendToCatalog, compactCatalog } from '../../src/catalog/builders/catalog-dir.js';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';

/** The records of batch `k`: ids `b<k>-<i>`. */
export function batch(k: number, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `b${k}-${i}`,
    datetime: '2024-01-01',
    geometry: bboxToPolygon([(k * 7 + i) % 170, 0, ((k * 7 + i) % 170) + 1, 1]),
    assets: { B04: `b${k}-${i}.tif` },
  }));
}

const [mode, target, first, n] = process.argv.slice(2);
if (mode && target && first && n) {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say('ready');
  for (let k = Number(first); ; k++) {
    if (mode === 'catalog') {
      say(`begin append ${k}`);
      await appendToCatalog(target, { table: batch(k, Number(n)) }, { progress: false, lock: { waitMs: 10_000 } });
      say(`commit append ${k}`);
      say(`begin compact ${k}`);
      await compactCatalog(target, { lock: { waitMs: 10_000 } });
      say(`commit compact ${k}`);
    } else {
      say(`begin build ${k}`);
      const r = await buildCatalogFromTable(batch(k, Number(n)), { out: target, progress: false });
      await r.catalog.close();
      say(`commit build ${k}`);
    }
  }
}
