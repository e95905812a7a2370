/**
 * Safe SQL composition for the DuckDB backend: identifier validation and quoting, and the rewriting
 * of user fragments' placeholders (`?`, `$1`, `$name`) into unique named parameters so fragments
 * from many lazy operations compose into one statement with one parameter map.
 * User values never reach SQL text; they are bound.
 */
import { CatalogError } from '../../errors.js';
import type { SqlParams } from '../types.js';

/**
 * A SQL text plus the named parameters (without `$`) it references.
 */
export interface BoundSql {
  sql: string;
  params: Record<string, unknown>;
  /** True when the SQL contains user text (`where`, `sql()`): it then runs only in the sandbox (`sandbox.ts`). */
  untrusted?: boolean;
}

const IDENT = /^[\p{L}_][\p{L}\p{N}_:.-]*$/u;

/**
 * Validates a column or table name and returns it double-quoted. Letters, digits, `_`, `:`, `.`
 * and `-` are allowed (so STAC names such as `eo:cloud_cover` work); anything else, including
 * quotes, spaces, semicolons and comments, is refused with {@link CatalogError} `BAD_IDENTIFIER`.
 */
export function quoteIdent(name: string, what = 'identifier'): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256 || !IDENT.test(name)) {
    throw new CatalogError(
      'BAD_IDENTIFIER',
      `${what} ${JSON.stringify(name)} is not a valid column/table name: use letters, digits, "_", ":", "." or "-" (starting with a letter or "_")`,
      { subject: String(name) },
    );
  }
  return `"${name}"`;
}

/**
 * Quotes a column or field name read from a file's own schema (so any name the file uses works):
 * double quotes with embedded quotes doubled. Names typed by users go through {@link quoteIdent}.
 */
export function quoteSchemaName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A SQL string literal for text geoslice itself produces (file paths, metadata JSON): single quotes doubled.
 * Never used for user values, which are bound parameters.
 */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * A file path as DuckDB must receive it to read exactly that file: DuckDB expands `*`, `?` and
 * `[...]` in every path given to `read_parquet` & co., so each such character becomes a one-character
 * class matching only itself. Patterns are expanded by geoslice (tinyglobby) only when asked for.
 */
export function literalPath(path: string): string {
  return path.replace(/[[\]*?]/g, (c) => `[${c}]`);
}

let fragmentCounter = 0;

/**
 * Rewrites a user SQL fragment so that its placeholders become unique named parameters, and
 * returns it with the matching parameter map. Positional `params` (an array) serve `?` (in order)
 * and `$1`, `$2`...; named `params` (an object) serve `$name`. String literals, quoted identifiers
 * and comments are left alone. Throws {@link CatalogError} `BAD_QUERY` when the fragment contains a
 * `;` (one statement only), unbalanced parentheses, a placeholder without a value, or a value no
 * placeholder uses.
 */
export function bindFragment(sql: string, params: SqlParams | undefined, what = 'where'): BoundSql {
  if (typeof sql !== 'string' || sql.trim().length === 0)
    throw new CatalogError('BAD_QUERY', `${what} must be a non-empty SQL string`);
  const prefix = `f${++fragmentCounter}_`;
  const positional = Array.isArray(params) ? params : null;
  const named = params && !Array.isArray(params) ? params : null;
  if (params !== undefined && params !== null && typeof params !== 'object') {
    throw new CatalogError(
      'BAD_QUERY',
      `${what} params must be an array (for ? / $1) or an object (for $name), got ${typeof params}`,
    );
  }
  const out: Record<string, unknown> = {};
  const used = new Set<string>();
  let text = '';
  let qIndex = 0;
  let depth = 0;
  const n = sql.length;
  let i = 0;
  const fail = (why: string): never => {
    throw new CatalogError(
      'BAD_QUERY',
      `${what} ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}...` : sql)}: ${why}`,
    );
  };
  const take = (key: string, value: () => unknown): string => {
    const name = prefix + key.replace(/[^A-Za-z0-9_]/g, '_');
    out[name] = value();
    used.add(key);
    return `$${name}`;
  };
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) fail(`unterminated ${c === "'" ? 'string literal' : 'quoted identifier'}`);
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      text += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      i = j < 0 ? n : j + 1;
      text += ' ';
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      if (j < 0) fail('unterminated /* comment');
      i = j + 2;
      text += ' ';
    } else if (c === ';') {
      fail('contains ";" — only one expression/statement is allowed; pass values through params');
    } else if (c === '(') {
      depth++;
      text += c;
      i++;
    } else if (c === ')') {
      if (--depth < 0) fail('has an unbalanced ")"');
      text += c;
      i++;
    } else if (c === '?') {
      if (!positional) fail('uses "?" but params is not an array');
      const k = qIndex++;
      if (k >= positional!.length) fail(`has more "?" placeholders than the ${positional!.length} params given`);
      text += take(String(k + 1), () => positional![k]);
      i++;
    } else if (c === '$') {
      if (sql[i + 1] === '$') fail("dollar-quoted strings are not supported; use '...' or params");
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*|[0-9]+)/.exec(sql.slice(i));
      if (!m) {
        text += c;
        i++;
        continue;
      }
      const key = m[1];
      if (/^[0-9]+$/.test(key)) {
        if (!positional) fail(`uses $${key} but params is not an array`);
        const k = Number(key) - 1;
        if (k < 0 || k >= positional!.length) fail(`uses $${key} but only ${positional!.length} params are given`);
        text += take(key, () => positional![k]);
      } else {
        if (!named || !Object.hasOwn(named, key)) fail(`uses $${key} but params has no "${key}"`);
        text += take(key, () => named![key]);
      }
      i += m[0].length;
    } else {
      text += c;
      i++;
    }
  }
  if (depth !== 0) fail('has an unbalanced "("');
  if (positional) {
    const usedCount = new Set([...used].filter((k) => /^[0-9]+$/.test(k))).size;
    if (usedCount !== positional.length) fail(`${positional.length} params given but ${usedCount} used`);
  } else if (named) {
    const unused = Object.keys(named).filter((k) => !used.has(k));
    if (unused.length) fail(`params ${unused.map((k) => JSON.stringify(k)).join(', ')} are not used`);
  }
  return { sql: text, params: out };
}
