/**
 * The DuckDB instance behind DuckDB catalogs: settings (memory limit, threads, spill directory),
 * geoslice's SQL functions, one fresh connection per task, and statement execution that turns
 * DuckDB failures into {@link CatalogError}s naming the source.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JSDuckDBValueConverter,
  DuckDBInstance,
  TIMESTAMPTZ,
  blobValue,
  jsToDuckDBValue,
  listValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CatalogError, GeosliceError } from '../../errors.js';
import { scratchPrefix } from '../temp-files.js';
import { registerUdfs } from './udf.js';

/**
 * Options of a DuckDB engine.
 */
export interface EngineOptions {
  /** DuckDB `memory_limit`, e.g. '2GB'. Default: DuckDB's (80% of RAM). Sorts and joins spill to `tempDirectory` beyond it. */
  memoryLimit?: string;
  /** DuckDB `threads`. Default: DuckDB's (all cores). */
  threads?: number;
  /** Spill directory. Default: a fresh directory under the OS temp dir, removed by `close()`. */
  tempDirectory?: string;
}

/**
 * One in-process DuckDB database (in memory) with geoslice's functions registered. Catalogs that
 * share an engine can be joined in SQL. Each task takes its own connection with {@link DuckDBEngine.connect}.
 */
export class DuckDBEngine {
  private closed = false;
  private tableCounter = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly ownedTempDir: string | null,
    readonly options: EngineOptions,
  ) {}

  /** Creates an engine. Throws {@link CatalogError} `BAD_OPTION` for invalid settings. */
  static async create(options: EngineOptions = {}): Promise<DuckDBEngine> {
    if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
      throw new CatalogError('BAD_OPTION', `threads must be a positive integer, got ${String(options.threads)}`);
    }
    if (
      options.memoryLimit !== undefined &&
      !/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.test(options.memoryLimit)
    ) {
      throw new CatalogError(
        'BAD_OPTION',
        `memoryLimit must look like '512MB' or '2GB', got ${JSON.stringify(options.memoryLimit)}`,
      );
    }
    const ownedTempDir = options.tempDirectory ? null : mkdtempSync(join(tmpdir(), scratchPrefix('duckdb')));
    if (ownedTempDir) liveTempDirs.add(ownedTempDir);
    const settings: Record<string, string> = { temp_directory: options.tempDirectory ?? ownedTempDir! };
    if (options.memoryLimit) settings.memory_limit = options.memoryLimit.trim();
    if (options.threads) settings.threads = String(options.threads);
    const instance = await DuckDBInstance.create(':memory:', settings);
    const engine = new DuckDBEngine(instance, ownedTempDir, options);
    const conn = await instance.connect();
    try {
      registerUdfs(conn);
    } finally {
      conn.closeSync();
    }
    return engine;
  }

  /**
   * A new connection with geoslice's session settings (GeoParquet geometry is read as plain WKB BLOBs,
   * so every GeoParquet version reads the same way; time zone UTC). Close it with `closeSync()` when the task ends.
   */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new CatalogError('CLOSED', 'this catalog engine was closed; open the catalog again');
    const conn = await this.instance.connect();
    await conn.run("SET enable_geoparquet_conversion = false; SET TimeZone = 'UTC'");
    return conn;
  }

  /** A table name unique within this engine, for imported rows and joined tables. */
  newTableName(prefix: string): string {
    return `${prefix}_${++this.tableCounter}`;
  }

  /** Runs one statement on a fresh connection and returns its rows as plain JS objects. */
  async all(
    sql: string,
    params: Record<string, unknown> = {},
    subject = 'catalog',
  ): Promise<Record<string, unknown>[]> {
    const conn = await this.connect();
    try {
      return await runAll(conn, sql, params, subject);
    } finally {
      conn.closeSync();
    }
  }

  /** Runs statements (no result) on a fresh connection. */
  async exec(sql: string, params: Record<string, unknown> = {}, subject = 'catalog'): Promise<void> {
    const conn = await this.connect();
    try {
      await runStatement(conn, sql, params, subject);
    } finally {
      conn.closeSync();
    }
  }

  /** Closes the database and removes its spill directory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.instance.closeSync();
    if (this.ownedTempDir) {
      rmSync(this.ownedTempDir, { recursive: true, force: true });
      liveTempDirs.delete(this.ownedTempDir);
    }
  }
}

const liveTempDirs = new Set<string>();
process.once('exit', () => {
  for (const d of liveTempDirs) rmSync(d, { recursive: true, force: true });
});

/** Registers a scratch directory to remove when the process exits (if not released before). */
export function trackTempDir(dir: string): void {
  liveTempDirs.add(dir);
}

/** Forgets a scratch directory registered with {@link trackTempDir} (after removing it). */
export function releaseTempDir(dir: string): void {
  liveTempDirs.delete(dir);
}

let shared: Promise<DuckDBEngine> | null = null;

/**
 * The process-wide engine used by catalogs opened without engine options, so that they can be joined
 * in SQL. It lives until the process exits.
 */
