/**
 * Hostile paths: file names with glob characters (`[`, `]`, `*`, `?`) are paths, never patterns,
 * in `openCatalog`, `withColumns`, the raster builders and the CLI; patterns are expanded only when
 * passed explicitly as `{ glob }` / `--glob`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openCatalog } from '../../src/catalog/open.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { BuildError, CatalogError } from '../../src/errors.js';
import { runCli } from '../../src/cli/main.js';
import { smallRows } from '../fixtures/catalog/rows.js';

const T = { timeout: 60_000 };
const RASTERS = join(import.meta.dirname, '..', 'fixtures', 'build', 'rasters');
let dir: string;

function renamed(prefix: string): CatalogRow[] {
  return smallRows().map((r) => ({ ...r, id: `${prefix}-${r.id}` }));
}

async function ids(cat: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const r of cat.rows()) out.push(r.id);
  await cat.close();
  return [...new Set(out.map((i) => i.split('-')[0]))].sort();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-hostile-paths-'));
  await writeGeoParquet(renamed('bracket'), join(dir, 'c[1].parquet'));
  await writeGeoParquet(renamed('plain'), join(dir, 'c1.parquet'));
  await writeGeoParquet(renamed('star'), join(dir, 's*t.parquet'));
  await writeGeoParquet(renamed('x'), join(dir, 'sxt.parquet'));
  await writeGeoParquet(renamed('q'), join(dir, 'q?.parquet'));
  mkdirSync(join(dir, 'd[ir]'));
  await writeGeoParquet(renamed('indir'), join(dir, 'd[ir]', 'a.parquet'));
  mkdirSync(join(dir, 'dr'));
  await writeGeoParquet(renamed('decoy'), join(dir, 'dr', 'a.parquet'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('openCatalog takes names with [ ] * ? literally (file, list, directory)', T, async () => {
  assert.deepEqual(await ids(await openCatalog(join(dir, 'c[1].parquet'))), ['bracket']);
  assert.deepEqual(await ids(await openCatalog([join(dir, 'c[1].parquet')])), ['bracket']);
  assert.deepEqual(await ids(await openCatalog([join(dir, 's*t.parquet')])), ['star']);
  assert.deepEqual(await ids(await openCatalog(join(dir, 'q?.parquet'))), ['q']);
  assert.deepEqual(await ids(await openCatalog(join(dir, 'd[ir]'))), ['indir']);
  assert.deepEqual(await ids(await openCatalog([join(dir, 'c[1].parquet'), join(dir, 'c1.parquet')])), [
    'bracket',
    'plain',
  ]);
});

test('a where query and a write over a bracketed file read that file only', T, async () => {
  const cat = await openCatalog([join(dir, 'c[1].parquet')]);
  assert.equal(await cat.query({ where: "id LIKE 'bracket-%'" }).count(), smallRows().length);
  const out = join(dir, 'out[1].parquet');
  await cat.query({ where: 'true' }).toGeoParquet(out);
  assert.deepEqual(await ids(await openCatalog(out)), ['bracket']);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const first = `bracket-${smallRows()[0].id}`;
  await c.run(`COPY (SELECT '${first}' AS id, 1 AS label) TO '${join(dir, 'lab[1].parquet')}'`);
  await c.run(`COPY (SELECT '${first}' AS id, 2 AS label) TO '${join(dir, 'lab1.parquet')}'`);
  c.closeSync();
  db.closeSync();
  const joined = cat.withColumns(join(dir, 'lab[1].parquet'));
  const labels = new Map<string, unknown>();
  for await (const r of joined.rows()) labels.set(r.id, r.extras.label);
  assert.equal(labels.get(first), 1);
  await cat.close();
});

test('a pattern is expanded only when passed as { glob }; as a path it is NOT_FOUND', T, async () => {
  await assert.rejects(
    openCatalog(join(dir, 'c?.parquet')),
    (e: unknown) => e instanceof CatalogError && e.code === 'NOT_FOUND' && /\{ glob/.test(e.message),
  );
  assert.deepEqual(await ids(await openCatalog({ glob: join(dir, 'c?.parquet') })), ['plain']);
  assert.deepEqual(await ids(await openCatalog({ glob: join(dir, 's*t.parquet') })), ['star', 'x']);
  await assert.rejects(
    openCatalog({ glob: join(dir, 'c?.parquet'), extra: 1 } as never),
    (e: unknown) => e instanceof CatalogError && e.code === 'BAD_SOURCE',
  );
});

test('raster builders take names literally; { glob } and --glob expand patterns', T, async () => {
  const src = join(dir, 'tifs');
  mkdirSync(src);
  copyFileSync(join(RASTERS, 'utm33_20240601.tif'), join(src, 'scene[1].tif'));
  copyFileSync(join(RASTERS, 'webmerc_20200229.tif'), join(src, 'scene1.tif'));
  const out = join(dir, 'rasters.parquet');
  const lit = await buildRasterCatalog(join(src, 'scene[1].tif'), { out, progress: false, workers: 0 });
  const rows: CatalogRow[] = [];
  for await (const r of lit.catalog.rows()) rows.push(r);
  await lit.catalog.close();
  assert.equal(rows.length, 1);
  assert.match(rows[0].assets[Object.keys(rows[0].assets)[0]].href, /scene\[1\]\.tif$/);
  await assert.rejects(
    buildRasterCatalog(join(src, 'scene?.tif'), { out, progress: false, workers: 0 }),
    (e: unknown) => e instanceof BuildError && e.code === 'NOT_FOUND',
  );
  const g = await buildRasterCatalog({ glob: join(src, 'scene?.tif') }, { out, progress: false, workers: 0 });
  assert.equal(g.rows, 1);
  await g.catalog.close();
  let text = '';
  const io = { stdout: (t: string) => void (text += t), stderr: (t: string) => void (text += t) };
  const out2 = join(dir, 'cli.parquet');
  assert.equal(await runCli(['--json', 'catalog', 'build', '--glob', join(src, '*.tif'), '--out', out2], io), 0, text);
  assert.equal(JSON.parse(text.trim().split('\n').at(-1)!).rows, 2);
  assert.equal(await runCli(['catalog', 'build', join(src, 'scene[1].tif'), '--out', out2], io), 0, text);
  const back = await openCatalog(out2);
  assert.equal(await back.count(), 1);
  await back.close();
});
