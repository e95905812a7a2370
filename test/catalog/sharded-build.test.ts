/**
 * Sharded builds (`shard: { rank, worldSize }` -> part-<rank>.parquet) and `compactShards` (Hilbert-sorted,
 * partitioned by year and cell, committed by a manifest written last), locally and on S3 (moto).
 * The compacted artifact is checked with plain DuckDB (hive read of the version directory), with an
 * independent reader (hyparquet) and its `geo` metadata against the GeoParquet 1.1.0 JSON schema.
 * A compaction killed at any moment leaves the previous manifest and its files in force.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { Ajv } from 'ajv';
import { parquetMetadata } from 'hyparquet';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import { compactShards } from '../../src/catalog/builders/compact-shards.js';
import { readS3Manifest } from '../../src/catalog/manifest.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { hilbertKey } from '../../src/geo/hilbert.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';
import { type MotoServer, startMoto } from '../fixtures/s3/moto.js';

const RASTERS = fileURLToPath(new URL('../fixtures/build/rasters/', import.meta.url));
const SCHEMA = fileURLToPath(
  new URL('../../../shared/fixtures/geoparquet/geoparquet-1.1.0.schema.json', import.meta.url),
);
const CHILD = fileURLToPath(new URL('../fixtures/s3/compact-child.ts', import.meta.url));
const FILES = readdirSync(RASTERS)
  .filter((f) => f.endsWith('.tif'))
  .map((f) => join(RASTERS, f));

let dir: string;
let duck: DuckDBInstance;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-sharded-'));
  duck = await DuckDBInstance.create(':memory:');
});
after(() => {
  duck.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function all(cat: GeoCatalog): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of cat.rows()) out.push(r);
  return out;
}

/** Checks a compacted version directory with DuckDB, hyparquet and the JSON schema; returns DuckDB's rows. */
async function checkArtifact(versionDir: string, expected: CatalogRow[]): Promise<void> {
  const c = await duck.connect();
  try {
    const rows = (
      await c.runAndReadAll(
        `SELECT id, year, cell, bbox FROM read_parquet('${versionDir}/**/*.parquet', hive_partitioning = true) ORDER BY id`,
      )
    ).getRowObjectsJS() as { id: string; year: bigint | null; cell: bigint; bbox: Record<string, number> }[];
    assert.deepEqual(
      rows.map((r) => r.id),
      expected.map((r) => r.id).sort(),
    );
    for (const r of rows) {
      const e = expected.find((x) => x.id === r.id)!;
      assert.equal(r.year === null ? null : Number(r.year), e.tmin ? e.tmin.getUTCFullYear() : null);
      const key = hilbertKey((e.bbox[0] + e.bbox[2]) / 2, (e.bbox[1] + e.bbox[3]) / 2);
      assert.equal(Number(r.cell), Math.floor(key / 2 ** 28));
    }
  } finally {
    c.closeSync();
  }
  const ajv = new Ajv({ strict: false });
  // Our files carry no crs (OGC:CRS84), so the PROJJSON sub-schema is never consulted: a permissive stand-in.
  ajv.addSchema({ type: ['object', 'string', 'null'] }, 'https://proj.org/schemas/v0.7/projjson.schema.json');
  const validate = existsSync(SCHEMA) ? ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8'))) : null;
  let n = 0;
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.parquet') ? [join(d, e.name)] : [],
    );
  for (const f of walk(versionDir)) {
    const b = readFileSync(f);
    const meta = parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, {
      geoparquet: false,
    });
    n += Number(meta.num_rows);
    const geo = JSON.parse(meta.key_value_metadata!.find((k) => k.key === 'geo')!.value!);
    if (validate) assert.ok(validate(geo), `${f}: ${ajv.errorsText(validate.errors)}`);
  }
  assert.equal(n, expected.length);
}

