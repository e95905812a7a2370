/**
 * What the benchmarks share: option parsing, the rasterio oracle, COG fixtures, interleaved rounds
 * with medians, pixel checksums, a loopback range server, work counters, CPU-profile shares, memory
 * peaks, loader settings and the goal lines.
 */
export { benchArgs } from './cli.js';
export { compileForNode, describeRuntime, RUNTIME } from './compiled.js';
export { ensureBase, ensureCog } from './fixtures.js';
export { agreement, checksum, PixelSink } from './pixels.js';
export { PY, rasterioVersion, run } from './process.js';
export { type Goal, describeGoal, reportGoals } from './goals.js';
export { describeLoaderSettings, describeMemory, type MemoryPeaks, sampleMemory } from './memory.js';
export { describeProfile, profiled, type ProfileShares } from './profile.js';
export { type Grid, rasterioWindows, type RasterioTiming, type RasterioWindowsJob, type Win } from './rasterio.js';
export { startRangeServer } from './range-server.js';
export { inFlight, interleaved, median } from './rounds.js';
export { describeWork, measured, type Work } from './work.js';
