/**
 * Hostile SQL through every raw SQL surface (`query({ where })`, `sql()`, `aggregate()`, both
 * backends, CLI `--where`): no file outside the catalog is read, nothing is attached, installed,
 * loaded, set or modified. Each attempt is a typed error (`UNSAFE_SQL` from the parser check, or
 * DuckDB's own refusal inside the locked sandbox), and the catalogs are unchanged afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../../src/catalog/open.js';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { duckdbCatalogFromRows } from '../../src/catalog/duckdb/from-rows.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import type { GeoCatalog } from '../../src/catalog/types.js';
import { CatalogError } from '../../src/errors.js';
import { runCli } from '../../src/cli/main.js';
import { smallRows } from '../fixtures/catalog/rows.js';

const T = { timeout: 60_000 };
let dir: string;
let secret: string;
let file: string;
let catalogs: Record<string, GeoCatalog>;
let other: GeoCatalog;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-hostile-sql-'));
  secret = join(dir, 'secret.csv');
  writeFileSync(secret, 'token\nTOP-SECRET-42\n');
  file = join(dir, 'cat.parquet');
  await writeGeoParquet(smallRows(), file);
  other = await duckdbCatalogFromRows(smallRows(), { source: 'other' });
  const db = join(dir, 'cat[1].duckdb');
  const p = await openCatalog(file);
  await p.toDuckDB(db);
  await p.close();
  catalogs = {
    parquet: await openCatalog(file),
    duckdbFile: await openCatalog(db),
    duckdbRows: await duckdbCatalogFromRows(smallRows()),
    memory: catalogFromRows(smallRows()),
  };
});
after(async () => {
  for (const c of Object.values(catalogs)) await c.close();
  await other.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A refusal: a CatalogError whose message does not leak the secret. */
function refused(e: unknown): boolean {
  assert.ok(e instanceof CatalogError, `expected a CatalogError, got ${String(e)}`);
  assert.ok(!e.message.includes('TOP-SECRET'), e.message);
  assert.ok(['UNSAFE_SQL', 'BAD_QUERY', 'QUERY_FAILED'].includes(e.code), `${e.code}: ${e.message}`);
  return true;
}

const s = () => JSON.stringify(secret).replaceAll('"', "'");
const whereAttacks = (): string[] => [
  `EXISTS (SELECT * FROM read_text(${s()}))`,
  `(SELECT count(*) FROM read_csv(${s()})) > 0`,
  `(SELECT count(*) FROM read_parquet(${JSON.stringify(file).replaceAll('"', "'")})) > 0`,
  `(SELECT count(*) FROM glob('/etc/*')) > 0`,
  `EXISTS (SELECT * FROM ${JSON.stringify(secret)})`,
  `EXISTS (SELECT * FROM ${s()})`,
  `(SELECT count(*) FROM duckdb_settings()) > 0`,
  `(SELECT count(*) FROM query_table('gs_rows_1')) > 0`,
  `EXISTS (SELECT * FROM memory.main.gs_rows_1)`,
  `EXISTS (WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT * FROM t)`,
];
const selectAttacks = (): string[] => [
  `SELECT * FROM read_text(${s()})`,
  `SELECT content FROM read_blob(${s()})`,
  `SELECT * FROM catalog, read_csv(${s()})`,
  `SELECT * FROM ${s()}`,
  `WITH x AS (SELECT 1) UPDATE catalog SET id = 'x'`,
  `WITH x AS (SELECT 1) DELETE FROM gs_rows_1`,
  `WITH x AS (SELECT 1) INSERT INTO gs_rows_1 SELECT * FROM catalog`,
  `SELECT * FROM catalog UNION ALL SELECT * FROM gs_rows_1`,
  `WITH gs_rows_1 AS (SELECT 1) SELECT * FROM catalog`,
  `SELECT * FROM catalog WHERE id IN (SELECT * FROM glob('/etc/*'))`,
  `SELECT * FROM main.catalog`,
  `SELECT * FROM catalog JOIN read_parquet(${JSON.stringify(file).replaceAll('"', "'")}) USING (id)`,
];
const statements = [
  `ATTACH '${join(tmpdir(), 'x.db')}' AS x`,
  'INSTALL spatial',
  'LOAD spatial',
  'SET enable_external_access = true',
  'PRAGMA version',
  "COPY catalog TO '/tmp/out.csv'",
  'DROP TABLE gs_rows_1',
  "CALL read_text('/etc/passwd')",
];

