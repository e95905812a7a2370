import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { InferenceError } from '../errors.js';
import {
  type ChannelsFirstModel,
  type ChannelsFirstOutput,
  channelsLast,
  checkOutput,
  normalizeInput,
  type InferenceModel,
  type ModelInput,
  type ModelOptions,
  type ModelOutput,
  PREDICT_CHANNELS_FIRST,
} from './model.js';
import { OnnxThread, type OnnxThreadModel } from './onnx-thread.js';
import { importOptional } from './optional-import.js';

/**
 * Options of {@link loadOnnxModel}.
 */
export interface OnnxModelOptions extends ModelOptions {
  /** Threads of the CPU execution provider inside one operator (`intraOpNumThreads`). Default: onnxruntime's choice (all cores). */
  threads?: number;
  /**
   * Axis order the model's input expects: `'NCHW'` (PyTorch exports) or `'NHWC'`. Default `'auto'`:
   * read from the model's declared input shape (the axis whose size is the band count), else `'NCHW'`.
   */
  layout?: 'NCHW' | 'NHWC' | 'auto';
  /** Axis order of the model's 4-D output. Default: the input's layout. A 3-D output `[N, H, W]` is one band. */
  outputLayout?: 'NCHW' | 'NHWC';
  /** Input to feed. Default: the model's first input. */
  inputName?: string;
  /** Output to read. Default: the model's first output. */
  outputName?: string;
}

type OrtModule = typeof Ort;

/**
 * Loads an ONNX model (e.g. exported from PyTorch with `torch.onnx.export`) into onnxruntime-node on the
 * CPU execution provider. Needs the optional package `onnxruntime-node` (install it with
 * `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`: the CPU binaries ship inside the package);
 * without it throws {@link InferenceError} `MISSING_DEPENDENCY`. A file onnxruntime cannot load throws
 * `BAD_MODEL`; a missing file `NOT_FOUND`.
 *
 * The model receives float32 `[N, C, H, W]` (or `[N, H, W, C]`, see `layout`) band values — normalised
 * only when `normalize` is given — and must return one float32 tensor per batch item.
 */
