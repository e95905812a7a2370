/**
 * The commit point of a catalog directory or prefix: `_manifest.json` names the data files of the
 * catalog's current state, relative to the directory (local) or prefix (`s3://bucket/prefix/`).
 * Writers write data files first and the manifest last — locally a temp file, fsync and one rename
 * under the directory lock; on S3 a conditional PUT (`If-Match` the previous ETag, `If-None-Match: *`
 * for the first) — so a reader sees either the old or the new list of files, never both and never a
 * half-written one. `appendToCatalog`/`compactCatalog` (shards of one directory) and `compactShards`
 * (a Hilbert-sorted, partitioned version of a sharded build) both commit this way, and
 * `openCatalog(dir or prefix)` reads the manifest through {@link readManifest}.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BuildError, CatalogError, SourceError } from '../errors.js';
import type { S3Client } from '../sources/s3-client.js';
import { syncDir, tempSibling } from './temp-files.js';

/** Name of the manifest file in a catalog directory or under a catalog prefix. */
export const MANIFEST_NAME = '_manifest.json';

/**
 * The manifest of a catalog directory or prefix.
 */
export interface CatalogManifest {
  format: 'geoslice-manifest/1';
  /** Id of this commit; `compactShards` also names the directory of the version's files after it. */
  version: string;
  /** Data files relative to the directory or prefix (`/`-separated, no `..`), sorted. May be empty. */
  files: string[];
  /** Rows in the files, when the writer counted them. */
  rows?: number;
  /** The shard parts a `compactShards` version was compacted from. */
  parts?: string[];
  /** ISO time of the commit. */
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
 * A new manifest for `files` (relative to the catalog directory or prefix) with a fresh commit id
 * unless `version` is given.
 */
export function newManifest(
  files: readonly string[],
  extra: { version?: string; rows?: number; parts?: string[] } = {},
): CatalogManifest {
  return {
    format: 'geoslice-manifest/1',
    version: extra.version ?? newVersionId(),
    files: [...files].sort(),
    ...(extra.rows === undefined ? {} : { rows: extra.rows }),
    ...(extra.parts === undefined ? {} : { parts: extra.parts }),
    created: new Date().toISOString(),
  };
}

/**
 * A fresh commit id: `v-<time base 36>-<8 hex>`.
 */
export function newVersionId(): string {
  return `v-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Parses and checks manifest text; throws {@link CatalogError} `BAD_MANIFEST` naming `where`.
 */
export function parseManifest(text: string, where: string): CatalogManifest {
  let m: CatalogManifest;
  try {
    m = JSON.parse(text) as CatalogManifest;
  } catch (e) {
    throw new CatalogError(
      'BAD_MANIFEST',
      `${where} is not JSON (${(e as Error).message}); restore it, or remove it to open every .parquet file`,
      { cause: e, subject: where },
    );
  }
  const ok =
    m?.format === 'geoslice-manifest/1' &&
    typeof m.version === 'string' &&
    Array.isArray(m.files) &&
    m.files.every(
      (f) =>
        typeof f === 'string' &&
        f.length > 0 &&
        !f.startsWith('/') &&
        !f.includes('\\') &&
        !f.includes(':') &&
        !f.split('/').includes('..'),
    ) &&
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
 * The manifest of a local catalog directory, or null when it has none. Throws {@link CatalogError}
 * `BAD_MANIFEST` for an unreadable or malformed one.
 */
export function readLocalManifest(dir: string): CatalogManifest | null {
  const path = join(resolve(dir), MANIFEST_NAME);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CatalogError('BAD_MANIFEST', `${path}: ${(e as Error).message}`, { subject: path, cause: e });
  }
  return parseManifest(text, path);
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

/**
 * The committed data files of a catalog directory or `s3://` prefix, as absolute paths or URLs, or
 * null when it has no manifest — the one reader `openCatalog` uses for local and remote catalogs.
 * Throws {@link CatalogError} `BAD_MANIFEST`, or `NOT_FOUND` when the manifest lists no files.
 */
export async function readManifest(location: string, client?: S3Client): Promise<string[] | null> {
  const remote = /^s3:\/\//i.test(location);
  if (remote && !client) throw new CatalogError('BAD_SOURCE', `${location}: reading an s3:// manifest needs a client`);
  const manifest = remote ? (await readS3Manifest(client!, location))?.manifest : readLocalManifest(location);
  if (!manifest) return null;
  if (manifest.files.length === 0)
    throw new CatalogError('NOT_FOUND', `${location} is an empty catalog (its manifest lists no files)`, {
      subject: location,
    });
  const base = remote ? location.replace(/\/+$/, '') : resolve(location);
  return manifest.files.map((f) => (remote ? `${base}/${f}` : join(base, f)));
}

/**
 * Commits a manifest in a local directory: writes it to a temp file, fsyncs it, renames it over
 * `_manifest.json` and fsyncs the directory. Call it under the directory's writer lock.
 */
export function writeLocalManifest(dir: string, manifest: CatalogManifest): void {
  const path = join(resolve(dir), MANIFEST_NAME);
  const tmp = tempSibling(path);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(manifest, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dir);
}

/**
 * Commits a manifest under an `s3://` prefix with a conditional PUT: `If-Match` the ETag of the
 * manifest read before the write (`null`: there was none, `If-None-Match: *`). Throws
 * {@link BuildError} `CONFLICT` when another writer committed in between.
 */
export async function writeS3Manifest(
  client: S3Client,
  prefix: string,
  manifest: CatalogManifest,
  previousEtag: string | null,
): Promise<void> {
  const base = prefix.replace(/\/+$/, '');
  const body = new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`);
  try {
    await client.put(
      `${base}/${MANIFEST_NAME}`,
      body,
      previousEtag === null ? { ifNoneMatch: '*' } : { ifMatch: previousEtag },
    );
  } catch (e) {
    if (e instanceof SourceError && e.code === 'PRECONDITION_FAILED')
      throw new BuildError(
        'CONFLICT',
        `${base}: another writer committed a new manifest while this one ran; its version stays in force`,
        { subject: base, cause: e },
      );
    throw e;
  }
}
