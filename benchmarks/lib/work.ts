import { availableParallelism } from 'node:os';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { readCounters } from '../../src/tiff/read/read-counters.js';

/** The work a timed run did (process-wide `readCounters()` deltas) and how busy this process was. */
export interface Work {
  bytesRead: number;
  tilesDecoded: number;
  cacheHits: number;
  headerReads: number;
  /** Share of the wall time the main thread's event loop was idle (0..1). */
  idle: number;
  /** CPU time of the whole process (all threads) over wall time × cores (0..1). */
  cpu: number;
  /** CPU milliseconds of the whole process (all threads). */
  cpuMs: number;
  /** The main thread's garbage-collection pauses: full (mark-compact) and young-generation ones, and their total. */
  gc: { markCompacts: number; scavenges: number; pauseMs: number };
}

/** Sums the `gc` performance entries of a run. */
function gcPauses(entries: readonly PerformanceEntry[]): Work['gc'] {
  const gc = { markCompacts: 0, scavenges: 0, pauseMs: 0 };
  for (const e of entries) {
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.markCompacts++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.scavenges++;
    gc.pauseMs += e.duration;
  }
  return gc;
}

/** Runs `f` and returns its value with the {@link Work} it did. */
export async function measured<T>(f: () => Promise<T>): Promise<{ value: T; work: Work }> {
  const gcs: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const c0 = readCounters();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const c1 = readCounters();
  gcs.push(...observer.takeRecords());
  observer.disconnect();
  return {
    value,
    work: {
      bytesRead: c1.bytesRead - c0.bytesRead,
      tilesDecoded: c1.blocksDecoded - c0.blocksDecoded,
      cacheHits: c1.blockCacheHits - c0.blockCacheHits,
      headerReads: c1.headerReads - c0.headerReads,
      idle: 1 - elu.utilization,
      cpu: (cpu.user + cpu.system) / 1e6 / wall / availableParallelism(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      gc: gcPauses(gcs),
    },
  };
}

/**
 * One line: MB read, tiles decoded, cache hits, header reads, main-thread idle share, CPU share,
 * given the number of `chips` made, CPU milliseconds per chip (all threads of the process; a less
 * load-sensitive figure than chips/s on a shared machine), and the main thread's GC pauses.
 */
export function describeWork(w: Work, chips?: number): string {
  return (
    `read ${(w.bytesRead / 2 ** 20).toFixed(1)} MB, ${w.tilesDecoded} tiles decoded, ` +
    `${w.cacheHits} cache hits, ${w.headerReads} header reads; ` +
    `main thread idle ${(100 * w.idle).toFixed(0)}%, CPU ${(100 * w.cpu).toFixed(0)}% of ${availableParallelism()} cores` +
    (chips ? `, ${(w.cpuMs / chips).toFixed(2)} CPU ms per chip` : '') +
    `; GC ${w.gc.markCompacts} mark-compacts, ${w.gc.scavenges} scavenges, ${w.gc.pauseMs.toFixed(0)} ms paused`
  );
}
