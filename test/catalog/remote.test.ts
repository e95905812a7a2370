/**
 * Remote GeoParquet catalogs (hyparquet over range requests, no DuckDB extension): the same rows as
 * the local DuckDB query, and no more bytes than the footer plus the row groups whose statistics meet
 * the query — the row groups are picked independently with DuckDB's parquet_metadata() and the bytes
 * are counted at the server. Over HTTP and over S3 (moto).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { compactShards } from '../../src/catalog/builders/compact-shards.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { openCatalog } from '../../src/catalog/open.js';
import { openRemoteCatalog, type RemoteCatalog } from '../../src/catalog/remote/remote-catalog.js';
import type { CatalogQuery, CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { interval } from '../../src/geo/interval.js';
import { comparable, smallRows } from '../fixtures/catalog/rows.js';
import { syntheticRows } from '../fixtures/catalog/synthetic.js';
import { type RangeServer, startRangeServer } from '../fixtures/remote/range-server.js';
import { startCountingProxy } from '../fixtures/s3/counting-proxy.js';
import { type MotoServer, startMoto } from '../fixtures/s3/moto.js';

const FIXTURE_V2 = fileURLToPath(
  new URL('../../../shared/fixtures/geoparquet/example_v2.0-dev.parquet', import.meta.url),
);
const N = 20_000;
const QUERIES: CatalogQuery[] = [
  { bbox: [10, 45, 10.5, 45.5] },
  { bbox: [-75, 38, -73, 41], interval: interval('2021-01-01', '2022-06-30') },
  { bbox: [179, -10, -179, 10] },
  { bbox: [-30, -20, 40, 30], where: 'cloud_pct < $c', params: { c: 30 } },
];

let dir: string;
let file: string;
let server: RangeServer;
let duck: DuckDBInstance;

async function all(cat: GeoCatalog): Promise<CatalogRow[]> {
  const out: CatalogRow[] = [];
  for await (const r of cat.rows()) out.push(r);
  return out;
}

/** Footer size + compressed bytes of the row groups whose covering statistics meet one of the boxes (DuckDB's view). */
async function expectedBytes(path: string, boxes: number[][]): Promise<number> {
  const c = await duck.connect();
  try {
    const rows = (
      await c.runAndReadAll(`SELECT row_group_id, path_in_schema, stats_min, stats_max, total_compressed_size
        FROM parquet_metadata('${path}')`)
    ).getRowObjectsJS() as Record<string, unknown>[];
    const groups = new Map<number, { size: number; s: Record<string, [number, number]> }>();
    for (const r of rows) {
      const g = Number(r.row_group_id);
      const e = groups.get(g) ?? { size: 0, s: {} };
      e.size += Number(r.total_compressed_size);
      e.s[String(r.path_in_schema)] = [Number(r.stats_min), Number(r.stats_max)];
      groups.set(g, e);
    }
    const bytes = readFileSync(path);
    let total = bytes.readUInt32LE(bytes.length - 8) + 8; // footer + its length + magic
    for (const { size, s } of groups.values()) {
      const gb = [s['bbox, xmin'][0], s['bbox, ymin'][0], s['bbox, xmax'][1], s['bbox, ymax'][1]];
      if (boxes.some((b) => gb[0] <= b[2] && gb[2] >= b[0] && gb[1] <= b[3] && gb[3] >= b[1])) total += size;
    }
    return total;
  } finally {
    c.closeSync();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-remote-'));
  file = join(dir, 'cat.parquet');
  await writeGeoParquet(syntheticRows(N), file, { rowGroupSize: 1024 });
  server = await startRangeServer(dir);
  duck = await DuckDBInstance.create(':memory:');
});
after(async () => {
  await server.close();
  duck.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe('remote catalog over HTTP', () => {
  it('returns the same rows as the local query for AOI, time, antimeridian and where queries', async () => {
    const local = await openCatalog(file);
    const remote = await openCatalog(`${server.base}/cat.parquet`);
    for (const q of QUERIES) {
      const a = await all(remote.query(q));
      const b = await all(local.query(q));
      assert.ok(b.length > 0, `query ${JSON.stringify(q)} matches something`);
      assert.deepStrictEqual(comparable(a), comparable(b));
    }
    assert.equal(await remote.count(), N);
    await remote.close();
    await local.close();
  });

  it('a small AOI reads only the footer and the row groups whose statistics meet it (counted at the server)', async () => {
    server.reset();
    const remote = await openRemoteCatalog(`${server.base}/cat.parquet`);
    const q = remote.query({ bbox: [10, 45, 10.5, 45.5] });
    assert.ok((await q.count()) > 0);
    const stats = remote.readStats();
    const size = statSync(file).size;
    const bound = await expectedBytes(file, [[10, 45, 10.5, 45.5]]);
    assert.ok(
      stats.rowGroupsRead < stats.rowGroupsTotal / 4,
      `${stats.rowGroupsRead} of ${stats.rowGroupsTotal} groups`,
    );
    // The server also sent the 1-byte size probe.
    assert.equal(server.bytesSent, stats.bytesRead + 1);
    assert.ok(
      server.bytesSent <= bound + 1,
      `server sent ${server.bytesSent} bytes; footer + meeting groups = ${bound}`,
    );
    assert.ok(server.bytesSent < size * 0.25, `${server.bytesSent} of ${size} bytes`);
    await remote.close();
  });

  it('reads a GeoParquet 2.0 file (native GEOMETRY) and a 2.0 file written by geoslice', async () => {
    const v2 = join(dir, 'v2.parquet');
    await writeGeoParquet(smallRows(), v2, { geoparquetVersion: '2.0' });
    const remote = await openCatalog(`${server.base}/v2.parquet`);
    assert.deepStrictEqual(comparable(await all(remote)), comparable(smallRows()));
    await remote.close();
    try {
      writeFileSync(join(dir, 'fixture-v2.parquet'), readFileSync(FIXTURE_V2));
    } catch {
      return; // ../shared absent
    }
    const fx = await openCatalog(`${server.base}/fixture-v2.parquet`);
    const local = await openCatalog(FIXTURE_V2);
    // Without an id column both readers name rows <file name>#<row number>; the copy has another name.
    const strip = (rows: CatalogRow[]) => comparable(rows.map((r) => ({ ...r, id: r.id.replace(/^.*#/, '#') })));
    assert.deepStrictEqual(strip(await all(fx)), strip(await all(local)));
    await fx.close();
  });

  it('typed errors: missing file NOT_FOUND, not Parquet NOT_PARQUET', async () => {
    writeFileSync(join(dir, 'not.parquet'), 'hello, this is not parquet at all');
    await assert.rejects(openCatalog(`${server.base}/missing.parquet`), { code: 'NOT_FOUND' });
    await assert.rejects(openCatalog(`${server.base}/not.parquet`), { code: 'NOT_PARQUET' });
  });
});

describe('remote catalog over S3 (moto)', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    await moto.client.put('s3://geoslice/cats/one.parquet', new Uint8Array(readFileSync(file)));
    const part = join(dir, 'parts');
    mkdirSync(part, { recursive: true });
    const rows = [...syntheticRows(3000, 'parts')];
    await writeGeoParquet(rows.slice(0, 1500), join(part, 'a.parquet'));
    await writeGeoParquet(rows.slice(1500), join(part, 'b.parquet'));
    await moto.client.put(
      's3://geoslice/parts/year=2023/a.parquet',
      new Uint8Array(readFileSync(join(part, 'a.parquet'))),
    );
    await moto.client.put(
      's3://geoslice/parts/year=2024/b.parquet',
      new Uint8Array(readFileSync(join(part, 'b.parquet'))),
    );
  });
  after(() => moto?.stop());

  it('reads a signed single file with the same rows as the local query', async () => {
    const remote = await openCatalog('s3://geoslice/cats/one.parquet', { s3: moto.options });
    const local = await openCatalog(file);
    const q = QUERIES[1];
    assert.deepStrictEqual(comparable(await all(remote.query(q))), comparable(await all(local.query(q))));
    assert.ok(remote.readStats().bytesRead < statSync(file).size / 2);
    await remote.close();
    await local.close();
  });

  it('opens a prefix of hive-partitioned shards (partition values become columns) and a glob', async () => {
    const remote = await openCatalog('s3://geoslice/parts/', { s3: moto.options });
    assert.equal(await remote.count(), 3000);
    assert.equal(await remote.query({ where: 'year = 2024' }).count(), 1500);
    const glob = await openCatalog('s3://geoslice/parts/year=2023/*.parquet', { s3: moto.options });
    assert.equal(await glob.count(), 1500);
    await remote.close();
    await glob.close();
  });

  it('wrong credentials are ACCESS_DENIED, a missing prefix NOT_FOUND', async () => {
    const wrong = { ...moto.options, credentials: { ...moto.credentials, secretAccessKey: 'nope' } };
    await assert.rejects(openCatalog('s3://geoslice/cats/one.parquet', { s3: wrong }), { code: 'ACCESS_DENIED' });
    await assert.rejects(openCatalog('s3://geoslice/none/', { s3: moto.options }), { code: 'NOT_FOUND' });
  });
});

describe('remote compacted catalog prefix: files skipped by manifest extents and partitions', () => {
  let prefix: string;
  let files: string[];
  before(async () => {
    prefix = join(dir, 'compacted');
    mkdirSync(prefix, { recursive: true });
    const rows = [...syntheticRows(N, 'compacted')];
    await writeGeoParquet(rows.slice(0, N / 2), join(prefix, 'part-0.parquet'));
    await writeGeoParquet(rows.slice(N / 2), join(prefix, 'part-1.parquet'));
    files = (await compactShards(prefix, { rowGroupSize: 64 })).files;
  });

  const Q: CatalogQuery = { bbox: [10, 45, 14, 49], interval: interval('2020-01-01', '2020-12-31T23:59:59Z') };

  /**
   * Independent bounds from DuckDB over the files: `hits` hold a row whose bbox and times meet Q (must be
   * read), `may` have a bbox union and time range meeting Q (may be read); nothing else may be requested.
   */
  async function oracle(): Promise<{ hits: Set<string>; may: Set<string> }> {
    const [start, end] = ['2020-01-01T00:00:00Z', '2020-12-31T23:59:59Z'];
    const meets = 'bbox.xmin <= 14 AND bbox.xmax >= 10 AND bbox.ymin <= 49 AND bbox.ymax >= 45';
    const c = await duck.connect();
    const hits = new Set<string>();
    const may = new Set<string>();
    try {
      for (const f of files) {
        const [h] = (
          await c.runAndReadAll(
            `SELECT count(*) FILTER (WHERE ${meets} AND coalesce(tmin, tmax) <= TIMESTAMPTZ '${end}' AND coalesce(tmax, tmin) >= TIMESTAMPTZ '${start}') AS n,
              min(bbox.xmin) AS x0, min(bbox.ymin) AS y0, max(bbox.xmax) AS x1, max(bbox.ymax) AS y1,
              min(coalesce(tmin, tmax)) <= TIMESTAMPTZ '${end}' AND max(coalesce(tmax, tmin)) >= TIMESTAMPTZ '${start}' AS t,
              bool_or(tmin IS NULL AND tmax IS NULL) AS undated
            FROM read_parquet('${join(prefix, f)}', hive_partitioning = false)`,
          )
        ).getRowObjectsJS() as Record<string, unknown>[];
        if (Number(h.n) > 0) hits.add(f);
        const box = Number(h.x0) <= 14 && Number(h.x1) >= 10 && Number(h.y0) <= 49 && Number(h.y1) >= 45;
        if (box && (h.t === true || h.undated === true)) may.add(f);
      }
    } finally {
      c.closeSync();
    }
    assert.ok(hits.size > 0 && may.size < files.length / 10, `${hits.size} hit, ${may.size} of ${files.length} may`);
    return { hits, may };
  }

  function checkOpened(opened: string[], o: { hits: Set<string>; may: Set<string> }): void {
    for (const f of o.hits) assert.ok(opened.includes(f), `${f} holds matching rows but was not read`);
    for (const f of opened) assert.ok(o.may.has(f), `${f} cannot match but was requested`);
  }

  const strip = (rows: CatalogRow[]) =>
    comparable(rows.map((r) => ({ ...r, extras: { ...r.extras, year: undefined, cell: undefined } })));
  const localParts = () => openCatalog([join(prefix, 'part-0.parquet'), join(prefix, 'part-1.parquet')]);

  it('a one-year small-AOI query requests only the manifest and the footers and row groups of files that can match', async () => {
    const o = await oracle();
    server.reset();
    const remote = await openRemoteCatalog(`${server.base}/compacted/`);
    assert.deepEqual([...server.paths.keys()], ['/compacted/_manifest.json']);
    assert.equal(remote.readStats().filesOpened, 0);
    const got = await all(remote.query(Q));
    const opened = [...server.paths.keys()].filter((p) => p !== '/compacted/_manifest.json').map((p) => p.slice(11));
    checkOpened(opened, o);
    const stats = remote.readStats();
    assert.equal(stats.filesOpened, opened.length);
    assert.equal(stats.filesTotal, files.length);
    let bound = statSync(join(prefix, '_manifest.json')).size;
    for (const f of opened) bound += 1 + (await expectedBytes(join(prefix, f), [Q.bbox as number[]]));
    assert.ok(
      server.bytesSent <= bound,
      `server sent ${server.bytesSent} bytes; manifest + opened footers and meeting groups = ${bound}`,
    );
    const local = await localParts();
    const want = await all(local.query(Q));
    assert.ok(want.length > 0);
    assert.deepStrictEqual(strip(got), strip(want));
    // With the partition columns, equal to DuckDB reading the compacted prefix (NULL year included).
    const compacted = await openCatalog(prefix);
    // (DuckDB types hive integers BIGINT; the remote reader gives numbers.)
    const num = (rows: CatalogRow[]) =>
      comparable(
        rows.map((r) => ({
          ...r,
          extras: Object.fromEntries(
            Object.entries(r.extras).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
          ),
        })),
      );
    assert.deepStrictEqual(num(got), num(await all(compacted.query(Q))));
    // Without a time filter the same AOI needs every year's files of that area (and the undated
    // rows'), still not the rest.
    const aoi: CatalogQuery = { bbox: [0, 30, 40, 60] };
    const every = await all(remote.query(aoi));
    assert.ok(every.some((r) => r.extras.year === null));
    assert.deepStrictEqual(num(every), num(await all(compacted.query(aoi))));
    await compacted.close();
    assert.ok(remote.readStats().filesOpened < files.length / 2);
    await remote.close();
    await local.close();
  });

  it('over S3 (moto behind a counting proxy): the same files are requested and the same rows returned', async () => {
    const o = await oracle();
    const moto = await startMoto();
    const proxy = await startCountingProxy(moto.endpoint);
    try {
      for (const f of [...files, '_manifest.json'])
        await moto.client.put(`s3://geoslice/compacted/${f}`, new Uint8Array(readFileSync(join(prefix, f))));
      const remote = await openCatalog('s3://geoslice/compacted/', {
        s3: { ...moto.options, endpoint: proxy.endpoint },
      });
      const got = await all(remote.query(Q));
      const opened = [...proxy.paths.keys()]
        .filter((p) => p !== '/geoslice/compacted/_manifest.json')
        .map((p) => p.slice('/geoslice/compacted/'.length));
      checkOpened(opened, o);
      const local = await localParts();
      assert.deepStrictEqual(strip(got), strip(await all(local.query(Q))));
      const stats = (remote as RemoteCatalog).readStats();
      assert.equal(
        proxy.bytesSent,
        stats.bytesRead + stats.filesOpened + statSync(join(prefix, '_manifest.json')).size,
      );
      await remote.close();
      await local.close();
    } finally {
      await proxy.close();
      await moto.stop();
    }
  });

  it('an older manifest without extents still skips files of later years by their year= partition', async () => {
    const m = JSON.parse(readFileSync(join(prefix, '_manifest.json'), 'utf8'));
    delete m.extents;
    const old = join(dir, 'old-manifest');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, '_manifest.json'), JSON.stringify(m));
    for (const f of files) {
      mkdirSync(join(old, f, '..'), { recursive: true });
      writeFileSync(join(old, f), readFileSync(join(prefix, f)));
    }
    server.reset();
    const remote = await openRemoteCatalog(`${server.base}/old-manifest/`);
    const q: CatalogQuery = { interval: interval('2015-01-01', '2016-06-30') };
    const local = await localParts();
    assert.equal(await remote.query(q).count(), await local.query(q).count());
    const years = new Set([...server.paths.keys()].map((p) => /year=([^/]+)/.exec(p)?.[1]).filter(Boolean));
    assert.deepEqual([...years].sort(), ['2015', '2016', '__HIVE_DEFAULT_PARTITION__']);
    await remote.close();
    await local.close();
  });
});
