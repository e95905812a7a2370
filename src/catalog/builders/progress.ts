import cliProgress from 'cli-progress';

/**
 * Progress of a long build: `true` shows a bar on stderr, `false` nothing, `'auto'` (default) a bar
 * only when stderr is a TTY and `CI` is unset; a function receives `(done, total)` instead
 * (`total` is null while the input length is unknown).
 */
export type ProgressOption = boolean | 'auto' | ((done: number, total: number | null) => void);

/**
 * A started progress report: `tick()` per item, `stop()` at the end.
 */
export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

/**
 * Starts a progress report per {@link ProgressOption}; quiet in pipes and CI.
 */
export function startProgress(opt: ProgressOption | undefined, label: string, total: number | null): Progress {
  let done = 0;
  if (typeof opt === 'function') {
    return { tick: (n = 1) => opt((done += n), total), stop: () => undefined };
  }
  const show =
    opt === true || ((opt === undefined || opt === 'auto') && process.stderr.isTTY === true && !process.env.CI);
  if (!show) return { tick: (n = 1) => void (done += n), stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        total === null
          ? `${label} {value} done | {duration_formatted}`
          : `${label} [{bar}] {value}/{total} | eta {eta_formatted}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return {
    tick: (n = 1) => {
      done += n;
      if (total === null) bar.setTotal(done);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
