/**
 * Benchmark: AOI (0.5 x 0.5 degree) + one-year queries on a synthetic catalog written by toGeoParquet
 * (sorted by year and Hilbert key, bbox covering column, ~20k-row row groups) against the same rows
 * unsorted and without the bbox column (bounds then come from the footprints). Prints median latency
 * and rows / row groups read as ratios; row groups read are those whose Parquet statistics overlap
 * the query (what DuckDB's zone-map pruning can skip), compared with the minimum: the row groups that
 * hold a matching row.
 *
 * Run: `npx tsx benchmarks/catalog-query.ts [N]` (or GEOSLICE_BENCH_N=N); default N = 10^7.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { DuckDBCatalog } from '../src/catalog/duckdb/catalog.js';
import { DuckDBEngine } from '../src/catalog/duckdb/engine.js';
import { sqlString } from '../src/catalog/duckdb/sql.js';
import { openCatalog } from '../src/catalog/open.js';
import { buildGeoMetadata } from '../src/catalog/geoparquet/geo-metadata.js';
import type { BBox } from '../src/geo/bbox.js';
import { interval, type TimeInterval } from '../src/geo/interval.js';
import { SYNTHETIC_T0, SYNTHETIC_T1, syntheticCatalogSql } from '../test/fixtures/catalog/synthetic.js';
import { median } from './lib/index.js';

const N = Number(process.argv[2] ?? process.env.GEOSLICE_BENCH_N ?? 10_000_000);
const QUERIES = Number(process.env.GEOSLICE_BENCH_QUERIES ?? 9);
/** `GEOSLICE_BENCH_SORT=hilbert,tmin` compares another sort order than toGeoParquet's default. */
const SORT = process.env.GEOSLICE_BENCH_SORT?.split(',');
if (!Number.isInteger(N) || N < 1000) throw new Error(`N must be an integer >= 1000, got ${N}`);

interface Query {
  bbox: BBox;
  interval: TimeInterval;
}
interface RowGroup {
  id: number;
  first: number;
  rows: number;
  stats: Map<string, { min: string | null; max: string | null; nulls: number }>;
}

const log = (s: string) => process.stdout.write(`${s}\n`);

function queries(n: number): Query[] {
  const rnd = seedrandom('catalog-query-bench');
  const out: Query[] = [];
  for (let i = 0; i < n; i++) {
    const x = -170 + rnd() * 340;
    const y = -55 + rnd() * 120;
    const t = SYNTHETIC_T0 + rnd() * (SYNTHETIC_T1 - SYNTHETIC_T0 - 366 * 86_400_000);
    out.push({ bbox: [x, y, x + 0.5, y + 0.5], interval: interval(t, t + 365 * 86_400_000) });
  }
  return out;
}

async function rowGroups(engine: DuckDBEngine, file: string): Promise<RowGroup[]> {
  const meta = await engine.all(
    `SELECT row_group_id AS id, row_group_num_rows AS n, path_in_schema AS col, stats_min_value AS mn, stats_max_value AS mx, stats_null_count AS nulls
       FROM parquet_metadata(${sqlString(file)}) ORDER BY row_group_id`,
  );
  const groups = new Map<number, RowGroup>();
  for (const m of meta) {
    const id = Number(m.id);
    if (!groups.has(id)) groups.set(id, { id, first: 0, rows: Number(m.n), stats: new Map() });
    groups.get(id)!.stats.set(String(m.col), {
      min: m.mn as string | null,
      max: m.mx as string | null,
      nulls: Number(m.nulls ?? 0),
    });
  }
  const list = [...groups.values()].sort((a, b) => a.id - b.id);
  let first = 0;
  for (const g of list) {
    g.first = first;
    first += g.rows;
  }
  return list;
}

/** Whether the statistics of a row group allow a match (the same predicates the DuckDB backend pushes down). */
function mayMatch(g: RowGroup, q: Query): boolean {
  const num = (c: string, k: 'min' | 'max') => {
    const s = g.stats.get(c);
    return s && s[k] !== null ? Number(s[k]) : null;
  };
  const [x1, y1, x2, y2] = q.bbox;
  const xmin = num('bbox, xmin', 'min'),
    xmax = num('bbox, xmax', 'max'),
    ymin = num('bbox, ymin', 'min'),
    ymax = num('bbox, ymax', 'max');
  if (xmin !== null && xmin > x2) return false;
  if (xmax !== null && xmax < x1) return false;
  if (ymin !== null && ymin > y2) return false;
  if (ymax !== null && ymax < y1) return false;
  const time = (c: string, k: 'min' | 'max') => {
    const s = g.stats.get(c);
    return s && s[k] !== null ? Date.parse(String(s[k]).replace(' ', 'T').replace(/\+00$/, 'Z')) : null;
  };
  const tmin = g.stats.get('tmin');
  const tmax = g.stats.get('tmax');
  const lo = time('tmin', 'min');
  const hi = time('tmax', 'max');
  if (lo !== null && !(tmin && tmin.nulls > 0) && lo > q.interval.end!.getTime()) return false;
  if (hi !== null && !(tmax && tmax.nulls > 0) && hi < q.interval.start!.getTime()) return false;
  return true;
}