describe('sharded builds, local', () => {
  it('worldSize = 3 raster shards compact into the same rows as one unsharded build', async () => {
    const prefix = join(dir, 'local');
    for (let rank = 0; rank < 3; rank++) {
      const r = await buildRasterCatalog([...FILES].reverse(), {
        out: prefix,
        shard: { rank, worldSize: 3 },
        workers: 0,
      });
      await r.catalog.close();
    }
    assert.deepEqual(readdirSync(prefix).sort(), ['part-0.parquet', 'part-1.parquet', 'part-2.parquet']);
    const whole = await buildRasterCatalog(FILES, { out: join(dir, 'whole.parquet'), workers: 0 });
    const expected = await all(whole.catalog);
    await whole.catalog.close();
    // Round robin over the sorted list: part-1 has the 2nd and 5th, ... files.
    const p1 = await openCatalog(join(prefix, 'part-1.parquet'));
    assert.deepEqual(
      (await all(p1)).map((r) => r.id),
      [expected.map((r) => r.id).sort()[1]],
    );
    await p1.close();

    const m = await compactShards(prefix, { worldSize: 3 });
    assert.equal(m.rows, FILES.length);
    assert.deepEqual(m.parts, ['part-0.parquet', 'part-1.parquet', 'part-2.parquet']);
    const cat = await openCatalog(prefix);
    const got = await all(cat);
    const strip = (rows: CatalogRow[]) =>
      comparable(rows.map((r) => ({ ...r, extras: { ...r.extras, year: undefined, cell: undefined } })));
    assert.deepStrictEqual(strip(got), strip(expected));
    await cat.close();
    await checkArtifact(join(prefix, m.version), expected);
    await assert.rejects(compactShards(prefix, { worldSize: 4 }), { code: 'MISSING_SHARDS' });
  });

  it('table builds shard records too', async () => {
    const prefix = join(dir, 'table');
    const rows = smallRows().filter((r) => Object.keys(r.assets).length > 0);
    for (let rank = 0; rank < 2; rank++)
      await buildCatalogFromTable(rows as unknown as Record<string, unknown>[], {
        out: prefix,
        shard: { rank, worldSize: 2 },
      });
    const a = await openCatalog(join(prefix, 'part-0.parquet'));
    assert.equal(await a.count(), Math.ceil(rows.length / 2));
    await a.close();
    const m = await compactShards(prefix);
    const cat = await openCatalog(prefix);
    assert.equal(await cat.count(), rows.length);
    assert.equal(m.rows, rows.length);
    await cat.close();
  });
});

describe('sharded builds on S3 (moto)', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());

  it('shards to s3://, compacts with a conditional manifest, opens remotely with the same rows', async () => {
    const prefix = 's3://geoslice/sharded/';
    for (let rank = 0; rank < 2; rank++) {
      const r = await buildRasterCatalog(FILES, {
        out: prefix,
        shard: { rank, worldSize: 2 },
        workers: 0,
        s3: moto.options,
      });
      assert.equal(r.catalog.source, `s3://geoslice/sharded/part-${rank}.parquet`);
      await r.catalog.close();
    }
    const m1 = await compactShards(prefix, { worldSize: 2, s3: moto.options });
    const remote = await openCatalog(prefix, { s3: moto.options });
    const local = await buildRasterCatalog(FILES, { out: join(dir, 's3-whole.parquet'), workers: 0 });
    const strip = (rows: CatalogRow[]) =>
      comparable(rows.map((r) => ({ ...r, extras: { ...r.extras, year: undefined, cell: undefined } })));
    assert.deepStrictEqual(strip(await all(remote)), strip(await all(local.catalog)));
    await remote.close();
    await local.catalog.close();
    // A second compaction replaces the manifest (If-Match on the first one's ETag).
    const m2 = await compactShards(prefix, { s3: moto.options });
    assert.notEqual(m2.version, m1.version);
    assert.equal((await readS3Manifest(moto.client, prefix))!.manifest.version, m2.version);
  });

  it('a compaction killed at any moment leaves a manifest whose files all exist', async () => {
    const prefix = 's3://geoslice/killed';
    for (let rank = 0; rank < 2; rank++)
      await (
        await buildRasterCatalog(FILES, { out: prefix, shard: { rank, worldSize: 2 }, workers: 0, s3: moto.options })
      ).catalog.close();
    const first = await compactShards(prefix, { s3: moto.options });
    const versions = new Set([first.version]);
    let killedMidway = 0;
    for (const delayMs of [50, 400, 900, 1500, 2500, 4000]) {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, prefix, JSON.stringify(moto.options)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((r) => child.once('exit', r));
      let out = '';
      await new Promise<void>((r) => child.stdout!.once('data', (d) => r(void (out += String(d)))));
      child.stdout!.on('data', (d) => {
        out += String(d);
      });
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      if (!out.includes('done')) killedMidway++;
      const now = (await readS3Manifest(moto.client, prefix))!.manifest;
      versions.add(now.version);
      const cat = await openCatalog(`${prefix}/`, { s3: moto.options });
      assert.equal(
        await cat.count(),
        FILES.length,
        `after a kill at ${delayMs} ms the manifest ${now.version} opens whole`,
      );
      await cat.close();
    }
    // The kills did interrupt compactions (not only finished ones).
    assert.ok(killedMidway >= 1, 'no kill landed before a compaction finished');
    assert.ok(versions.has(first.version));
  });
});
