/**
 * Batch inference: models (ONNX through onnxruntime-node, tfjs on its fastest backend, plain functions)
 * behind one `predict(batch)` interface, and `runInference` — grid sampler → loader → model → stitcher,
 * streaming, resumable — behind `geoslice predict`. The model backends are optional peer dependencies,
 * imported only when a model of their kind is loaded.
 *
 * @example
 * ```ts
 * import { runInference } from 'geoslice/inference';
 * await runInference({ source: 'scene.tif', model: 'unet.onnx', out: 'pred.tif', tile: 256, overlap: 32 });
 * ```
 */
export type { InferenceModel, ModelInput, ModelOptions, ModelOutput, Normalize } from './model.js';
export { loadOnnxModel, type OnnxModelOptions } from './onnx-model.js';
export { loadTfjsModel, type TfjsBackendName, type TfjsModelOptions, type TfjsPredictor } from './tfjs-model.js';
export { functionModel, type ModelFunction } from './function-model.js';
export { loadModel, type LoadModelOptions, type ModelSource } from './load-model.js';
export type { InferenceSource } from './region.js';
export {
  runInference,
  type InferenceProgress,
  type InferenceResult,
  type RunInferenceOptions,
} from './run-inference.js';
