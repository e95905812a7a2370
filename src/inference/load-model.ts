import { extname } from 'node:path';
import { InferenceError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { functionModel, type ModelFunction } from './function-model.js';
import type { InferenceModel } from './model.js';
import { loadOnnxModel, type OnnxModelOptions } from './onnx-model.js';
import { loadTfjsModel, type TfjsModelOptions } from './tfjs-model.js';

/**
 * What {@link loadModel} accepts: a file (`.onnx`, or a tfjs `model.json`), a loaded
 * {@link InferenceModel}, or a {@link ModelFunction}.
 */
export type ModelSource = string | InferenceModel | ModelFunction;

/**
 * Options of {@link loadModel}: passed on to the backend that the source picks.
 */
export type LoadModelOptions = OnnxModelOptions & TfjsModelOptions;

/** The keys of {@link LoadModelOptions} (the compiler checks the list is complete). */
export const LOAD_MODEL_OPTION_KEYS = optionKeys<LoadModelOptions>()([
  'normalize',
  'threads',
  'layout',
  'outputLayout',
  'inputName',
  'outputName',
  'backend',
]);

/**
 * Resolves a {@link ModelSource}: `*.onnx` → {@link loadOnnxModel}, `*.json` → {@link loadTfjsModel},
 * a function → {@link functionModel}, a model → itself. Other paths throw {@link InferenceError} `BAD_MODEL`.
 */
export async function loadModel(source: ModelSource, opts: LoadModelOptions = {}): Promise<InferenceModel> {
  checkOptionKeys(opts, LOAD_MODEL_OPTION_KEYS, 'loadModel', InferenceError);
  if (typeof source === 'function') return functionModel(source, opts);
  if (typeof source !== 'string') return source;
  const ext = extname(source).toLowerCase();
  if (ext === '.onnx') return loadOnnxModel(source, opts);
  if (ext === '.json') return loadTfjsModel(source, opts);
  throw new InferenceError(
    'BAD_MODEL',
    `${source}: not a model file geoslice can run; give an ONNX file (*.onnx) or a tfjs model.json`,
    { subject: source },
  );
}
