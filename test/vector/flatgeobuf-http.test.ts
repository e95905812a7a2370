// FlatGeobuf over HTTP: a bbox query reads the packed R-tree with range requests, returns the same
// features as the local file, and transfers only part of the file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { openVectorLayer } from '../../src/vector/open.js';
import { startRangeServer, type RangeServer } from '../fixtures/remote/range-server.js';

const G = fileURLToPath(new URL('../../../shared/fixtures/geoparquet/', import.meta.url));
const skip = !existsSync(G) && 'shared fixtures absent (../shared/fixtures/geoparquet)';
let dir = '';
let server: RangeServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-fgb-http-'));
  if (skip) return;
  // The Natural Earth countries as FlatGeobuf with its spatial index (ogr2ogr's default).
  const features = [];
  for await (const f of (await openVectorLayer(`${G}natural-earth_countries_geo.parquet`)).features())
    features.push({ type: 'Feature', properties: f.properties, geometry: f.geometry });
  writeFileSync(join(dir, 'countries.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  execFileSync('ogr2ogr', ['-f', 'FlatGeobuf', join(dir, 'countries.fgb'), join(dir, 'countries.geojson')]);
  server = await startRangeServer(dir);
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a bbox query over HTTP reads part of the file and returns the local answer', { skip }, async () => {
  const bbox: [number, number, number, number] = [5, 45, 15, 55];
  const local = await openVectorLayer(join(dir, 'countries.fgb'));
  const want: unknown[] = [];
  for await (const f of local.features({ bbox })) want.push(f.properties.name);
  assert.ok(want.includes('Germany') && want.length < 30);
  server.reset();
  const remote = await openVectorLayer(`${server.base}/countries.fgb`);
  assert.equal(remote.count, 177);
  assert.equal(remote.crs, 'EPSG:4326');
  const got: unknown[] = [];
  for await (const f of remote.features({ bbox })) got.push(f.properties.name);
  assert.deepEqual(got.sort(), want.sort());
  const size = statSync(join(dir, 'countries.fgb')).size;
  // Measured: 54% of the file (the client reads the header and index in large ranges).
  assert.ok(server.bytesSent < 0.75 * size, `${server.bytesSent} of ${size} bytes transferred`);
});
