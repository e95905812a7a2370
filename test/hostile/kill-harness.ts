/**
 * Runs a helper process that reports its steps ("begin <op> <k>" / "commit <op> <k>") on stdout and
 * SIGKILLs it a given number of ms after it begins the targeted op. Used by the kill tests.
 */
import { spawn } from 'node:child_process';

/** What a killed child did: every line it printed and the op it was inside when killed (null: between ops or done). */
export interface KillOutcome {
  lines: string[];
  killedIn: string | null;
  /** Batches whose op `op` committed, per op name. */
  committed: Map<string, number[]>;
}

/**
 * Spawns `node --import tsx <script> ...args` and kills it `delayMs` after its first
 * "begin <target>" line (or after `maxMs` in all). Resolves once the child is gone.
 *
 * @example
 * ```ts
 * const out = await runAndKill('test/hostile/kill-child.ts', ['catalog', dir, '0', '5'], 'compact', 120);
 * ```
 */
export function runAndKill(
  script: string,
  args: string[],
  target: string,
  delayMs: number,
  maxMs = 30_000,
): Promise<KillOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    let buf = '';
    let armed = false;
    const kill = () => child.kill('SIGKILL');
    const guard = setTimeout(kill, maxMs);
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      buf += d;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (!armed && line.startsWith(`begin ${target} `)) {
          armed = true;
          setTimeout(kill, delayMs);
        }
        i = buf.indexOf('\n');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child exited with ${code ?? signal} before being killed: ${stderr}`));
        return;
      }
      const committed = new Map<string, number[]>();
      const open = new Map<string, number>();
      let last: string | null = null;
      for (const l of lines) {
        const m = /^(begin|commit) (\w+) (\d+)$/.exec(l);
        if (!m) continue;
        if (m[1] === 'begin') {
          open.set(m[2], Number(m[3]));
          last = m[2];
        } else {
          open.delete(m[2]);
          committed.set(m[2], [...(committed.get(m[2]) ?? []), Number(m[3])]);
          last = null;
        }
      }
      resolve({ lines, killedIn: last, committed });
    });
  });
}
