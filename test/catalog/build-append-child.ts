// Helper process for build-append.test.ts: appends N synthetic records to a catalog directory.
// Usage: node --import tsx test/catalog/build-append-child.ts <dir> <prefix> <n> [holdMs]
// Without arguments (e.g. when a test runner loads it) it does nothing.
import { appendToCatalog } from '../../src/catalog/builders/catalog-dir.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';

const [dir, prefix, n, holdMs] = process.argv.slice(2);
if (dir && prefix && n) {
  const count = Number(n);
  async function* records() {
    for (let i = 0; i < count; i++) {
      if (holdMs && i === count - 1) await new Promise((r) => setTimeout(r, Number(holdMs)));
      yield {
        id: `${prefix}-${i}`,
        datetime: '2024-01-01',
        geometry: bboxToPolygon([i % 170, 0, (i % 170) + 1, 1]),
        assets: { B04: `${prefix}-${i}.tif` },
      };
    }
  }
  await appendToCatalog(dir, { table: records() }, { progress: false, lock: { waitMs: 60_000 } });
  process.stdout.write('done\n');
}
