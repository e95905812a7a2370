// Helper process for limits.test.ts: tries huge reads and batches and prints each error as a JSON line.
// Without being run directly (e.g. when a test runner loads it) it does nothing.
import { join } from 'node:path';
import { openRaster } from '../../src/loaders/raster.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { batchChips } from '../../src/loaders/batches.js';
import { createLoader } from '../../src/loaders/loader.js';
import type { Chip } from '../../src/loaders/chip.js';
import type { GeoSlice } from '../../src/geo/slice.js';

if (process.argv[1]?.endsWith('limits-child.ts')) {
  const file = join(import.meta.dirname, '..', 'fixtures', 'loaders', 'codecs', 'cog_deflate_pred2_uint16.tif');
  const report = (c: string, e: unknown) =>
    process.stdout.write(
      `${JSON.stringify({ case: c, name: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message })}\n`,
    );
  const expectFail = async (c: string, f: () => Promise<unknown>) => {
    try {
      await f();
      report(c, new Error('did not fail'));
    } catch (e) {
      report(c, e);
    }
  };
  const r = await openRaster(file);
  await expectFail('readWindow', () => r.readWindow(0, 0, 0, 100_000, 100_000, [0]));
  await r.close();
  const huge: GeoSlice = { bounds: [0, 0, 1e5, 1e5], crs: 'EPSG:32633', resolution: [1, 1] };
  await expectFail('loadSlice', () => loadSlice([file], huge));
  const slice: GeoSlice = { bounds: [0, 0, 512, 512], crs: 'EPSG:32633', resolution: [1, 1] };
  async function* chips(): AsyncGenerator<Chip> {
    // Chips share one buffer: only the batch itself could grow memory.
    const data = new Float32Array(512 * 512);
    for (let i = 0; i < 10_000; i++) yield { slice, data, shape: [1, 512, 512] };
  }
  await expectFail('batchChips', async () => {
    for await (const _ of batchChips(chips(), { batchSize: 10_000 })) break;
  });
  const probe = await openRaster(file);
  const info = probe.info;
  await probe.close();
  const [x0, rx, , y0, , ry] = info.transform;
  const inside: GeoSlice = {
    bounds: [x0, y0 + 16 * ry, x0 + 16 * rx, y0],
    crs: info.crs!,
    resolution: [rx, -ry],
  };
  const loader = createLoader({ sources: [file], limits: { maxBatchBytes: 1000 } });
  await expectFail('createLoader batches', async () => {
    for await (const _ of loader.batches([inside, inside], { batchSize: 8 })) break;
  });
  const small = await openRaster(file, { limits: { maxWindowPixels: 100 } });
  await expectFail('small window with a lower limit', () => small.readWindow(0, 0, 0, 11, 10, [0]));
  await small.close();
}
