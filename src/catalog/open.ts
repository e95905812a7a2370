/**
 * `openCatalog`: a GeoParquet file, a list of files, a directory of shards (hive layout), a glob or a
 * `.duckdb` file as a lazy DuckDB catalog; `http(s)://` and `s3://` URLs as remote catalogs.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { atBoundary, CatalogError } from '../errors.js';
import { checkOptionKeys, optionKeys, pickOptions } from '../option-keys.js';
import { DuckDBCatalog } from './duckdb/catalog.js';
import { DuckDBEngine, describeQuery, runStatement, sharedEngine, type EngineOptions } from './duckdb/engine.js';
import { quoteIdent, sqlString } from './duckdb/sql.js';
import { readManifest } from './manifest.js';
import { catalogProjection, describeFiles, geoParquetRelation } from './geoparquet/reader.js';
import {
  isRemoteCatalogUrl,
  openRemoteCatalog,
  REMOTE_CATALOG_OPTION_KEYS,
  type RemoteCatalog,
  type RemoteCatalogOptions,
} from './remote/remote-catalog.js';

/**
 * Options of {@link openCatalog}.
 */
export interface OpenCatalogOptions extends EngineOptions, RemoteCatalogOptions {
  /** Table to read from a `.duckdb` file. Default 'catalog' (what `toDuckDB` writes). */
  table?: string;
  /** Read hive partition columns (`col=value/` directories). Default: true when the paths contain `=` directories. */
  hive?: boolean;
}

/** The keys of {@link OpenCatalogOptions} (the compiler checks the list is complete). */
export const OPEN_CATALOG_OPTION_KEYS = optionKeys<OpenCatalogOptions>()([
  'memoryLimit',
  'threads',
  'tempDirectory',
  's3',
  'http',
  'concurrency',
  'table',
  'hive',
]);

/**
 * Where a catalog comes from: a path (file, directory of shards or `.duckdb` file; taken literally,
 * so `c[1].parquet` is that file), a list of paths, or `{ glob }`, a pattern expanded by geoslice.
 */
export type CatalogSource = string | string[] | { glob: string };

async function listFiles(
  source: CatalogSource,
): Promise<{ files: string[]; label: string; duckdb: string | null; hive: boolean }> {
  if (source && typeof source === 'object' && !Array.isArray(source)) {
    const pattern = (source as { glob?: unknown }).glob;
    if (typeof pattern !== 'string' || pattern.length === 0 || Object.keys(source).length !== 1)
      throw new CatalogError(
        'BAD_SOURCE',
        'openCatalog({ glob }) needs exactly one key, glob, with a non-empty pattern',
      );
    const files = (await glob(pattern, { absolute: true })).sort();
    if (files.length === 0)
      throw new CatalogError('NOT_FOUND', `the glob ${pattern} matches no files`, { subject: pattern });
    return { files, label: pattern, duckdb: null, hive: files.some((f) => /[/\\][^/\\]+=[^/\\]*[/\\]/.test(f)) };
  }
  if (Array.isArray(source)) {
    if (source.length === 0)
      throw new CatalogError('BAD_SOURCE', 'openCatalog got an empty list of files; pass at least one GeoParquet file');
    const files = source.map((f) => {
      if (typeof f !== 'string')
        throw new CatalogError('BAD_SOURCE', `openCatalog file list entries must be paths, got ${typeof f}`);
      return resolve(f);
    });
    return { files, label: describeFiles(files), duckdb: null, hive: false };
  }
  if (typeof source !== 'string' || source.length === 0)
    throw new CatalogError('BAD_SOURCE', 'openCatalog needs a path, a glob or a list of paths');
  const abs = resolve(source);
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) {
      const listed = await readManifest(abs);
      if (listed)
        return { files: listed, label: source, duckdb: null, hive: listed.some((f) => relative(abs, f).includes('=')) };
      const files = (await glob('**/*.parquet', { cwd: abs, absolute: true, dot: false })).sort();
      if (files.length === 0)
        throw new CatalogError(
          'NOT_FOUND',
          `${source} is a directory without .parquet files; pass a GeoParquet file or a directory of shards`,
          { subject: source },
        );
      return { files, label: source, duckdb: null, hive: files.some((f) => relative(abs, f).includes('=')) };
    }
    if (/\.(duckdb|ddb|db)$/i.test(abs) || isDuckDBFile(abs))
      return { files: [], label: source, duckdb: abs, hive: false };
    return { files: [abs], label: source, duckdb: null, hive: false };
  }
  throw new CatalogError(
    'NOT_FOUND',
    `${source} does not exist; pass a GeoParquet file, a list, a directory of shards or a .duckdb file (paths are literal: to expand a pattern pass { glob: ${JSON.stringify(source)} })`,
    { subject: source },
  );
}

function isDuckDBFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(12);
    readSync(fd, b, 0, 12, 0);
    return b.subarray(8, 12).toString('latin1') === 'DUCK';
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a catalog lazily: only Parquet footers (or the `.duckdb` table schema) are read now; rows are
 * read by the eager operations. A directory with a `_manifest.json` (written by `appendToCatalog`,
 * `compactCatalog`, `compactShards`) opens exactly the files it lists. `http(s)://` and `s3://` URLs (a file, an `s3://` prefix ending in `/`
 * or a glob) open as a {@link RemoteCatalog} read with range requests and no DuckDB extension. Third-party GeoParquet (0.4 to 2.0-dev, stac-geoparquet) maps onto the
 * catalog columns as described in `geoparquet/reader.ts`. Without `memoryLimit`/`threads`/`tempDirectory`
 * the catalog lives in the process-wide shared DuckDB engine (so catalogs join in SQL); with them it
 * gets a private engine, closed by `close()`.
 *
 * Throws {@link CatalogError}: `NOT_FOUND`, `NOT_PARQUET`, `TRUNCATED`, `NO_GEOMETRY`,
 * `UNSUPPORTED_ENCODING` (GeoArrow), `UNSUPPORTED_CRS` (geometry not in EPSG:4326), `BAD_GEO_METADATA`,
 * `MISSING_TABLE`, each naming the file.
 *
 * @example
 * ```ts
 * import { openCatalog } from 'geoslice';
 *
 * const shards = await openCatalog('catalog/'); // a directory of shards
 * const s2 = await openCatalog({ glob: 'data/*.parquet' }, { threads: 4 }); // a pattern, said explicitly
 * const db = await openCatalog('scenes.duckdb', { table: 'catalog' });
 * console.log(await shards.count(), await s2.bounds(), await db.temporalExtent());
 * ```
 */
export async function openCatalog(
  source: `${'http' | 'https' | 's3'}://${string}`,
  opts?: OpenCatalogOptions,
): Promise<RemoteCatalog>;
export async function openCatalog(
  source: CatalogSource,
  opts?: OpenCatalogOptions,
): Promise<DuckDBCatalog | RemoteCatalog>;
export async function openCatalog(
  source: CatalogSource,
  opts: OpenCatalogOptions = {},
): Promise<DuckDBCatalog | RemoteCatalog> {
  return atBoundary(CatalogError, `openCatalog ${describeSource(source)}`, async () => {
    checkOptionKeys(opts, OPEN_CATALOG_OPTION_KEYS, 'openCatalog', CatalogError);
    if ((typeof source === 'string' || Array.isArray(source)) && isRemoteCatalogUrl(source))
      return openRemoteCatalog(source, pickOptions(opts, REMOTE_CATALOG_OPTION_KEYS));
    return openLocalCatalog(source, opts);
  });
}

function describeSource(source: unknown): string {
  try {
    return JSON.stringify(source)?.slice(0, 200) ?? String(source);
  } catch {
    return String(source);
  }
}

/**
 * {@link openCatalog} for local paths (and lists, directories, `{ glob }`, `.duckdb` files) only: always a
 * {@link DuckDBCatalog}. Builders use it for the catalogs they write.
 */
export async function openLocalCatalog(source: CatalogSource, opts: OpenCatalogOptions = {}): Promise<DuckDBCatalog> {
  checkOptionKeys(opts, OPEN_CATALOG_OPTION_KEYS, 'openLocalCatalog', CatalogError);
  const { files, label, duckdb, hive } = await listFiles(source);
  const own = opts.memoryLimit !== undefined || opts.threads !== undefined || opts.tempDirectory !== undefined;
  const engine = own ? await DuckDBEngine.create(opts) : await sharedEngine();
  try {
    if (duckdb) return await openDuckDBFile(engine, duckdb, opts.table ?? 'catalog', label, own);
    const rel = await geoParquetRelation(engine, files, { hive: opts.hive ?? hive, subject: label });
    return new DuckDBCatalog(engine, label, async () => rel, own ? () => engine.close() : undefined);
  } catch (e) {
    if (own) await engine.close();
    throw e;
  }
}

async function openDuckDBFile(
  engine: DuckDBEngine,
  path: string,
  table: string,
  label: string,
  own: boolean,
): Promise<DuckDBCatalog> {
  const alias = quoteIdent(engine.newTableName('gs_db'));
  const t = quoteIdent(table, 'table');
  const conn = await engine.connect();
  try {
    await runStatement(conn, `ATTACH ${sqlString(path)} AS ${alias} (READ_ONLY)`, {}, path);
    let columns: Awaited<ReturnType<typeof describeQuery>>;
    try {
      columns = await describeQuery(conn, `SELECT * FROM ${alias}.${t}`, {}, path);
    } catch (e) {
      await runStatement(conn, `DETACH ${alias}`, {}, path);
      throw new CatalogError(
        'MISSING_TABLE',
        `${path} has no readable table ${JSON.stringify(table)}; pass { table } naming the catalog table`,
        { subject: path, cause: e },
      );
    }
    const sql = catalogProjection(
      `${alias}.${t}`,
      columns,
      { version: 'duckdb', column: 'geometry', covering: null },
      path,
      false,
    );
    const release = own ? () => engine.close() : () => engine.exec(`DETACH ${alias}`);
    return new DuckDBCatalog(engine, label, async () => ({ sql, params: {} }), release);
  } finally {
    conn.closeSync();
  }
}
