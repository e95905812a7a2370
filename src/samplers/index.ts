/**
 * Samplers: random (weighted reservoir), grid and stratified streams of {@link GeoSlice}, seeded,
 * re-seedable per epoch, shardable, optionally composed with a temporal sampler.
 *
 * @example
 * ```ts
 * import { openCatalog, randomSampler } from 'geoslice';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * for await (const s of randomSampler(catalog, { size: 256, length: 100, seed: 1 })) console.log(s.bounds, s.rowId);
 * ```
 */
export { randomSampler, columnWeight, type RandomSamplerOptions } from './random.js';
export { gridSampler, type GridSamplerOptions } from './grid.js';
export { stratifiedSampler, type StratifiedSamplerOptions } from './stratified.js';
export { axisOffsets, tilesAlong, type GridEdge } from './grid-layout.js';
export { planTemporal, timedSlice, type Duration, type TemporalOptions, type TemporalPlan } from './temporal.js';
export { strataOf, type StrataSpec } from './strata.js';
export { nativeGrid, type NativeGrid } from './native-grid.js';
export { placeChip, MAX_PLACEMENT_ATTEMPTS, type PixelGrid, type PlacementRegion } from './chip-placement.js';
export { rowKey, keyPrefix, type RowKey, type SamplerSeed } from './keys/index.js';
export { ArrivalReservoir, type Arrival } from './weighted-reservoir.js';
export type { CommonSamplerOptions, SamplerShard } from './options.js';