export async function loadOnnxModel(path: string, opts: OnnxModelOptions = {}): Promise<InferenceModel> {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new InferenceError('NOT_FOUND', `ONNX model ${file} does not exist`, { subject: file });
  const threads = opts.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new InferenceError('BAD_OPTION', `threads must be a positive integer, got ${threads}`);
  for (const [k, v] of [
    ['layout', opts.layout],
    ['outputLayout', opts.outputLayout],
  ] as const)
    if (v !== undefined && !['NCHW', 'NHWC', ...(k === 'layout' ? ['auto'] : [])].includes(v))
      throw new InferenceError(
        'BAD_OPTION',
        `${k} must be 'NCHW' or 'NHWC'${k === 'layout' ? " or 'auto'" : ''}, got ${JSON.stringify(v)}`,
      );
  await importOptional<OrtModule>(
    'onnxruntime-node',
    'ONNX models',
    'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node',
  );
  let opened: Awaited<ReturnType<typeof OnnxThread.open>>;
  try {
    // The session lives on its own thread: onnxruntime-node computes on the thread that calls run.
    opened = await OnnxThread.open(import.meta.resolve('onnxruntime-node'), file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // Idle pool threads sleep instead of spinning, so that reading and stitching (on the main thread,
      // between and during model calls) get the cores.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
  } catch (e) {
    throw new InferenceError('BAD_MODEL', `onnxruntime cannot load ${file}: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
      subject: file,
    });
  }
  const { thread, model: info } = opened;
  const inputName = opts.inputName ?? info.inputNames[0];
  const outputName = opts.outputName ?? info.outputNames[0];
  for (const [kind, name, names] of [
    ['input', inputName, info.inputNames],
    ['output', outputName, info.outputNames],
  ] as const)
    if (!names.includes(name)) {
      await thread.close();
      throw new InferenceError(
        'BAD_OPTION',
        `${file} has no ${kind} ${JSON.stringify(name)}; its ${kind}s are ${JSON.stringify(names)}`,
        { subject: file },
      );
    }
  const declared = declaredShape(info, inputName);
  const id = `${file} (${statSync(file).size} bytes)`;
  let closed = false;

  const layoutFor = (bands: number): 'NCHW' | 'NHWC' => {
    if (opts.layout && opts.layout !== 'auto') return opts.layout;
    if (declared?.length === 4 && declared[1] !== bands && declared[3] === bands) return 'NHWC';
    return 'NCHW';
  };

  /**
   * Runs one batch; `data` is taken over (transferred to the model's thread). Returns the output as
   * onnxruntime gave it, with its layout: a 3-D `[N, H, W]` output is one band.
   */
  const run = async (
    batch: ModelInput,
    own: boolean,
  ): Promise<{ data: Float32Array; dims: number[]; layout: 'NCHW' | 'NHWC'; seconds: number }> => {
    if (closed) throw new InferenceError('BAD_OPTION', `${file}: the model was closed`, { subject: file });
    const x = normalizeInput(batch, opts.normalize);
    const [n, c, h, w] = x.shape;
    const layout = layoutFor(c);
    const dims = layout === 'NCHW' ? [n, c, h, w] : [n, h, w, c];
    // channelsLast and normalizeInput return new arrays; the caller's batch is copied unless it gave it up.
    const data = layout === 'NHWC' ? channelsLast(x.data, x.shape) : x !== batch || own ? x.data : x.data.slice();
    let out: Awaited<ReturnType<OnnxThread['run']>>;
    try {
      out = await thread.run(inputName, outputName, data, dims);
    } catch (e) {
      throw new InferenceError(
        'BAD_MODEL',
        `onnxruntime failed on a batch of shape [${dims}] (${layout}) for ${file}: ${(e as Error).message.split('\n')[0]}`,
        { cause: e, subject: file },
      );
    }
    if (out.type !== 'float32')
      throw new InferenceError('BAD_OUTPUT', `${file}: output ${outputName} is ${out.type}, expected float32`, {
        subject: file,
      });
    if (out.dims.length === 3) return { data: out.data, dims: [...out.dims, 1], layout: 'NHWC', seconds: out.seconds };
    if (out.dims.length !== 4)
      throw new InferenceError(
        'BAD_OUTPUT',
        `${file}: output ${outputName} has shape [${out.dims.join(', ')}]; expected [N, C, H, W], [N, H, W, C] or [N, H, W]`,
        { subject: file },
      );
    return { data: out.data, dims: out.dims, layout: opts.outputLayout ?? layout, seconds: out.seconds };
  };

  const model: ChannelsFirstModel = {
    backend: `onnxruntime-node (cpu${threads ? `, ${threads} threads` : ''})`,
    id,
    async predict(batch: ModelInput): Promise<ModelOutput> {
      const n = batch.shape[0];
      const { data, dims, layout } = await run(batch, false);
      if (layout === 'NHWC') return checkOutput({ data, shape: dims as ModelOutput['shape'] }, n, file);
      const [on, oc, oh, ow] = dims;
      return checkOutput({ data: channelsLast(data, dims), shape: [on, oh, ow, oc] }, n, file);
    },
    async [PREDICT_CHANNELS_FIRST](batch: ModelInput): Promise<ChannelsFirstOutput> {
      const n = batch.shape[0];
      const { data, dims, layout, seconds } = await run(batch, true);
      if (layout === 'NCHW') {
        const [on, oc, oh, ow] = dims;
        checkOutput({ data, shape: [on, oh, ow, oc] }, n, file);
        return { data, shape: [on, oc, oh, ow], seconds };
      }
      const [on, oh, ow, oc] = checkOutput({ data, shape: dims as ModelOutput['shape'] }, n, file).shape;
      return { data: channelsLast(data, dims, true), shape: [on, oc, oh, ow], seconds };
    },
    async close() {
      if (closed) return;
      closed = true;
      await thread.close();
    },
  };
  return model;
}

/** The declared shape of an input (numbers for fixed axes, undefined for symbolic ones), when the model says. */
function declaredShape(info: OnnxThreadModel, name: string): (number | undefined)[] | undefined {
  const m = info.inputMetadata.find((v) => v.name === name);
  if (!m?.isTensor) return undefined;
  return m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : undefined));
}
