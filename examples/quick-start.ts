/**
 * The README quick start: open a catalog, query it by time, sample random chips and load them in
 * batches. Run `npm run demo` first (it writes `demo-output/catalog.parquet`), then
 * `npm run example:quick-start` — or pass another catalog: `npm run example:quick-start -- scenes.parquet`.
 */
import { createLoader, interval, openCatalog, randomSampler } from 'geoslice';

const catalog = await openCatalog(process.argv[2] ?? 'demo-output/catalog.parquet'); // lazy; DuckDB underneath
const july = catalog.query({ interval: interval('2024-07-01', '2024-07-31T23:59:59Z') });
console.log(`${await july.count()} of ${await catalog.count()} scenes in July 2024`);

// A chip over a scene's no-data corner comes back empty and is skipped (counted in loader.stats).
const loader = createLoader({ catalog: july, bands: [1, 2, 3, 4], resampling: 'bilinear' });
// The July scenes span two UTM zones: sample them on one grid (64x64 px of 30 m in zone 32N).
const slices = randomSampler(july, { size: 64, resolution: [30, 30], crs: 'EPSG:32632', length: 48, seed: 42 });
let batches = 0;
for await (const batch of loader.batches(slices, { batchSize: 16 })) {
  console.log(`batch ${++batches}: shape [${batch.shape.join(', ')}]`); // [16, 4, 64, 64]: N, bands, H, W
  // Tensors: import { loadTf, toTensor } from 'geoslice/tfjs' (needs npm install @tensorflow/tfjs)
}
console.log(`${loader.stats.loaded} chips loaded, ${loader.stats.skippedEmpty} empty ones skipped`);
await loader.close();
await catalog.close();
