/**
 * The commit record of a compacted catalog prefix: `_manifest.json` names the data files of the
 * current version. It is written last (a conditional PUT on S3, a rename under the directory lock
 * locally), so readers see either the old version or the new one, never a half-written one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogError } from '../errors.js';
import type { S3Client } from '../sources/s3-client.js';

/** Name of the manifest file under a catalog prefix. */
export const MANIFEST_NAME = '_manifest.json';

/**
 * The manifest of a compacted catalog.
 */
export interface CatalogManifest {
  format: 'geoslice-manifest/1';
  /** Directory (under the prefix) holding this version's files. */
  version: string;
  /** Data files relative to the prefix, sorted. */
  files: string[];
  rows: number;
  /** The shard parts the version was compacted from. */
  parts: string[];
  created: string;
}

/**
 * Parses and checks manifest text; throws {@link CatalogError} `BAD_MANIFEST` naming `where`.
 */
export function parseManifest(text: string, where: string): CatalogManifest {
  let m: CatalogManifest;
  try {
    m = JSON.parse(text) as CatalogManifest;
  } catch (e) {
    throw new CatalogError('BAD_MANIFEST', `${where} is not JSON: ${(e as Error).message}`, {
      cause: e,
      subject: where,
    });
  }
  const ok =
    m?.format === 'geoslice-manifest/1' &&
    typeof m.version === 'string' &&
    Array.isArray(m.files) &&
    m.files.length > 0 &&
    m.files.every((f) => typeof f === 'string' && !f.startsWith('/') && !f.split('/').includes('..'));
  if (!ok)
    throw new CatalogError(
      'BAD_MANIFEST',
      `${where} is not a geoslice manifest (format geoslice-manifest/1 with relative data files)`,
      { subject: where },
    );
  return m;
}

/**
 * The manifest of a local catalog directory, or null when it has none.
 */
export function readLocalManifest(dir: string): CatalogManifest | null {
  const path = join(dir, MANIFEST_NAME);
  if (!existsSync(path)) return null;
  return parseManifest(readFileSync(path, 'utf8'), path);
}

/**
 * The manifest of an `s3://bucket/prefix/` with its ETag, or null when it has none.
 */
export async function readS3Manifest(
  client: S3Client,
  prefix: string,
): Promise<{ manifest: CatalogManifest; etag: string } | null> {
  const href = `${prefix.replace(/\/+$/, '')}/${MANIFEST_NAME}`;
  const got = await client.get(href);
  if (!got) return null;
  return { manifest: parseManifest(new TextDecoder().decode(got.body), href), etag: got.etag };
}
