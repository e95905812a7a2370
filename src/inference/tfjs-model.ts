import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { InferenceError } from '../errors.js';
import { loadTf, type Tfjs } from '../tfjs/tfjs.js';
import {
  channelsLast,
  checkOutput,
  normalizeInput,
  type InferenceModel,
  type ModelInput,
  type ModelOptions,
  type ModelOutput,
} from './model.js';
import { importOptional } from './optional-import.js';

/**
 * The tfjs backend to run a model on. `'auto'` picks the fastest one installed: `'tensorflow'`
 * (`@tensorflow/tfjs-node`, native), else `'wasm'` (`@tensorflow/tfjs-backend-wasm`, SIMD when the
 * runtime has it; its multi-threaded build needs cross-origin isolation and is not used by Node), else
 * `'cpu'` (pure JavaScript — about 15-30x slower than wasm on convolutions).
 */
export type TfjsBackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/**
 * Options of {@link loadTfjsModel}.
 */
export interface TfjsModelOptions extends ModelOptions {
  /**
   * Default `'auto'`. tfjs has one active backend per process: loading sets it for all tfjs work, and
   * each `predict` switches back to it when something else changed it meanwhile.
   */
  backend?: TfjsBackendName;
  /** Threads of the wasm backend (only where its multi-threaded build runs). */
  threads?: number;
}

/**
 * A tfjs LayersModel or GraphModel already in memory (only its `predict` is used; typed loosely so that
 * geoslice's types do not need tfjs installed).
 */
export interface TfjsPredictor {
  predict(x: never): unknown;
}

/**
 * Loads a tfjs model — a `model.json` path (layers or graph model, weights next to it) or a model
 * object already in memory — onto the fastest tfjs backend installed (see {@link TfjsBackendName}).
 * tfjs models take `[N, H, W, C]` input and return `[N, H, W, C]`. tfjs itself is imported only here,
 * when called. Throws {@link InferenceError} `MISSING_DEPENDENCY` when tfjs (or an explicitly asked
 * backend) is not installed, `NOT_FOUND`, or `BAD_MODEL` (e.g. a layers model with custom layers
 * that were not registered: load it yourself and pass the object).
 */
