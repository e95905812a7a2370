import { Worker } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';

/** The worker's side: one onnxruntime session, driven by messages (plain JavaScript: no TypeScript loader needed). */
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
let ort;
let session;
const message = (e) => String((e && e.message) || e);
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'open') {
      const mod = await import(m.ort);
      ort = typeof mod.InferenceSession === 'function' ? mod : mod.default;
      session = await ort.InferenceSession.create(m.file, m.options);
      const meta = (session.inputMetadata || []).map((v) => ({ name: v.name, isTensor: v.isTensor, shape: v.isTensor ? [...v.shape] : [] }));
      parentPort.postMessage({ id: m.id, inputNames: session.inputNames, outputNames: session.outputNames, inputMetadata: meta });
    } else if (m.type === 'run') {
      const t0 = performance.now();
      const r = await session.run({ [m.input]: new ort.Tensor('float32', m.data, m.dims) }, [m.output]);
      const out = r[m.output];
      let data = out.data;
      if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
      const seconds = (performance.now() - t0) / 1000;
      const reply = { id: m.id, type: out.type, dims: out.dims.map(Number), data, seconds };
      try {
        parentPort.postMessage(reply, ArrayBuffer.isView(data) ? [data.buffer] : []);
      } catch {
        parentPort.postMessage(reply); // a buffer onnxruntime owns cannot be transferred: copied
      }
    } else if (m.type === 'close') {
      await session?.release();
      parentPort.postMessage({ id: m.id });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: message(e) });
  }
});`;

/** What the model thread says about the model it loaded. */
export interface OnnxThreadModel {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: { name: string; isTensor: boolean; shape: (number | string)[] }[];
}

/** One output tensor of a run, and the seconds onnxruntime took. */
export interface OnnxThreadOutput {
  type: string;
  dims: number[];
  data: Float32Array;
  seconds: number;
}

interface Pending {
  resolve: (r: never) => void;
  reject: (e: Error) => void;
}

/**
 * An onnxruntime-node session on its own worker thread. onnxruntime-node's `session.run` computes on
 * the calling thread (its promise only defers the call), so on the main thread it would block
 * reading and stitching for the whole batch; on this thread the main thread keeps blending batch k
 * while batch k + 1 is predicted. Inputs are transferred (not copied); failures reject with the
 * thread's error message; a dead thread rejects every pending call.
 */
export class OnnxThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private dead: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: { id: number; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m as never);
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`the onnxruntime thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`the onnxruntime thread exited (code ${code})`)));
  }

  /** Starts a thread that imports onnxruntime from `ortUrl` and loads `file` with `options`. */
  static async open(
    ortUrl: string,
    file: string,
    options: Ort.InferenceSession.SessionOptions,
  ): Promise<{ thread: OnnxThread; model: OnnxThreadModel }> {
    const thread = new OnnxThread(new Worker(WORKER_CODE, { eval: true }));
    try {
      const model = await thread.call<OnnxThreadModel>({ type: 'open', ort: ortUrl, file, options });
      return { thread, model };
    } catch (e) {
      await thread.worker.terminate();
      throw e;
    }
  }

  /** Runs the model on `data` (transferred: detached afterwards) and returns output `output`. */
  run(input: string, output: string, data: Float32Array, dims: number[]): Promise<OnnxThreadOutput> {
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    return this.call({ type: 'run', input, output, data: own, dims }, [own.buffer as ArrayBuffer]);
  }

  /** Releases the session and stops the thread. */
  async close(): Promise<void> {
    if (!this.dead) await this.call({ type: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call<R>(message: object, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: never) => void, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}
