/**
 * Process-wide counters of the work raster readers did: headers parsed, block bytes read from
 * sources, blocks decoded and decoded blocks served from a block cache. They only grow; take two
 * snapshots and subtract to measure one piece of work (benchmarks, tests that a catalog's header
 * cache spares the header reads).
 */
export interface ReadCounters {
  /** TIFF headers (IFD chains) parsed from a source: opens without a cached `CogLayout`. */
  headerReads: number;
  /** Bytes of blocks (tiles, strips, masks) read from sources. */
  bytesRead: number;
  /** Blocks decoded (decompressed, predictor undone). */
  blocksDecoded: number;
  /** Blocks found already decoded in a block cache. */
  blockCacheHits: number;
}

const counters: ReadCounters = { headerReads: 0, bytesRead: 0, blocksDecoded: 0, blockCacheHits: 0 };

/** Adds to one of the {@link ReadCounters} (for the readers in this layer). */
export function countRead(what: keyof ReadCounters, n = 1): void {
  counters[what] += n;
}

/**
 * A snapshot of the process-wide {@link ReadCounters}.
 */
export function readCounters(): ReadCounters {
  return { ...counters };
}