for (const backend of ['parquet', 'duckdbFile', 'duckdbRows', 'memory'] as const) {
  test(`${backend}: hostile where fragments are refused`, T, async () => {
    for (const w of whereAttacks()) {
      await assert.rejects(catalogs[backend].query({ where: w }).count(), refused, w);
      await assert.rejects(catalogs[backend].sql(w).count(), refused, w);
    }
  });

  test(`${backend}: hostile sql() and aggregate() queries are refused`, T, async () => {
    for (const q of [...selectAttacks(), ...statements]) {
      await assert.rejects(catalogs[backend].aggregate(q), refused, q);
      await assert.rejects(catalogs[backend].sql(q).count(), refused, q);
    }
  });

  test(`${backend}: ordinary SQL still works and the catalogs are unchanged`, T, async () => {
    const cat = catalogs[backend];
    const n = (await cat.count()) as number;
    assert.equal(n, smallRows().length);
    const dated = smallRows().filter((r) => r.tmin !== null).length;
    assert.equal(await cat.query({ where: 'tmin IS NOT NULL' }).count(), dated);
    const [r] = await cat.aggregate(
      'WITH d AS (SELECT * FROM catalog WHERE tmin IS NOT NULL) SELECT count(*)::INTEGER AS n FROM d',
    );
    assert.equal(r.n, dated);
    assert.equal(await cat.sql('SELECT * FROM catalog WHERE tmin IS NOT NULL').count(), dated);
    assert.equal(await other.count(), smallRows().length);
  });
}

test('a where result written to GeoParquet goes through the sandbox and reads back', T, async () => {
  const out = join(dir, 'dated.parquet');
  await catalogs.parquet.query({ where: 'tmin IS NOT NULL' }).toGeoParquet(out);
  const back = await openCatalog(out);
  assert.equal(await back.count(), smallRows().filter((r) => r.tmin !== null).length);
  await back.close();
});

test('CLI catalog query --where cannot read files', T, async () => {
  for (const w of [`EXISTS (SELECT * FROM read_text(${s()}))`, `(SELECT count(*) FROM glob('/etc/*')) > 0`]) {
    const out = join(dir, 'cli.parquet');
    let text = '';
    const io = { stdout: (t: string) => void (text += t), stderr: (t: string) => void (text += t) };
    const code = await runCli(['catalog', 'query', file, '--where', w, '--out', out], io);
    assert.equal(code, 2, text);
    assert.match(text, /calls the table function/);
    assert.doesNotMatch(text, /TOP-SECRET/);
  }
});

test('the sandbox itself refuses file access, settings and attaching, whatever the SQL', T, async () => {
  const { sharedEngine } = await import('../../src/catalog/duckdb/engine.js');
  const { Sandbox } = await import('../../src/catalog/duckdb/sandbox.js');
  const engine = await sharedEngine();
  const q = catalogs.parquet.query({ where: 'tmin IS NOT NULL' });
  const { sql } = await (q as import('../../src/catalog/duckdb/catalog.js').DuckDBCatalog).relation();
  const box = await Sandbox.create(engine, sql, 'test');
  const conn = await box.connect();
  try {
    const own = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`);
    assert.equal(own.getRowObjectsJS()[0].n, smallRows().length, 'the catalog file stays readable');
    for (const bad of [
      `SELECT * FROM read_text(${s()})`,
      `SELECT * FROM read_csv(${s()})`,
      `SELECT * FROM glob('/etc/*')`,
      `COPY (SELECT 1) TO '${join(dir, 'leak.csv')}'`,
      `ATTACH '${join(dir, 'x.db')}' AS x`,
      'INSTALL spatial',
      'SET enable_external_access = true',
      'SET lock_configuration = false',
      "SET allowed_directories = ['/']",
    ]) {
      await assert.rejects(conn.run(bad), /Permission|locked|disabled/, bad);
    }
  } finally {
    conn.closeSync();
    box.close();
    await q.close();
  }
});
