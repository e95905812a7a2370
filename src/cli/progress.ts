/**
 * When the `geoslice` command draws progress bars: only for people watching a terminal.
 */
import { startProgress, type Progress } from '../catalog/builders/progress.js';

/**
 * True when progress bars should be drawn: stdout and stderr are both terminals, `CI` is unset and
 * the output is not `--json`. Bars go to stderr (a cli-progress bar, see `startProgress`).
 */
export function showProgress(json: boolean): boolean {
  return !json && process.stdout.isTTY === true && process.stderr.isTTY === true && !process.env.CI;
}

/**
 * Starts a progress bar for `total` items (null = unknown) when {@link showProgress} says so, or a
 * silent counter otherwise.
 */
export function cliProgressBar(json: boolean, label: string, total: number | null): Progress {
  return startProgress(showProgress(json), label, total);
}
