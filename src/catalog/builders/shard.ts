/**
 * Sharded builds: machine `rank` of `worldSize` builds every `worldSize`-th input of the sorted input list
 * and writes `part-<rank>.parquet` under one prefix (a local directory or `s3://bucket/prefix/`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildError } from '../../errors.js';
import type { S3Options } from '../../sources/s3-config.js';
import { S3Client } from '../../sources/s3-client.js';
import { uploadFile } from './s3-files.js';

/**
 * One machine's share of a build: inputs `rank, rank + worldSize, …` of the sorted list (the same
 * `{ rank, worldSize }` shape as the samplers' `shard`).
 */
export interface ShardOption {
  rank: number;
  worldSize: number;
}

/**
 * Checks a shard option; throws {@link BuildError} `BAD_OPTION`.
 */
export function checkBuildShard(shard: ShardOption): void {
  const { rank, worldSize } = shard ?? ({} as ShardOption);
  if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new BuildError(
      'BAD_OPTION',
      `shard must be { rank, worldSize } with integers 0 <= rank < worldSize, got ${JSON.stringify(shard)}`,
    );
}

/**
 * The items of a shard: positions `i` with `i % worldSize === rank`.
 */
export async function* shardItems<T>(items: AsyncIterable<T>, shard: ShardOption): AsyncGenerator<T> {
  let i = 0;
  for await (const x of items) if (i++ % shard.worldSize === shard.rank) yield x;
}

/**
 * The file name of shard `rank`: `part-<rank>.parquet`.
 */
export function partName(rank: number): string {
  return `part-${rank}.parquet`;
}

/**
 * Runs a build whose output is shard `rank`'s part under `prefix`: locally straight into
 * `<prefix>/part-<rank>.parquet`; for `s3://` into a temporary local file that is then uploaded
 * (one PUT) and removed. Returns the build's result and the part's location.
 */
export async function writeShard<T>(
  prefix: string,
  shard: ShardOption,
  s3: S3Options | undefined,
  build: (localOut: string) => Promise<T>,
): Promise<{ result: T; part: string; local: string | null }> {
  checkBuildShard(shard);
  if (!/^s3:\/\//i.test(prefix)) {
    mkdirSync(prefix, { recursive: true });
    const local = join(prefix, partName(shard.rank));
    return { result: await build(local), part: local, local };
  }
  const part = `${prefix.replace(/\/+$/, '')}/${partName(shard.rank)}`;
  const dir = join(tmpdir(), `geoslice-shard-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  try {
    const result = await build(join(dir, partName(shard.rank)));
    await uploadFile(new S3Client(s3), join(dir, partName(shard.rank)), part);
    return { result, part, local: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
