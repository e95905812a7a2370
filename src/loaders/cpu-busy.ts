import { availableParallelism } from 'node:os';

/**
 * A probe that tells whether this process keeps its cores busy: true while its CPU time (all
 * threads: the main thread and the decode workers) over the last `windowMs` or more was at least
 * `threshold` of the wall time of every core. Cheap to call often: it measures again only once
 * `windowMs` have passed, and says what it last measured in between (false before the first window).
 */
export function cpuBusyProbe(threshold = 0.9, windowMs = 100): () => boolean {
  const cores = availableParallelism();
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  let busy = false;
  return () => {
    const t = performance.now();
    if (t - t0 < windowMs) return busy;
    const c = process.cpuUsage(c0);
    busy = (c.user + c.system) / 1000 >= threshold * cores * (t - t0);
    t0 = t;
    c0 = process.cpuUsage();
    return busy;
  };
}
