/**
 * Batch inference: models (ONNX through onnxruntime-node, tfjs on its fastest backend, plain functions)
 * behind one `predict(batch)` interface, and `runInference` — grid sampler → loader → model → stitcher,
 * streaming, resumable — behind `geoslice predict`. The model backends are optional peer dependencies,
 * imported only when a model of their kind is loaded.
 *
 * @example
 * ```ts
 * import { loadModel } from 'geoslice/inference';
 *
 * const model = await loadModel('unet.onnx');
 * const { data, shape } = await model.predict({ data: new Float32Array(4 * 64 * 64), shape: [1, 4, 64, 64] });
 * console.log(model.backend, shape, data.length);
 * await model.close();
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
