/**
 * Batch inference: models (ONNX through onnxruntime-node, tfjs on its fastest backend, plain functions)
 * behind one `predict(batch)` interface, and `runInference` — grid sampler → loader → model → stitcher,
 * streaming, resumable — behind `geoslice predict`.
 *
 * @example
 * ```ts
 * import { runInference } from './inference/index.js';
 * await runInference({ source: 'scene.tif', model: 'unet.onnx', out: 'pred.tif', tile: 256, overlap: 32 });
 * ```
 */
export * from './model.js';
export * from './onnx-model.js';
export * from './tfjs-model.js';
export * from './function-model.js';
export * from './load-model.js';
