/**
 * `geoslice clean <dir>`: removes what killed geoslice runs left behind in a directory.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { acquireLock } from '../catalog/builders/lock.js';
import { cleanCatalogDir, MANIFEST_NAME } from '../catalog/dir-manifest.js';
import { removeStaleTemps } from '../catalog/temp-files.js';
import { BuildError } from '../errors.js';
import { recoverCommits } from '../stitch/commit.js';
import type { CliContext } from './args.js';

/**
 * Cleans `dir` after killed runs: finishes stitch commits whose process died after its commit point,
 * removes temp files and scratch directories of dead processes (in `dir` and the OS temp directory)
 * and, in a catalog directory (one with a manifest; under its writer lock), shards the manifest does
 * not list. Returns what it finished and removed.
 */
export async function cleanDirectory(dir: string): Promise<{ completed: string[]; removed: string[] }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BuildError('NOT_FOUND', `${dir} is not a directory`, { subject: dir });
  const completed = recoverCommits(dir);
  let removed: string[];
  if (existsSync(join(dir, MANIFEST_NAME))) {
    const lock = await acquireLock(dir, { waitMs: 60_000 });
    try {
      removed = cleanCatalogDir(dir);
    } finally {
      await lock.release();
    }
  } else removed = removeStaleTemps(dir);
  removed.push(...removeStaleTemps(tmpdir()));
  return { completed, removed };
}

/**
 * Registers `geoslice clean <dir>` on the root command.
 */
export function addCleanCommand(root: Command, ctx: CliContext): void {
  root
    .command('clean <dir>')
    .description(
      'remove what killed runs left in <dir>: temp files, uncommitted catalog shards; finish interrupted stitch commits',
    )
    .action(async (dir: string) => {
      const r = await cleanDirectory(dir);
      ctx.print(r, `${r.completed.length} commits finished, ${r.removed.length} leftovers removed`);
    });
}
