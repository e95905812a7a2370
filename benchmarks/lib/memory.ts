import type { Loader } from '../../src/loaders/loader.js';
import { decodeThreads } from '../../src/tiff/codecs/worker-pool.js';
import { describeRuntime, RUNTIME } from './compiled.js';

/** Peaks of this process's memory over a run, MB. */
export interface MemoryPeaks {
  /** How the process runs: `compiled` (plain node on compiled JavaScript, as users run the package) or `tsx`. */
  runtime: 'compiled' | 'tsx';
  /** RSS when sampling started: node (and tsx) with the loaded modules, before any work. */
  startRss: number;
  /** Peak resident set of the process (`resourceUsage().maxRSS`, every thread and native library). */
  rss: number;
  /** Peak V8 heap of the main thread (`heapTotal`). */
  heap: number;
  /** Peak memory of the main thread's ArrayBuffers (decoded blocks, chips, batches, read buffers). */
  arrayBuffers: number;
  /** Peak of V8's `external` (ArrayBuffers, including those transferred from decode threads, and native objects). */
  external: number;
}

const MB = 2 ** 20;

/**
 * Samples `process.memoryUsage()` every 20 ms from now on (the sampling timer does not keep the
 * process alive); `stop()` returns the {@link MemoryPeaks}. The peak RSS is the kernel's
 * `maxRSS`, which no sampling interval can miss.
 */
export function sampleMemory(): { stop: () => MemoryPeaks } {
  const first = process.memoryUsage();
  const peak = { heap: first.heapTotal, arrayBuffers: first.arrayBuffers, external: first.external };
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak.heap = Math.max(peak.heap, m.heapTotal);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
    peak.external = Math.max(peak.external, m.external);
  }, 20);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return {
        runtime: RUNTIME,
        startRss: first.rss / MB,
        rss: process.resourceUsage().maxRSS / 1024,
        heap: peak.heap / MB,
        arrayBuffers: peak.arrayBuffers / MB,
        external: peak.external / MB,
      };
    },
  };
}

/** One line: peak RSS and where it went. */
export function describeMemory(m: MemoryPeaks): string {
  const f = (x: number) => `${x.toFixed(0)} MB`;
  return (
    `peak RSS ${f(m.rss)} (${describeRuntime(m.runtime)}; at start ` +
    `${f(m.startRss)}: runtime and modules; peaks of the main thread: ` +
    `V8 heap ${f(m.heap)}, external ${f(m.external)} of which ArrayBuffers ${f(m.arrayBuffers)})`
  );
}

/**
 * The loader settings in use: decode threads, slices in flight, prefetch (the loader's current
 * read-ahead when it reports one as `prefetchDepth`), decoded-block cache budget (as it ended).
 */
export function describeLoaderSettings(loader: Loader, concurrency: number): string {
  const c = loader.cache;
  const mib = (b: number) => `${(b / MB).toFixed(0)} MiB`;
  const cache = !c
    ? 'none'
    : c.budget < c.maxBytes
      ? `${mib(c.budget)} (may grow to ${mib(c.maxBytes)})`
      : mib(c.budget);
  const depth = 'prefetchDepth' in loader ? Number(loader.prefetchDepth) : null;
  return (
    `decode threads ${decodeThreads()}, ${concurrency} slices in flight, ` +
    `prefetch ${depth === null ? `default (${2 * concurrency})` : `${depth} slices`}, decoded-block cache ${cache}`
  );
}
