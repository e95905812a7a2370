import { Session } from 'node:inspector/promises';

/** Shares (0..1) of the main thread's sampled time in a V8 CPU profile. */
export interface ProfileShares {
  /** Waiting: the event loop had nothing to run. */
  idle: number;
  /** The garbage collector. */
  gc: number;
  /**
   * File I/O run or issued on the main thread: `node:fs` calls (`readSync`, `openSync`, `fstatSync`,
   * ...) and `node:fs/promises` ones (`FileHandle.read`: issuing the read, not waiting for it), and
   * what they call.
   */
  fileIo: number;
  /** `postMessage` calls (structured-clone copies to workers) and what they call. */
  postMessage: number;
  /** Wall time profiled, seconds. */
  seconds: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/**
 * Runs `f` under the V8 CPU profiler of this (main) thread (`node:inspector`, `Profiler` domain,
 * 200 µs sampling) and returns its value with the {@link ProfileShares} of the samples taken.
 */
export async function profiled<T>(f: () => Promise<T>): Promise<{ value: T; shares: ProfileShares }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const t0 = performance.now();
    const result = await f().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const { profile } = await session.post('Profiler.stop');
    if (!result.ok) throw result.error;
    const shares = sharesOf(profile.nodes as ProfileNode[], profile.samples ?? [], profile.timeDeltas ?? []);
    return { value: result.value, shares: { ...shares, seconds } };
  } finally {
    session.disconnect();
  }
}

function sharesOf(nodes: ProfileNode[], samples: number[], deltas: number[]): Omit<ProfileShares, 'seconds'> {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  /** The class of a sample by its stack, from the leaf up: the first frame that names one wins. */
  const classOf = (id: number): keyof Omit<ProfileShares, 'seconds'> | null => {
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const { functionName, url } = (byId.get(n) as ProfileNode).callFrame;
      if (functionName === '(idle)') return 'idle';
      if (functionName === '(garbage collector)') return 'gc';
      if (url === 'node:fs' || url.startsWith('node:internal/fs/')) return 'fileIo';
      if (functionName === 'postMessage') return 'postMessage';
    }
    return null;
  };
  const sum = { idle: 0, gc: 0, fileIo: 0, postMessage: 0 };
  let total = 0;
  samples.forEach((id, i) => {
    const dt = deltas[i + 1] ?? deltas[i] ?? 0;
    total += dt;
    const c = classOf(id);
    if (c) sum[c] += dt;
  });
  const share = (x: number) => (total > 0 ? x / total : 0);
  return { idle: share(sum.idle), gc: share(sum.gc), fileIo: share(sum.fileIo), postMessage: share(sum.postMessage) };
}

/** One line: the shares in percent. */
export function describeProfile(s: ProfileShares): string {
  const p = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `profile (main thread, ${s.seconds.toFixed(1)} s): idle ${p(s.idle)}, GC ${p(s.gc)}, file I/O ${p(s.fileIo)}, postMessage ${p(s.postMessage)}`;
}