export async function loadTfjsModel(
  model: string | TfjsPredictor,
  opts: TfjsModelOptions = {},
): Promise<InferenceModel> {
  const tf = await loadTf().catch((e) => {
    throw new InferenceError(
      'MISSING_DEPENDENCY',
      `tfjs models need @tensorflow/tfjs: ${(e as Error).message}; install it with \`npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm\``,
      { cause: e, subject: '@tensorflow/tfjs' },
    );
  });
  const backend = await selectBackend(tf, opts.backend ?? 'auto', opts.threads);
  const id = typeof model === 'string' ? resolve(model) : 'tfjs model object';
  const net = typeof model === 'string' ? await loadFromFile(tf, id) : model;
  if (typeof net?.predict !== 'function')
    throw new InferenceError('BAD_MODEL', `${id} is not a tfjs LayersModel or GraphModel (no predict())`);
  let closed = false;
  return {
    backend: `tfjs (${backend})`,
    id,
    async predict(batch: ModelInput): Promise<ModelOutput> {
      if (closed) throw new InferenceError('BAD_OPTION', `${id}: the model was closed`, { subject: id });
      // tfjs has one active backend per process: another model may have switched it since loading.
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      const x = normalizeInput(batch, opts.normalize);
      const [n, c, h, w] = x.shape;
      const input = tf.tensor4d(channelsLast(x.data, x.shape), [n, h, w, c], 'float32');
      let y: TF.Tensor | undefined;
      try {
        const out = (net.predict as (x: TF.Tensor) => TF.Tensor | TF.Tensor[] | TF.NamedTensorMap)(input);
        y = Array.isArray(out) ? out[0] : out instanceof tf.Tensor ? out : Object.values(out)[0];
        if (y?.rank !== 4)
          throw new InferenceError(
            'BAD_OUTPUT',
            `${id}: the model returned shape [${y?.shape.join(', ') ?? ''}]; expected [N, H, W, C]`,
            { subject: id },
          );
        const data = (await y.data()) as Float32Array;
        return checkOutput({ data, shape: y.shape as ModelOutput['shape'] }, n, id);
      } catch (e) {
        if (e instanceof InferenceError) throw e;
        throw new InferenceError(
          'BAD_MODEL',
          `${id} failed on a batch of shape [${n}, ${h}, ${w}, ${c}] (NHWC): ${(e as Error).message.split('\n')[0]}`,
          { cause: e, subject: id },
        );
      } finally {
        input.dispose();
        y?.dispose();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (typeof model === 'string') (net as unknown as { dispose?: () => void }).dispose?.();
    },
  };
}

/** Sets the requested (or fastest installed) backend and returns its name. */
async function selectBackend(tf: Tfjs, want: TfjsBackendName, threads?: number): Promise<string> {
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(want))
    throw new InferenceError(
      'BAD_OPTION',
      `backend must be 'auto', 'tensorflow', 'wasm' or 'cpu', got ${JSON.stringify(want)}`,
    );
  const has = (name: string) => tf.engine().registryFactory[name] !== undefined;
  if (want === 'auto' && has('tensorflow')) want = 'tensorflow';
  if (want === 'tensorflow' && !has('tensorflow'))
    throw new InferenceError(
      'MISSING_DEPENDENCY',
      'the tensorflow backend needs the optional package @tensorflow/tfjs-node; install it with `npm install @tensorflow/tfjs-node`',
      { subject: '@tensorflow/tfjs-node' },
    );
  if (want === 'auto' || want === 'wasm') {
    try {
      const wasm = await importOptional<{ setThreadsCount?: (n: number) => void }>(
        '@tensorflow/tfjs-backend-wasm',
        'the wasm tfjs backend',
        'npm install @tensorflow/tfjs-backend-wasm',
      );
      if (threads && !has('wasm')) wasm.setThreadsCount?.(threads);
      want = 'wasm';
    } catch (e) {
      if (want === 'wasm') throw e;
      want = 'cpu';
    }
  }
  if (tf.getBackend() !== want && !(await tf.setBackend(want)))
    throw new InferenceError('MISSING_DEPENDENCY', `tfjs could not initialise its ${want} backend`, { subject: want });
  await tf.ready();
  return want;
}

/** Reads a `model.json` and its weight files (no network, no tfjs-node file handler needed). */
async function loadFromFile(tf: Tfjs, file: string): Promise<TfjsPredictor> {
  if (!existsSync(file)) throw new InferenceError('NOT_FOUND', `tfjs model ${file} does not exist`, { subject: file });
  let manifest: {
    modelTopology?: { node?: unknown };
    format?: string;
    weightsManifest?: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[];
    [k: string]: unknown;
  };
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InferenceError('BAD_MODEL', `${file} is not a tfjs model.json: ${(e as Error).message}`, {
      cause: e,
      subject: file,
    });
  }
  if (!manifest?.modelTopology || !Array.isArray(manifest.weightsManifest))
    throw new InferenceError('BAD_MODEL', `${file} has no modelTopology or weightsManifest; is it a tfjs model.json?`, {
      subject: file,
    });
  const groups = manifest.weightsManifest;
  const buffers = groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(file), p))));
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    weightData.set(b, at);
    at += b.byteLength;
  }
  const artifacts: TF.io.ModelArtifacts = {
    modelTopology: manifest.modelTopology as TF.io.ModelArtifacts['modelTopology'],
    format: manifest.format,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    ...(manifest.signature ? { signature: manifest.signature as object } : {}),
    ...(manifest.userDefinedMetadata
      ? { userDefinedMetadata: manifest.userDefinedMetadata as Record<string, object> }
      : {}),
  };
  const graph = manifest.format === 'graph-model' || Array.isArray(manifest.modelTopology.node);
  try {
    const io = tf.io.fromMemory(artifacts);
    return (graph ? await tf.loadGraphModel(io) : await tf.loadLayersModel(io)) as unknown as TfjsPredictor;
  } catch (e) {
    throw new InferenceError(
      'BAD_MODEL',
      `tfjs cannot load ${file}: ${(e as Error).message.split('\n')[0]} (a layers model with custom layers needs them registered: load it with tf.loadLayersModel and pass the model object)`,
      { cause: e, subject: file },
    );
  }
}
