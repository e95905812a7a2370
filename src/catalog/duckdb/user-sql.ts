/**
 * Validation of user SQL (`where`, `sql()`, `aggregate()`, CLI `--where`) with DuckDB's own parser
 * (`json_serialize_sql`), never with regexes: the text must be one SELECT whose only tables are the
 * relation `catalog` and the CTEs it defines itself. Table functions (`read_text`, `read_csv`,
 * `read_parquet`, `glob`, `query_table`...), file paths in FROM, qualified table names, other
 * statements (UPDATE, INSERT, DELETE, SET, ATTACH, INSTALL, LOAD, COPY, PRAGMA...) and recursive CTEs
 * are refused with {@link CatalogError} `UNSAFE_SQL`. Validated SQL then runs in a sandbox
 * (`sandbox.ts`) where DuckDB itself refuses file access and configuration changes.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { CatalogError } from '../../errors.js';

/** What a fragment is: a boolean expression (`where`) or a full query over `catalog` (`select`). */
export type UserSqlKind = 'where' | 'select';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function refuse(what: string, sql: string, why: string, code = 'UNSAFE_SQL'): never {
  const shown = sql.length > 200 ? `${sql.slice(0, 200)}...` : sql;
  throw new CatalogError(code, `${what} ${JSON.stringify(shown)}: ${why}`, { subject: what });
}

/** Every CTE name defined anywhere in the tree (lower case). */
function cteNames(node: Json, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const c of node) cteNames(c, out);
  else if (node && typeof node === 'object') {
    const map = (node.cte_map as { map?: { key: string }[] } | undefined)?.map;
    if (Array.isArray(map)) for (const e of map) out.add(String(e.key).toLowerCase());
    for (const v of Object.values(node)) cteNames(v, out);
  }
  return out;
}

function walk(node: Json, allowed: Set<string>, fail: (why: string) => never): void {
  if (Array.isArray(node)) {
    for (const c of node) walk(c, allowed, fail);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const type = node.type;
  if (type === 'TABLE_FUNCTION') {
    const fn = (node.function as { function_name?: string } | null)?.function_name ?? 'a table function';
    fail(`calls the table function ${fn}(); user SQL may only read the relation \`catalog\``);
  }
  if (type === 'BASE_TABLE') {
    const name = String(node.table_name);
    if (node.catalog_name || node.schema_name)
      fail(`names the qualified table ${[node.catalog_name, node.schema_name, name].filter(Boolean).join('.')}`);
    if (!allowed.has(name.toLowerCase()))
      fail(`reads ${JSON.stringify(name)}; user SQL may only read the relation \`catalog\` and its own CTEs`);
  }
  if (type === 'RECURSIVE_CTE_NODE') fail('uses a recursive CTE, which may never end');
  for (const v of Object.values(node)) walk(v, allowed, fail);
}

/**
 * The `error_type` of `json_serialize_sql` for text DuckDB's parser rejects. Every other error of it is
 * a statement it will not serialize — anything but a SELECT (UPDATE, SET, ATTACH, COPY...) — and is
 * refused as unsafe, whatever DuckDB calls it.
 */
const PARSE_ERROR = 'parser';

/**
 * Checks user SQL with DuckDB's parser on `conn` (the text is a bound parameter, it is not run).
 * A `where` fragment must be an expression usable as `WHERE (fragment)`; a `select` must be one
 * SELECT (or WITH/FROM-first query) over `catalog`. Throws {@link CatalogError} `UNSAFE_SQL` naming
 * what was refused, `BAD_QUERY` when DuckDB cannot parse it.
 */
export async function checkUserSql(
  conn: DuckDBConnection,
  sql: string,
  kind: UserSqlKind,
  what: string,
): Promise<void> {
  const text = kind === 'where' ? `SELECT * FROM catalog WHERE (${sql}\n)` : sql;
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($q::VARCHAR) AS j', { q: text });
  const parsed = JSON.parse(String(reader.getRowObjectsJS()[0].j)) as {
    error: boolean;
    error_type?: string;
    error_message?: string;
    statements?: Json[];
  };
  if (parsed.error) {
    // a data-modifying CTE (WITH a AS (DELETE ... RETURNING *) SELECT ...) is a parse error in DuckDB
    const syntax = parsed.error_type === PARSE_ERROR && !/CTE needs a SELECT/i.test(parsed.error_message ?? '');
    if (!syntax)
      refuse(what, sql, 'is not a single SELECT; user SQL cannot modify tables, change settings or run commands');
    refuse(what, sql, `does not parse: ${parsed.error_message ?? 'syntax error'}`, 'BAD_QUERY');
  }
  const statements = parsed.statements ?? [];
  if (statements.length !== 1) refuse(what, sql, `has ${statements.length} statements; only one SELECT is allowed`);
  const ctes = cteNames(statements, new Set());
  for (const c of ctes) if (c.startsWith('gs_')) refuse(what, sql, `defines the CTE ${c}; the prefix gs_ is reserved`);
  const allowed = new Set([...ctes, 'catalog']);
  walk(statements, allowed, (why) => refuse(what, sql, why));
}