async function matchingRowNumbers(engine: DuckDBEngine, file: string, q: Query): Promise<number[]> {
  // Footprints are rectangles equal to their bboxes, so the exact matches are a bbox/time overlap.
  const rows = await engine.all(
    `SELECT file_row_number AS r FROM read_parquet(${sqlString(file)}, file_row_number = true)
      WHERE bbox.xmin <= $x2 AND bbox.xmax >= $x1 AND bbox.ymin <= $y2 AND bbox.ymax >= $y1 AND tmin <= $e AND tmax >= $s`,
    { x1: q.bbox[0], y1: q.bbox[1], x2: q.bbox[2], y2: q.bbox[3], s: q.interval.start, e: q.interval.end },
  );
  return rows.map((r) => Number(r.r));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'geoslice-bench-'));
  const engine = await DuckDBEngine.create({ memoryLimit: process.env.GEOSLICE_BENCH_MEMORY ?? '6GB' });
  try {
    const sorted = join(dir, 'sorted.parquet');
    const baseline = join(dir, 'baseline.parquet');
    let t = performance.now();
    await engine.exec(`CREATE TABLE synthetic AS ${syntheticCatalogSql(N)}`);
    log(`generated ${N} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await new DuckDBCatalog(engine, `synthetic(${N})`, async () => ({
      sql: 'SELECT * FROM synthetic',
      params: {},
    })).toGeoParquet(sorted, { sortBy: SORT });
    log(
      `toGeoParquet (sorted by ${SORT?.join(', ') ?? 'default'}, bbox covering): ${((performance.now() - t) / 1000).toFixed(1)} s, ${(statSync(sorted).size / 2 ** 20).toFixed(0)} MiB`,
    );
    t = performance.now();
    const geo = JSON.stringify(buildGeoMetadata({ geometryTypes: ['Polygon'], bbox: null, version: '1.0.0' }));
    await engine.exec(
      `COPY (SELECT * EXCLUDE (bbox) FROM synthetic) TO ${sqlString(baseline)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000, KV_METADATA {geo: ${sqlString(geo)}})`,
    );
    log(
      `baseline (generation order, no bbox column): ${((performance.now() - t) / 1000).toFixed(1)} s, ${(statSync(baseline).size / 2 ** 20).toFixed(0)} MiB`,
    );
    await engine.exec('DROP TABLE synthetic');

    const qs = queries(QUERIES);
    const files = { sorted, baseline };
    const groups = { sorted: await rowGroups(engine, sorted), baseline: await rowGroups(engine, baseline) };
    const latency = { sorted: [] as number[], baseline: [] as number[] };
    const rowsRead = { sorted: [] as number[], baseline: [] as number[] };
    const groupsRead = { sorted: [] as number[], baseline: [] as number[] };
    const minGroups: number[] = [];
    for (const kind of ['sorted', 'baseline'] as const) {
      const cat = await openCatalog(files[kind]);
      await cat.query(qs[0]).count(); // warm-up: file metadata and page cache
      for (const q of qs) {
        const t0 = performance.now();
        const n = await cat.query(q).count();
        latency[kind].push(performance.now() - t0);
        const read = groups[kind].filter((g) => mayMatch(g, q));
        groupsRead[kind].push(read.length);
        rowsRead[kind].push(read.reduce((s, g) => s + g.rows, 0));
        if (kind === 'sorted') {
          const hits = await matchingRowNumbers(engine, sorted, q);
          if (hits.length !== n)
            throw new Error(`query ${JSON.stringify(q.bbox)}: catalog count ${n} != exact ${hits.length}`);
          minGroups.push(
            new Set(hits.map((r) => groups.sorted.findIndex((g) => r >= g.first && r < g.first + g.rows))).size,
          );
        }
      }
      log(
        `${kind}: ${groups[kind].length} row groups; per-query latency ms ${latency[kind].map((x) => x.toFixed(0)).join(' ')}`,
      );
    }
    const withMatch = minGroups.map((m, i) => [m, groupsRead.sorted[i]] as const).filter(([m]) => m > 0);
    log('');
    log(`N = ${N}, ${QUERIES} queries (AOI 0.5 x 0.5 deg, 365 days)`);
    log(
      `median latency: sorted ${median(latency.sorted).toFixed(1)} ms, baseline ${median(latency.baseline).toFixed(1)} ms -> ${(median(latency.baseline) / median(latency.sorted)).toFixed(1)}x faster (target >= 10x)`,
    );
    log(
      `median rows read: sorted ${median(rowsRead.sorted)}, baseline ${median(rowsRead.baseline)} -> ${(median(rowsRead.baseline) / Math.max(1, median(rowsRead.sorted))).toFixed(1)}x fewer`,
    );
    log(
      `median row groups read: sorted ${median(groupsRead.sorted)}, baseline ${median(groupsRead.baseline)}; minimum holding a match (median) ${median(minGroups)}`,
    );
    if (withMatch.length) {
      const ratios = withMatch.map(([m, r]) => r / m);
      log(
        `row groups read / minimum, queries with matches: median ${median(ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)} (target <= 3)`,
      );
    } else {
      log('no query matched any row; raise N');
    }
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