export function sharedEngine(): Promise<DuckDBEngine> {
  if (!shared) {
    shared = DuckDBEngine.create();
    shared.catch(() => {
      shared = null;
    });
  }
  return shared;
}

/**
 * Converts a bound parameter to a DuckDB value: null, boolean, number, bigint, string, Date
 * (TIMESTAMPTZ), Uint8Array (BLOB) and arrays of those. Anything else is a {@link CatalogError} `BAD_QUERY`.
 */
export function toDuckValue(v: unknown, name: string): DuckDBValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'bigint':
    case 'string':
      if (typeof v === 'number' && !Number.isFinite(v)) break;
      return v as DuckDBValue;
    case 'object':
      if (v instanceof Date) {
        if (Number.isNaN(v.getTime())) break;
        return jsToDuckDBValue(v, TIMESTAMPTZ);
      }
      if (v instanceof Uint8Array) return blobValue(v);
      if (Array.isArray(v)) return listValue(v.map((x, i) => toDuckValue(x, `${name}[${i}]`)));
      break;
    default:
      break;
  }
  throw new CatalogError(
    'BAD_QUERY',
    `parameter ${name} has an unsupported value ${String(v)}: use null, a boolean, a finite number, a bigint, a string, a Date, a Uint8Array or an array of those`,
    { subject: name },
  );
}

function bind(params: Record<string, unknown>): Record<string, DuckDBValue> {
  const out: Record<string, DuckDBValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = toDuckValue(v, k);
  return out;
}

/**
 * Wraps an error thrown by DuckDB into a {@link CatalogError} (`QUERY_FAILED`, or `INVALID_WKB` when
 * a geometry could not be parsed) naming the subject (file or catalog) and keeping DuckDB's message.
 */
export function duckError(e: unknown, subject: string): GeosliceError {
  if (e instanceof GeosliceError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const code = /gs_(intersects_bbox|geoms_intersect|wkb_)/.test(msg) ? 'INVALID_WKB' : 'QUERY_FAILED';
  const hint =
    code === 'INVALID_WKB' ? ' (a geometry value is not valid WKB; rewrite the file with valid footprints)' : '';
  return new CatalogError(code, `${subject}: ${msg.split('\n')[0]}${hint}`, { cause: e, subject });
}

async function checkOneStatement(conn: DuckDBConnection, sql: string, subject: string): Promise<void> {
  const stmts = await conn.extractStatements(sql).catch((e) => {
    throw duckError(e, subject);
  });
  if (stmts.count !== 1) {
    throw new CatalogError(
      'BAD_QUERY',
      `${subject}: the composed query has ${stmts.count} statements; only one is allowed`,
      { subject },
    );
  }
}

/**
 * Runs one statement (refusing several) and returns rows as plain JS values (Dates, bigints,
 * Uint8Arrays, objects); DuckDB errors become {@link CatalogError}s naming `subject`.
 */
export async function runAll(
  conn: DuckDBConnection,
  sql: string,
  params: Record<string, unknown>,
  subject: string,
): Promise<Record<string, unknown>[]> {
  await checkOneStatement(conn, sql, subject);
  try {
    const reader = await conn.runAndReadAll(sql, bind(params));
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } catch (e) {
    throw duckError(e, subject);
  }
}

/**
 * Runs one statement (refusing several) and discards its result.
 */
export async function runStatement(
  conn: DuckDBConnection,
  sql: string,
  params: Record<string, unknown>,
  subject: string,
): Promise<void> {
  await checkOneStatement(conn, sql, subject);
  try {
    await conn.run(sql, bind(params));
  } catch (e) {
    throw duckError(e, subject);
  }
}

/**
 * Column names and DuckDB types of a query's result, without reading rows.
 */
export async function describeQuery(
  conn: DuckDBConnection,
  sql: string,
  params: Record<string, unknown>,
  subject: string,
): Promise<{ name: string; type: DuckDBType }[]> {
  await checkOneStatement(conn, sql, subject);
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM (${sql}) AS d LIMIT 0`, bind(params));
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return names.map((name, i) => ({ name, type: types[i] }));
  } catch (e) {
    throw duckError(e, subject);
  }
}

/**
 * Starts a streaming query (one statement); the caller pulls chunks with `fetchChunk()`.
 */
export async function runStream(conn: DuckDBConnection, sql: string, params: Record<string, unknown>, subject: string) {
  await checkOneStatement(conn, sql, subject);
  try {
    return await conn.stream(sql, bind(params));
  } catch (e) {
    throw duckError(e, subject);
  }
}

/**
 * The rows of a streaming result as records keyed by column name, one chunk in memory at a time.
 */
export async function* streamRecords(
  result: Awaited<ReturnType<typeof runStream>>,
): AsyncGenerator<Record<string, unknown>> {
  const names = result.columnNames();
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    for (const values of chunk.convertRows(JSDuckDBValueConverter)) {
      const rec: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) rec[names[i]] = values[i];
      yield rec;
    }
  }
}
