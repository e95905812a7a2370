/**
 * The sandbox in which relations containing user SQL run: a separate DuckDB instance that first opens
 * what the trusted part of the relation reads (its Parquet files, attached `.duckdb` files, and
 * snapshots of the engine's in-memory tables as Parquet in a scratch directory), then sets
 * `allowed_paths`/`allowed_directories` to exactly those, `enable_external_access = false` and
 * `lock_configuration = true` before any user SQL runs. DuckDB itself then refuses any other file
 * read or write, ATTACH, INSTALL/LOAD and SET, whatever the SQL text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { DuckDBEngine } from './engine.js';
import { scratchPrefix } from '../temp-files.js';
import { duckError, releaseTempDir, trackTempDir } from './engine.js';
import { literalPath, quoteIdent, sqlString } from './sql.js';
import { registerUdfs } from './udf.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Files, attached databases and tables a (trusted) relation reads, found in DuckDB's parse tree. */
interface Dependencies {
  files: Set<string>;
  attached: Set<string>;
  tables: Set<string>;
}

function strings(node: Json, out: Set<string>): void {
  if (Array.isArray(node)) for (const c of node) strings(c, out);
  else if (node && typeof node === 'object') {
    if (node.class === 'CONSTANT') {
      const v = (node.value as { value?: Json } | null)?.value;
      if (typeof v === 'string') out.add(v);
    }
    for (const v of Object.values(node)) strings(v, out);
  }
}

function dependencies(node: Json, deps: Dependencies): void {
  if (Array.isArray(node)) {
    for (const c of node) dependencies(c, deps);
    return;
  }
  if (!node || typeof node !== 'object') return;
  if (node.type === 'TABLE_FUNCTION') {
    const fn = node.function as { function_name?: string; children?: Json[] } | null;
    if (fn?.function_name === 'read_parquet' && fn.children?.length) strings(fn.children[0], deps.files);
  } else if (node.type === 'BASE_TABLE') {
    // `alias.table` parses as schema.table; either names an attached database (unknown names are dropped later)
    if (node.catalog_name) deps.attached.add(String(node.catalog_name));
    else if (node.schema_name) deps.attached.add(String(node.schema_name));
    else deps.tables.add(String(node.table_name));
  }
  for (const v of Object.values(node)) dependencies(v, deps);
}

/**
 * A locked DuckDB instance for one relation. Connections come from {@link Sandbox.connect}; the
 * scratch directory (the only writable place) holds table snapshots and intermediate outputs.
 */
export class Sandbox {
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The sandbox's only writable directory. */
    readonly scratch: string,
  ) {}

  /**
   * Opens what `sql` (a relation whose user parts passed `checkUserSql`) reads from `engine`, then locks.
   * Errors are {@link CatalogError}s naming `subject`.
   */
  static async create(engine: DuckDBEngine, sql: string, subject: string): Promise<Sandbox> {
    const scratch = mkdtempSync(join(engine.options.tempDirectory ?? tmpdir(), scratchPrefix('sandbox')));
    trackTempDir(scratch);
    let instance: DuckDBInstance | null = null;
    try {
      const main = await engine.connect();
      const deps: Dependencies = { files: new Set(), attached: new Set(), tables: new Set() };
      const attachedPaths = new Map<string, string>();
      try {
        const tree = await main.runAndReadAll('SELECT json_serialize_sql($q::VARCHAR) AS j', { q: sql });
        const parsed = JSON.parse(String(tree.getRowObjectsJS()[0].j)) as { statements?: Json[] };
        dependencies(parsed.statements ?? [], deps);
        const known = await main.runAndReadAll(
          "SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'memory' AND NOT temporary",
        );
        const mainTables = new Set(known.getRowObjectsJS().map((r) => String(r.t)));
        for (const t of [...deps.tables]) if (!mainTables.has(t)) deps.tables.delete(t);
        const dbs = await main.runAndReadAll('SELECT database_name AS n, path FROM duckdb_databases()');
        for (const r of dbs.getRowObjectsJS()) if (r.path) attachedPaths.set(String(r.n), String(r.path));
        for (const t of deps.tables) {
          await main.run(
            `COPY (SELECT * FROM ${quoteIdent(t)}) TO ${sqlString(join(scratch, `${t}.parquet`))} (FORMAT parquet)`,
          );
        }
      } finally {
        main.closeSync();
      }
      const settings: Record<string, string> = { temp_directory: join(scratch, 'spill') };
      if (engine.options.memoryLimit) settings.memory_limit = engine.options.memoryLimit.trim();
      if (engine.options.threads) settings.threads = String(engine.options.threads);
      instance = await DuckDBInstance.create(':memory:', settings);
      const conn = await instance.connect();
      try {
        registerUdfs(conn);
        await conn.run("SET GLOBAL enable_geoparquet_conversion = false; SET GLOBAL TimeZone = 'UTC'");
        for (const alias of deps.attached) {
          const path = attachedPaths.get(alias);
          if (path) await conn.run(`ATTACH ${sqlString(path)} AS ${quoteIdent(alias)} (READ_ONLY)`);
        }
        for (const t of deps.tables) {
          const file = literalPath(join(scratch, `${t}.parquet`));
          await conn.run(`CREATE VIEW ${quoteIdent(t)} AS SELECT * FROM read_parquet(${sqlString(file)})`);
        }
        const files = [...deps.files].flatMap((f) => [f, f.replace(/\[([[\]*?])\]/g, '$1')]).map(sqlString);
        await conn.run(`SET allowed_paths = [${files.join(', ')}]`);
        await conn.run(`SET allowed_directories = [${sqlString(`${scratch}/`)}]`);
        await conn.run('SET enable_external_access = false');
        await conn.run('SET lock_configuration = true');
      } finally {
        conn.closeSync();
      }
      return new Sandbox(instance, scratch);
    } catch (e) {
      instance?.closeSync();
      rmSync(scratch, { recursive: true, force: true });
      releaseTempDir(scratch);
      throw duckError(e, subject);
    }
  }

  /** A connection to the locked instance; close it with `closeSync()`. */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Closes the instance and removes the scratch directory. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.instance.closeSync();
    rmSync(this.scratch, { recursive: true, force: true });
    releaseTempDir(this.scratch);
  }
}
