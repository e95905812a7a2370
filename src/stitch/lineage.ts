import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { GeoCatalog } from '../catalog/index.js';

/**
 * Where a derived catalog came from, as written into its lineage columns.
 */
export interface CatalogLineage {
  /** The parent catalog's path (absolute) or, for catalogs not backed by one file or directory, its `source` description. */
  parent: string;
  /** `sha256:<hex>`. */
  hash: string;
  /** `'bytes'`: hash of the file's bytes (for a directory: of every file's relative path and bytes, sorted by path). `'rows'`: hash of the rows' content (in-memory catalogs, globs, lists). */
  hashOf: 'bytes' | 'rows';
}

/**
 * Fingerprints a catalog for lineage. When `catalog.source` is an existing file or directory the hash
 * covers its bytes, so any later change to the parent is detectable; otherwise it covers the rows
 * (id, assets, geometry, bbox, times, crs and extras, in the order `rows()` yields them).
 */
export async function catalogLineage(catalog: GeoCatalog): Promise<CatalogLineage> {
  const src = catalog.source;
  if (existsSync(src)) {
    const abs = resolve(src);
    const h = createHash('sha256');
    if (statSync(abs).isDirectory()) {
      for (const f of listFiles(abs)) {
        h.update(relative(abs, f));
        h.update('\0');
        await hashFile(h, f);
      }
    } else await hashFile(h, abs);
    return { parent: abs, hash: `sha256:${h.digest('hex')}`, hashOf: 'bytes' };
  }
  const h = createHash('sha256');
  for await (const row of catalog.rows({ batchSize: 4096 })) {
    h.update(
      JSON.stringify(
        [row.id, row.assets, row.bbox, row.tmin?.toISOString() ?? null, row.tmax?.toISOString() ?? null, row.crs],
        canonical,
      ),
    );
    h.update(row.geometry);
    h.update(JSON.stringify(row.extras, canonical));
    h.update('\n');
  }
  return { parent: src, hash: `sha256:${h.digest('hex')}`, hashOf: 'rows' };
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function hashFile(h: Hash, path: string): Promise<void> {
  return new Promise((ok, fail) => {
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('end', () => ok())
      .on('error', fail);
  });
}

/** JSON replacer giving one spelling per value: sorted object keys, BigInt as text, bytes as hex, dates as ISO. */
function canonical(this: unknown, _key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]),
    );
  }
  return v;
}
