import type * as TF from '@tensorflow/tfjs';
import { LoaderError } from '../errors.js';
import type { Batch } from '../loaders/batches.js';
import type { Chip } from '../loaders/chip.js';
import { toLayout, type TensorLayout } from '../loaders/tensor.js';

/**
 * The tfjs module in use: `@tensorflow/tfjs-node` when it is installed, else `@tensorflow/tfjs`.
 */
export type Tfjs = typeof TF;

let loaded: Promise<Tfjs> | undefined;
let ready: Tfjs | undefined;

/**
 * Loads tfjs once and returns it: `@tensorflow/tfjs-node` (native backend) when it can be imported,
 * otherwise the pure-JS `@tensorflow/tfjs`. Nothing in geoslice imports tfjs until this is called.
 * Throws {@link LoaderError} `NO_TFJS` when neither package is installed.
 *
 * @example
 * ```ts
 * import { loadTf } from 'geoslice/tfjs';
 *
 * const tf = await loadTf();
 * console.log(tf.getBackend()); // "tensorflow" with tfjs-node, "cpu" otherwise
 * ```
 */
export function loadTf(): Promise<Tfjs> {
  loaded ??= (async () => {
    const candidates = ['@tensorflow/tfjs-node', '@tensorflow/tfjs'];
    const failures: string[] = [];
    for (const name of candidates) {
      try {
        const mod = (await import(name)) as Tfjs & { default?: Tfjs };
        const tf = typeof mod.tensor === 'function' ? mod : (mod.default as Tfjs);
        await tf.ready();
        ready = tf;
        return tf;
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    loaded = undefined;
    throw new LoaderError(
      'NO_TFJS',
      `geoslice/tfjs needs TensorFlow.js: run \`npm install @tensorflow/tfjs\` (or \`npm install @tensorflow/tfjs-node\` for the native backend) in your project (${failures.join('; ')})`,
    );
  })();
  return loaded;
}

/**
 * Options of {@link toTensor}: the layout (default `'NHWC'`) and, optionally, the tfjs module to use
 * (default: the one {@link loadTf} loaded).
 */
export interface ToTensorOptions {
  layout?: TensorLayout;
  tf?: Tfjs;
}

/**
 * A float32 tensor of a chip (`[H, W, C]` for `'NHWC'`, `[C, H, W]` for `'NCHW'`; stacked chips get
 * a leading time axis) or of a batch (`[N, H, W, C]` / `[N, C, H, W]`, or `[N, T, ...]` when
 * stacked). The caller owns (and disposes) the tensor. Needs tfjs loaded: `await loadTf()` once, or
 * pass `{ tf }`; otherwise throws {@link LoaderError} `TF_NOT_LOADED`.
 *
 * @example
 * ```ts
 * import { createLoader, openCatalog } from 'geoslice';
 * import { loadTf, toTensor } from 'geoslice/tfjs';
 *
 * await loadTf();
 * const loader = createLoader({ catalog: await openCatalog('scenes.parquet'), bands: [1, 2, 3] });
 * const chip = await loader.load({ bounds: [500000, 4097440, 502560, 4100000], crs: 'EPSG:32633', resolution: [10, 10] });
 * const x = toTensor(chip, { layout: 'NHWC' }); // [256, 256, 3]
 * x.dispose();
 * ```
 */
export function toTensor(x: Chip | Batch, opts: ToTensorOptions = {}): TF.Tensor {
  const tf = opts.tf ?? ready;
  if (!tf) {
    throw new LoaderError(
      'TF_NOT_LOADED',
      'toTensor needs tfjs: call `await loadTf()` once before, or pass { tf } from your own tfjs import',
    );
  }
  const { data, shape } = toLayout(x.data, x.shape, opts.layout ?? 'NHWC');
  return tf.tensor(data, shape, 'float32');
}
