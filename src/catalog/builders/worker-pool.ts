import { Worker } from 'node:worker_threads';
import { BuildError } from '../../errors.js';

/**
 * A fixed pool of worker threads running one module's default export on messages. Tasks go to the
 * least busy worker; results come back in whatever order they finish. A worker that dies rejects
 * its pending tasks with {@link BuildError} `WORKER_FAILED`, and is replaced on the next task.
 */
export class ModulePool<T, R> {
  private readonly workers: {
    worker: Worker;
    pending: Map<number, { resolve: (r: R) => void; reject: (e: unknown) => void }>;
  }[] = [];
  private nextId = 0;
  private closed = false;

  /** `entry` is the module URL (`.ts` sources are loaded through tsx). */
  constructor(
    private readonly entry: URL,
    private readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new BuildError('BAD_OPTION', `worker pool size must be a positive integer, got ${size}`);
  }

  private start(slot: number) {
    const fromSource = this.entry.pathname.endsWith('.ts');
    const register = fromSource
      ? `await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => m.register());`
      : '';
    const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
  ${register}
  const { default: fn } = await import(${JSON.stringify(this.entry.href)});
  parentPort.on('message', async ({ id, task }) => {
    try { parentPort.postMessage({ id, ok: true, r: await fn(task) }); }
    catch (e) { parentPort.postMessage({ id, ok: false, r: String(e && e.message || e) }); }
  });
})().catch((e) => { throw e; });`;
    // workerData must be an object: geotiff's web-worker shim otherwise takes the thread for one of its own
    const w = {
      worker: new Worker(code, { eval: true, workerData: {} }),
      pending: new Map<number, { resolve: (r: R) => void; reject: (e: unknown) => void }>(),
    };
    w.worker.on('message', ({ id, ok, r }: { id: number; ok: boolean; r: unknown }) => {
      const p = w.pending.get(id);
      w.pending.delete(id);
      if (!p) return;
      if (ok) p.resolve(r as R);
      else p.reject(new BuildError('WORKER_FAILED', `a worker task failed: ${String(r)}`));
    });
    const fail = (e: unknown) => {
      for (const p of w.pending.values())
        p.reject(
          new BuildError(
            'WORKER_FAILED',
            `a worker thread died: ${(e as Error)?.message ?? String(e)}; retry with workers: 0 to run on the main thread`,
            { cause: e },
          ),
        );
      w.pending.clear();
      if (this.workers[slot] === w) this.workers.splice(slot, 1);
    };
    w.worker.on('error', fail);
    w.worker.on('exit', (code) => {
      if (w.pending.size) fail(new Error(`exit code ${code}`));
    });
    this.workers.splice(slot, 0, w);
    return w;
  }

  /** Runs one task on the least busy worker. */
  run(task: T): Promise<R> {
    if (this.closed) return Promise.reject(new BuildError('WORKER_FAILED', 'the worker pool is closed'));
    let w =
      this.workers.length < this.size
        ? this.start(this.workers.length)
        : this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    if (!w) w = this.start(0);
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage({ id, task });
    });
  }

  /** Stops all workers. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }
}
