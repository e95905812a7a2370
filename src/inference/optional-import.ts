import { InferenceError } from '../errors.js';

/**
 * Imports an optional peer dependency (onnxruntime-node, a tfjs backend) at run time. When it is not
 * installed (or fails to load) throws {@link InferenceError} `MISSING_DEPENDENCY` saying what it is
 * for and how to install it.
 */
export async function importOptional<T>(name: string, purpose: string, install: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new InferenceError(
      'MISSING_DEPENDENCY',
      `${purpose} need the optional package ${name}, which cannot be loaded (${why}); install it with \`${install}\``,
      { cause: e, subject: name },
    );
  }
}
