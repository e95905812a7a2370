import { parseArgs } from 'node:util';

/**
 * Parses `--name value` options: every key of `numbers` is a number option with that default, every
 * key of `strings` a string option, every key of `flags` a boolean. Unknown options are refused.
 */
export function benchArgs<N extends string, S extends string = never, F extends string = never>(
  numbers: Record<N, number>,
  strings: Record<S, string> = {} as Record<S, string>,
  flags: F[] = [],
): Record<N, number> & Record<S, string> & Record<F, boolean> {
  const options: Record<string, { type: 'string' | 'boolean'; default: string | boolean }> = {};
  for (const [k, v] of Object.entries<number>(numbers)) options[k] = { type: 'string', default: String(v) };
  for (const [k, v] of Object.entries<string>(strings)) options[k] = { type: 'string', default: v };
  for (const k of flags) options[k] = { type: 'boolean', default: false };
  const { values } = parseArgs({ options });
  const out: Record<string, number | string | boolean> = { ...values } as Record<string, string | boolean>;
  for (const k of Object.keys(numbers)) {
    out[k] = Number(values[k]);
    if (!Number.isFinite(out[k])) throw new Error(`--${k} takes a number, got ${String(values[k])}`);
  }
  return out as Record<N, number> & Record<S, string> & Record<F, boolean>;
}
