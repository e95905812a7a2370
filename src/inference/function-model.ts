import {
  checkOutput,
  normalizeInput,
  type InferenceModel,
  type ModelInput,
  type ModelOptions,
  type ModelOutput,
} from './model.js';

/**
 * A model written as a plain async function of a batch (any runtime: a WebAssembly module, an HTTP
 * model server on this machine, hand-written rules).
 *
 * @example
 * ```ts
 * const ndvi: ModelFunction = async ({ data, shape: [n, c, h, w] }) => ({ data: ndviOf(data), shape: [n, h, w, 1] });
 * ```
 */
export type ModelFunction = (batch: ModelInput) => Promise<ModelOutput> | ModelOutput;

/**
 * Wraps a {@link ModelFunction} as an {@link InferenceModel}; its outputs are checked like any backend's.
 *
 * @example
 * ```ts
 * const model = functionModel(async ({ data, shape: [n, , h, w] }) => ({ data: data.slice(0, n * h * w), shape: [n, h, w, 1] }), { name: 'band-1' });
 * ```
 */
export function functionModel(fn: ModelFunction, opts: ModelOptions & { name?: string } = {}): InferenceModel {
  const id = opts.name ?? (fn.name || 'function');
  return {
    backend: 'function',
    id,
    async predict(batch) {
      const x = normalizeInput(batch, opts.normalize);
      return checkOutput(await fn(x), batch.shape[0], id);
    },
    async close() {},
  };
}
