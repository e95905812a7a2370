/**
 * Benchmark: small-AOI queries (0.5 x 0.5 degree) on a Hilbert-sorted synthetic catalog of N rows
 * (toGeoParquet defaults: bbox covering, ~20k-row row groups), the same queries three ways:
 * local (openCatalog(path), DuckDB), HTTP (openCatalog('http://127.0.0.1:…'), hyparquet range reads)
 * and S3 (openCatalog('s3://…') against moto_server, SigV4-signed). The HTTP bytes are counted at the
 * server; the S3 bytes at a counting proxy in front of moto. The alternative a user without DuckDB's
 * httpfs would pick — download the whole file, then query it locally — is timed once.
 * Then the same catalog compacted by `compactShards` (year x cell partitions) is served as an HTTP
 * prefix and one-year AOI queries count the files opened and bytes sent.
 * Row ids (sorted) must agree across the three before any time is printed. Queries are interleaved
 * (local, HTTP, S3 per query); medians are printed.
 *
 * Run: `npx tsx benchmarks/remote-catalog.ts [N]` (default N = 10^6; needs python3 with moto).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { compactShards } from '../src/catalog/builders/compact-shards.js';
import { DuckDBCatalog } from '../src/catalog/duckdb/catalog.js';
import { DuckDBEngine } from '../src/catalog/duckdb/engine.js';
import { openCatalog } from '../src/catalog/open.js';
import { openRemoteCatalog } from '../src/catalog/remote/remote-catalog.js';
import type { CatalogQuery, GeoCatalog } from '../src/catalog/types.js';
import { interval } from '../src/geo/interval.js';
import { syntheticCatalogSql } from '../test/fixtures/catalog/synthetic.js';
import { startRangeServer } from '../test/fixtures/remote/range-server.js';
import { startCountingProxy } from '../test/fixtures/s3/counting-proxy.js';
import { startMoto } from '../test/fixtures/s3/moto.js';

const N = Number(process.argv[2] ?? process.env.GEOSLICE_BENCH_N ?? 1_000_000);
const QUERIES = Number(process.env.GEOSLICE_BENCH_QUERIES ?? 9);
const log = (s: string) => console.log(s);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function ids(cat: GeoCatalog): Promise<string[]> {
  const out: string[] = [];
  for await (const r of cat.rows()) out.push(r.id);
  return out.sort();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-remote-bench-'));
  const file = join(dir, 'catalog.parquet');
  const engine = await DuckDBEngine.create({ memoryLimit: '2GB' });
  let t = performance.now();
  await engine.exec(`CREATE TABLE synthetic AS ${syntheticCatalogSql(N)}`);
  await new DuckDBCatalog(engine, `synthetic(${N})`, async () => ({
    sql: 'SELECT * FROM synthetic',
    params: {},
  })).toGeoParquet(file);
  await engine.close();
  const size = statSync(file).size;
  log(
    `catalog: ${N} rows, Hilbert-sorted, ${(size / 2 ** 20).toFixed(1)} MiB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  const server = await startRangeServer(dir);
  const moto = await startMoto();
  const proxy = await startCountingProxy(moto.endpoint);
  try {
    t = performance.now();
    await moto.client.put('s3://geoslice/bench/catalog.parquet', new Uint8Array(readFileSync(file)));
    log(`uploaded to moto in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const s3opts = { ...moto.options, endpoint: proxy.endpoint };

    const rnd = seedrandom('remote-catalog-bench');
    const qs: CatalogQuery[] = Array.from({ length: QUERIES }, () => {
      const x = -170 + rnd() * 340;
      const y = -55 + rnd() * 120;
      return { bbox: [x, y, x + 0.5, y + 0.5] };
    });
    const time = { local: [] as number[], http: [] as number[], s3: [] as number[] };
    const bytes = { http: [] as number[], s3: [] as number[] };
    const groups: string[] = [];
    const digest = createHash('sha256');
    let rows = 0;
    for (const q of qs) {
      let t0 = performance.now();
      const local = await openCatalog(file);
      const a = await ids(local.query(q));
      time.local.push(performance.now() - t0);
      await local.close();

      server.reset();
      t0 = performance.now();
      const viaHttp = await openRemoteCatalog(`${server.base}/catalog.parquet`);
      const b = await ids(viaHttp.query(q));
      time.http.push(performance.now() - t0);
      bytes.http.push(server.bytesSent);
      const st = viaHttp.readStats();
      groups.push(`${st.rowGroupsRead}/${st.rowGroupsTotal}`);
      await viaHttp.close();

      proxy.reset();
      t0 = performance.now();
      const viaS3 = await openCatalog('s3://geoslice/bench/catalog.parquet', { s3: s3opts });
      const c = await ids(viaS3.query(q));
      time.s3.push(performance.now() - t0);
      bytes.s3.push(proxy.bytesSent);
      await viaS3.close();

      const ja = JSON.stringify(a);
      if (ja !== JSON.stringify(b) || ja !== JSON.stringify(c))
        throw new Error(
          `query ${JSON.stringify(q.bbox)}: local ${a.length}, HTTP ${b.length}, S3 ${c.length} rows differ`,
        );
      digest.update(ja);
      rows += a.length;
    }

    // The same catalog compacted (year x cell partitions, manifest with per-file extents), served over
    // HTTP as a prefix: one-year AOI queries skip the files that cannot match without a request.
    const cdir = join(dir, 'compacted');
    mkdirSync(cdir);
    copyFileSync(file, join(cdir, 'part-0.parquet'));
    t = performance.now();
    const manifest = await compactShards(cdir);
    const versionBytes = manifest.files.reduce((sum, f) => sum + statSync(join(cdir, f)).size, 0);
    log(
      `compacted into ${manifest.files.length} files (year x cell), ${(versionBytes / 2 ** 20).toFixed(1)} MiB, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const year = interval('2020-01-01', '2020-12-31T23:59:59.999Z');
    const prefixTime = { local: [] as number[], http: [] as number[] };
    const prefixBytes: number[] = [];
    const opened: number[] = [];
    for (const q of qs) {
      const yq: CatalogQuery = { ...q, interval: year };
      let t0 = performance.now();
      const local = await openCatalog(file);
      const a = await ids(local.query(yq));
      prefixTime.local.push(performance.now() - t0);
      await local.close();
      server.reset();
      t0 = performance.now();
      const remote = await openRemoteCatalog(`${server.base}/compacted/`);
      const b = await ids(remote.query(yq));
      prefixTime.http.push(performance.now() - t0);
      prefixBytes.push(server.bytesSent);
      opened.push(remote.readStats().filesOpened);
      await remote.close();
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(
          `one-year query ${JSON.stringify(q.bbox)}: local ${a.length}, compacted HTTP ${b.length} rows differ`,
        );
    }

    t = performance.now();
    const res = await fetch(`${server.base}/catalog.parquet`);
    const copy = join(dir, 'downloaded.parquet');
    writeFileSync(copy, new Uint8Array(await res.arrayBuffer()));
    const dl = await openCatalog(copy);
    const first = await ids(dl.query(qs[0]));
    const downloadMs = performance.now() - t;
    await dl.close();
    if (
      JSON.stringify(first) !==
      JSON.stringify(
        await (async () => {
          const l = await openCatalog(file);
          const x = await ids(l.query(qs[0]));
          await l.close();
          return x;
        })(),
      )
    )
      throw new Error('downloaded copy returns other rows');

    const pct = (b: number) => `${((100 * b) / size).toFixed(2)}%`;
    log(
      `${QUERIES} AOI queries (0.5 x 0.5 deg), ${rows} matching rows in all, ids sha256 ${digest.digest('hex').slice(0, 16)} equal for local/HTTP/S3`,
    );
    log(`row groups read per query (HTTP): ${groups.join(' ')}`);
    log(`local (DuckDB, file):            median ${median(time.local).toFixed(0)} ms; bytes: page cache, not counted`);
    log(
      `HTTP  (hyparquet, loopback):     median ${median(time.http).toFixed(0)} ms; bytes at server median ${median(bytes.http)} (${pct(median(bytes.http))} of ${size}), max ${Math.max(...bytes.http)} (${pct(Math.max(...bytes.http))})`,
    );
    log(
      `S3    (hyparquet, SigV4, moto):  median ${median(time.s3).toFixed(0)} ms; bytes at proxy median ${median(bytes.s3)} (${pct(median(bytes.s3))}), max ${Math.max(...bytes.s3)} (${pct(Math.max(...bytes.s3))})`,
    );
    log(`download whole file + local query (no httpfs): ${downloadMs.toFixed(0)} ms, ${size} bytes`);
    log(
      `one-year AOI queries on the compacted prefix (HTTP, ids equal to local): files opened per query ${opened.join(' ')} of ${manifest.files.length}; bytes at server median ${median(prefixBytes)} (${((100 * median(prefixBytes)) / versionBytes).toFixed(2)}% of ${versionBytes}), max ${Math.max(...prefixBytes)}; median ${median(prefixTime.http).toFixed(0)} ms vs local ${median(prefixTime.local).toFixed(0)} ms`,
    );
  } finally {
    await proxy.close();
    await moto.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
