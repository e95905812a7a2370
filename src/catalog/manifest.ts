/**
 * The commit record of a compacted catalog prefix: `_manifest.json` names the data files of the
 * current version. It is written last (a conditional PUT on S3, a rename under the directory lock
 * locally), so readers see either the old version or the new one, never a half-written one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogError, SourceError } from '../errors.js';
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
  /**
   * Per data file (same keys as `files`): the bounds of its rows, so remote readers skip files a query
   * cannot match without a request. Absent in manifests written before it existed.
   */
  extents?: Record<string, FileExtent>;
}

/**
 * The bounds of one data file's rows: union of their bboxes (EPSG:4326), and their time range with the
 * query rule's NULL handling (a single NULL bound takes the other's value); `undated` when some row has
 * both times NULL (such rows match interval queries with `includeUndated`).
 */
export interface FileExtent {
  bbox: [number, number, number, number];
  /** ISO 8601 UTC, or null when no row of the file is dated. */
  tmin: string | null;
  tmax: string | null;
  undated: boolean;
}

function validExtent(e: unknown): boolean {
  const x = e as FileExtent;
  const time = (t: unknown) => t === null || (typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray(x.bbox) &&
    x.bbox.length === 4 &&
    x.bbox.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    time(x.tmin) &&
    time(x.tmax) &&
    typeof x.undated === 'boolean'
  );
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
    m.files.every((f) => typeof f === 'string' && !f.startsWith('/') && !f.split('/').includes('..')) &&
    (m.extents === undefined ||
      (typeof m.extents === 'object' &&
        m.extents !== null &&
        Object.entries(m.extents).every(([f, e]) => m.files.includes(f) && validExtent(e))));
  if (!ok)
    throw new CatalogError(
      'BAD_MANIFEST',
      `${where} is not a geoslice manifest (format geoslice-manifest/1 with relative data files and well-formed extents)`,
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

/**
 * The manifest of an `http(s)://…/prefix/` (`<prefix>_manifest.json`), or null when the server has none
 * (HTTP 404). Other failures are {@link SourceError}s naming the URL.
 */
export async function readHttpManifest(
  prefix: string,
  headers: Record<string, string> = {},
): Promise<CatalogManifest | null> {
  const href = `${prefix.replace(/\/+$/, '')}/${MANIFEST_NAME}`;
  let res: Response;
  try {
    res = await fetch(href, { headers });
  } catch (e) {
    throw new SourceError('CONNECTION', `GET ${href} failed: ${(e as Error).message}`, { cause: e, subject: href });
  }
  if (res.status === 404) {
    await res.arrayBuffer();
    return null;
  }
  if (!res.ok) {
    await res.arrayBuffer();
    const code = res.status === 401 || res.status === 403 ? 'ACCESS_DENIED' : 'HTTP_STATUS';
    throw new SourceError(code, `GET ${href}: HTTP ${res.status}`, { subject: href });
  }
  return parseManifest(await res.text(), href);
}
