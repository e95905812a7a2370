/**
 * GeoParquet 2.0 (Parquet's native GEOMETRY logical type): writing with `geoparquetVersion: '2.0'`,
 * checked with an independent reader (hyparquet: schema logical type, geospatial statistics, WKB bytes)
 * and DuckDB; the third-party 2.0-dev fixture opens.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { openCatalog } from '../../src/catalog/open.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';

const FIXTURE = fileURLToPath(new URL('../../../shared/fixtures/geoparquet/example_v2.0-dev.parquet', import.meta.url));
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-gpq2-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function arrayBuffer(file: string): ArrayBuffer {
  const b = readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

test("geoparquetVersion '2.0' writes a native GEOMETRY column that hyparquet and openCatalog read back unchanged", async () => {
  const rows = smallRows();
  const file = join(dir, 'v2.parquet');
  await writeGeoParquet(rows, file, { geoparquetVersion: '2.0', sortBy: [] });
  const buf = arrayBuffer(file);
  const meta = parquetMetadata(buf, { geoparquet: false });
  const geomSchema = meta.schema.find((s) => s.name === 'geometry');
  assert.equal(geomSchema?.logical_type?.type, 'GEOMETRY');
  const geo = JSON.parse(meta.key_value_metadata!.find((k) => k.key === 'geo')!.value!);
  assert.equal(geo.version, '2.0.0');
  assert.deepEqual(geo.columns.geometry.covering.bbox.xmin, ['bbox', 'xmin']);
  // Per-row-group geospatial statistics cover every row's bbox.
  const stats = meta.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === 'geometry')?.meta_data
    ?.geospatial_statistics?.bbox;
  assert.ok(stats, 'the geometry column chunk carries geospatial statistics');
  for (const r of rows) {
    assert.ok(stats.xmin <= r.bbox[0] + 1e-9 && stats.xmax >= r.bbox[2] - 1e-9);
    assert.ok(stats.ymin <= r.bbox[1] + 1e-9 && stats.ymax >= r.bbox[3] - 1e-9);
  }
  // The WKB bytes are the ones written (hyparquet without GeoJSON conversion).
  const back = await parquetReadObjects({
    file: buf,
    columns: ['id', 'geometry'],
    geoparquet: false,
    compressors,
    parsers: { geometryFromBytes: (b: Uint8Array) => b },
  });
  const byId = new Map(back.map((r) => [r.id as string, r.geometry as Uint8Array]));
  for (const r of rows) assert.deepEqual(Buffer.from(byId.get(r.id)!), Buffer.from(r.geometry));
  const cat = await openCatalog(file);
  const got = [];
  for await (const r of cat.rows()) got.push(r);
  assert.deepStrictEqual(comparable(got), comparable(rows));
  assert.equal(
    await cat.query({ bbox: [9, 44, 15, 47] }).count(),
    await catalogFromRows(rows)
      .query({ bbox: [9, 44, 15, 47] })
      .count(),
  );
});

test('the memory backend writes 2.0 too; 1.1.0 stays the default (BLOB geometry)', async () => {
  const rows = smallRows();
  const v2 = join(dir, 'mem-v2.parquet');
  const v11 = join(dir, 'mem-v11.parquet');
  await catalogFromRows(rows).toGeoParquet(v2, { geoparquetVersion: '2.0' });
  await catalogFromRows(rows).toGeoParquet(v11);
  assert.equal(
    parquetMetadata(arrayBuffer(v2), { geoparquet: false }).schema.find((s) => s.name === 'geometry')?.logical_type
      ?.type,
    'GEOMETRY',
  );
  assert.equal(
    parquetMetadata(arrayBuffer(v11), { geoparquet: false }).schema.find((s) => s.name === 'geometry')?.logical_type,
    undefined,
  );
  assert.equal(await (await openCatalog(v2)).count(), rows.length);
});

test('the GeoParquet 2.0-dev fixture opens (native GEOMETRY read as WKB)', {
  skip: !existsSync(FIXTURE) && 'needs ../shared',
}, async () => {
  const cat = await openCatalog(FIXTURE);
  assert.equal(await cat.count(), 5);
});
