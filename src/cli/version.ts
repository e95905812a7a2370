/** The package version, read once from the package.json next to src/ (in the repository) or dist/ (installed). */
import { readFileSync } from 'node:fs';

/** The version of the geoslice package that runs, e.g. `0.1.0`. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
