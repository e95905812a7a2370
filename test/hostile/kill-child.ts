// Helper process for kill.test.ts: runs catalog writes in a loop and reports each step on stdout
// ("begin <op> <k>" / "commit <op> <k>") until it is killed.
// Usage: node --import tsx test/hostile/kill-child.ts catalog <dir> <firstBatch> <rowsPerBatch>
//        node --import tsx test/hostile/kill-child.ts build <out> <firstBatch> <rowsPerBatch>
//        node --import tsx test/hostile/kill-child.ts stitch <out.tif> <firstRun> <scratchDir>
// Without arguments (e.g. when a test runner loads it) it does nothing.
import { appendToCatalog, compactCatalog } from '../../src/catalog/builders/catalog-dir.js';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { bboxToPolygon } from '../../src/geo/geometry.js';
import { createStitcher } from '../../src/stitch/stitcher.js';
import { writeStitchWithPredictions } from '../../src/stitch/write-stitched.js';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { writeWkb } from '../../src/geo/wkb.js';

const GRID = {
  bounds: [500000, 4000000, 505120, 4005120] as [number, number, number, number],
  crs: 'EPSG:32633',
  resolution: [10, 10] as [number, number],
};

/** A stitcher over a 512² grid whose accumulator spills to `scratchDir` (two 128² tiles fit in memory). */
export function killStitcher(scratchDir: string) {
  return createStitcher({
    grid: GRID,
    bands: 1,
    values: 'regression',
    tileSize: 128,
    memoryBudget: 2 * 393216,
    scratchDir,
  });
}

/** The one-row catalog the stitch runs predict on. */
function gridCatalog() {
  const bbox = [14.99, 36.1, 15.06, 36.16] as [number, number, number, number];
  return catalogFromRows([
    {
      id: 'scene',
      assets: { B04: { href: 'scene.tif' } },
      geometry: writeWkb(bboxToPolygon(bbox)),
      bbox,
      tmin: null,
      tmax: null,
      crs: 'EPSG:32633',
      extras: {},
    },
  ]);
}

/**
 * Stitch run `k`: two overlapping predictions k and 3k (mean 2k, variance k²), written with their
 * predictions catalog (model_id `run-<k>`) in one commit: `<out>`, `<out>_uncertainty.tif`, `<out>.parquet`.
 */
export async function stitchRun(k: number, out: string, scratchDir: string): Promise<void> {
  const st = killStitcher(scratchDir);
  try {
    st.add(GRID, new Float32Array(512 * 512).fill(k));
    st.add(GRID, new Float32Array(512 * 512).fill(3 * k));
    const results = [{ slice: { ...GRID, rowId: 'scene' }, prediction: new Float32Array(512 * 512).fill(2 * k) }];
    await writeStitchWithPredictions(st, out, { uncertainty: true }, gridCatalog(), results, {
      out: `${out}.parquet`,
      modelId: `run-${k}`,
      values: 'regression',
      overwrite: true,
    });
  } finally {
    st.close();
  }
}

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
    } else if (mode === 'stitch') {
      say(`begin stitch ${k}`);
      await stitchRun(k, target, n);
      say(`commit stitch ${k}`);
    } else {
      say(`begin build ${k}`);
      const r = await buildCatalogFromTable(batch(k, Number(n)), { out: target, progress: false });
      await r.catalog.close();
      say(`commit build ${k}`);
    }
  }
}
