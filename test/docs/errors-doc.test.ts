/**
 * docs/errors.md lists every error code used in src/ and no other: every upper-case string literal in
 * the sources (comments stripped) is an error code unless it is one of the known other literals below.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Upper-case literals in src/ that are not error codes, and what they are. */
const NOT_CODES: Record<string, string> = {
  BIGINT: 'SQL type',
  BLOB: 'SQL type',
  BOOLEAN: 'SQL type',
  DOUBLE: 'SQL type',
  GEOMETRY: 'SQL type',
  INTEGER: 'SQL type',
  LIST: 'SQL type',
  NULL: 'SQL type',
  STRUCT: 'SQL type',
  TIMESTAMPTZ: 'SQL type',
  VARCHAR: 'SQL type',
  MIXED: 'column type name in the in-memory schema',
  UTC: 'time zone',
  WKB: 'GeoParquet geometry encoding',
  PAR1: 'Parquet magic bytes',
  EPSG: 'CRS authority',
  OGC: 'CRS authority',
  CRS84: 'CRS code',
  ESRI: 'CRS authority',
  GET: 'HTTP method',
  PUT: 'HTTP method',
  DELETE: 'HTTP method',
  NONE: 'DuckDB COPY option value',
  EEXIST: 'Node.js errno',
  ENOENT: 'Node.js errno',
  EPERM: 'Node.js errno',
  NCHW: 'tensor layout',
  NHWC: 'tensor layout',
  YYYY: 'date format',
  YYYYMM: 'date format',
  YYYYMMDD: 'date format',
  YYYYDDD: 'date format',
  GEOSLICE_MISSING_GRID: 'proj4 grid placeholder name',
  CONSTANT: 'DuckDB parse tree node class (json_serialize_sql)',
  TABLE_FUNCTION: 'DuckDB parse tree node type (json_serialize_sql)',
  BASE_TABLE: 'DuckDB parse tree node type (json_serialize_sql)',
  RECURSIVE_CTE_NODE: 'DuckDB parse tree node type (json_serialize_sql)',
};
/** checkCogLayout's finding codes (src/tiff/write/cog-layout-check.ts): reported, not thrown. */
const COG_FINDINGS =
  /^(BLOCK_|MAIN_|MASK_|OVERVIEW_|DATA_BEFORE_IFD$|EXTERNAL_OVERVIEWS$|INCOMPATIBLE_EDITION$|NOT_TILED$|NO_OVERVIEWS$)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function codesInSources(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of sourceFiles(join(repo, 'src'))) {
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
    for (const m of code.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g)) {
      const c = m[1];
      if (c.length < 3 || c in NOT_CODES || COG_FINDINGS.test(c)) continue;
      if (!codes.has(c)) codes.set(c, file.slice(repo.length));
    }
  }
  return codes;
}

function codesInDocs(): Set<string> {
  const doc = readFileSync(join(repo, 'docs/errors.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
}

test('every error code used in src/ is listed in docs/errors.md', () => {
  const documented = codesInDocs();
  const missing = [...codesInSources()].filter(([c]) => !documented.has(c)).map(([c, f]) => `${c} (${f})`);
  assert.deepEqual(missing, [], 'add a row (code | class | meaning | remedy) to docs/errors.md for each');
});

test('every code listed in docs/errors.md is used in src/', () => {
  const used = codesInSources();
  const stale = [...codesInDocs()].filter((c) => !used.has(c));
  assert.deepEqual(stale, [], 'remove these rows from docs/errors.md (no source uses them)');
});
