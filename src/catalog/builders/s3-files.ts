/**
 * Moving whole files between the local disk and S3 for builds and compaction.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { S3Client } from '../../sources/s3-client.js';
import { openS3Source } from '../../sources/s3-source.js';

const CHUNK = 16 << 20;

/**
 * Uploads a local file to `s3://bucket/key` (one PUT).
 */
export async function uploadFile(client: S3Client, path: string, href: string): Promise<string> {
  return client.put(href, new Uint8Array(readFileSync(path)));
}

/**
 * Downloads `s3://bucket/key` to a local file in 16 MiB range reads (memory bounded by one chunk).
 */
export async function downloadFile(client: S3Client, href: string, path: string): Promise<void> {
  const src = openS3Source(href, { client });
  const fd = openSync(path, 'w');
  try {
    const size = await src.size();
    for (let at = 0; at < size; at += CHUNK) {
      const bytes = await src.read(at, Math.min(CHUNK, size - at));
      writeSync(fd, bytes);
    }
  } finally {
    closeSync(fd);
    await src.close();
  }
}
