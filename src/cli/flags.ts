/**
 * Error messages in the words of the command line: the library names its options as in the API
 * (`onError: 'skip'`, `sampler option "length"`, `filenameRegex`); a command's user knows its flags
 * (`--on-error skip`, `--length`). {@link inFlags} rewrites the names of the options a command has.
 */
import type { Command } from 'commander';

/**
 * `message` with each API option name of `command`'s options replaced by its flag:
 * `name: 'value'` -> `--flag value`, `option "name"` / `"name"` -> `--flag`, a bare camelCase `name` ->
 * `--flag`. Names of options the command does not have stay as they are.
 */
export function inFlags(message: string, command: Command): string {
  let out = message;
  for (const option of command.options) {
    const name = option.attributeName();
    const flag = option.long;
    if (!flag || name === 'json') continue;
    const word = escapeRegExp(name);
    out = out
      .replace(new RegExp(`\\b${word}: '([^']*)'`, 'g'), `${flag} $1`)
      .replace(new RegExp(`(?:(?:sampler )?option )?"${word}"(?: option)?`, 'g'), flag);
    if (/[A-Z]/.test(name)) out = out.replace(new RegExp(`(?<![\\w.-])${word}(?![\\w])`, 'g'), flag);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
