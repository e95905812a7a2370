/**
 * Batch inference: models (ONNX through onnxruntime-node, tfjs on its fastest backend, plain functions)
 * behind one `predict(batch)` interface, and `runInference` — grid sampler → loader → model → stitcher,
 * streaming, resumable — behind `geoslice predict`.
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
export * from './model.js';
export * from './onnx-model.js';
export * from './tfjs-model.js';
export * from './function-model.js';
export * from './load-model.js';
