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
 */
export type ModelFunction = (batch: ModelInput) => Promise<ModelOutput> | ModelOutput;

/**
 * Wraps a {@link ModelFunction} as an {@link InferenceModel}; its outputs are checked like any backend's.
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
