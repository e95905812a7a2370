/** The root `--http <json>` option shared by the subcommands that read remote files. */
import type { Command } from 'commander';
import { SourceError } from '../errors.js';
import { checkHttpOptions, type HttpSourceOptions } from '../sources/http-source.js';

/**
 * The `--http <json>` option of the root command, parsed and validated ({@link SourceError} `BAD_OPTION`).
 */
export function httpOptionsOf(root: Command): HttpSourceOptions {
  const text = root.opts().http as string | undefined;
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SourceError('BAD_OPTION', `--http must be a JSON object, got ${JSON.stringify(text)}`, { cause: e });
  }
  return checkHttpOptions(parsed, '--http');
}
