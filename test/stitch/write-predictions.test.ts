import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { footprintWgs84 } from '../../src/geo/transform.js';
import { writeWkb } from '../../src/geo/wkb.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { randomSampler } from '../../src/samplers/random.js';
import { selectForLabeling } from '../../src/stitch/select-for-labeling.js';
import { writePredictions, type PredictionResult } from '../../src/stitch/write-predictions.js';

let dir: string;
let parentPath: string;
let parentHash: string;

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function sceneRow(id: string, x0: number, zone: string): CatalogRow {
  const bounds: [number, number, number, number] = [x0, 4000000, x0 + 2560, 4002560];
  const fp = footprintWgs84(bounds, 'EPSG:32633');
  return {
    id,
    assets: { B04: { href: `/data/${id}_B04.tif` } },
    geometry: writeWkb(fp.geometry),
    bbox: fp.bbox,
    tmin: new Date('2024-06-01T10:00:00Z'),
    tmax: new Date('2024-06-01T10:00:00Z'),
    crs: 'EPSG:32633',
    backend: 'raster',
    extras: { zone, cloud_pct: 3 },
  };
}

const slice = (rowId: string | undefined, x0: number): GeoSlice => ({
  bounds: [x0, 4000000, x0 + 40, 4000040],
  crs: 'EPSG:32633',
  resolution: [10, 10],
  rowId,
});

/** [2, 4, 4] probabilities with class-1 probability p everywhere. */
const probs = (p: number) => {
  const a = new Float32Array(32);
  a.fill(1 - p, 0, 16);
  a.fill(p, 16);
  return a;
};
const H2 = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
const f = Math.fround;

function results(): PredictionResult[] {
  return [
    { slice: slice('A', 500000), prediction: probs(0.5) },
    { slice: slice('A', 500400), prediction: [probs(0.2), probs(0.4)] },
    { slice: slice('B', 510000), prediction: probs(0.9) },
  ];
}

async function collect(cat: GeoCatalog): Promise<Map<string, CatalogRow>> {
  const m = new Map<string, CatalogRow>();
  for await (const r of cat.rows()) m.set(r.id, r);
  return m;
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
const near = (a: unknown, b: number, tol = 1e-6) => assert.ok(Math.abs(num(a) - b) <= tol, `${String(a)} != ${b}`);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-writeback-'));
  parentPath = join(dir, 'scenes.parquet');
  await catalogFromRows([
    sceneRow('A', 500000, 'north'),
    sceneRow('B', 510000, 'south'),
    sceneRow('C', 520000, 'south'),
  ]).toGeoParquet(parentPath);
  parentHash = sha(parentPath);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('slice level: one row per result with footprint, interval, source row, class/score, uncertainty and lineage', async () => {
  const parent = await openCatalog(parentPath);
  const out = join(dir, 'preds-slice.parquet');
  const res = await writePredictions(parent, results(), { out, level: 'slice', modelId: 'unet-v7', round: 2 });
  assert.equal(res.rows, 3);
  assert.equal(res.lineage.hash, `sha256:${parentHash}`);
  const cat = await openCatalog(out);
  const names = (await cat.schema()).map((c) => c.name);
  for (const c of [
    'source_row_id',
    'pred_class',
    'pred_score',
    'entropy',
    'variance',
    'margin',
    'pixel_count',
    'model_id',
    'round',
    'parent_catalog',
    'parent_hash',
    'slice_xmin',
    'slice_res_x',
    'zone',
  ])
    assert.ok(names.includes(c), `column ${c}`);
  const rows = await collect(cat);
  assert.deepEqual([...rows.keys()].sort(), ['A/0', 'A/1', 'B/0']);
  const a0 = rows.get('A/0')!;
  near(a0.extras.entropy, Math.LN2);
  near(a0.extras.margin, 0);
  near(a0.extras.variance, 0);
  assert.equal(num(a0.extras.pred_class), 0, 'tie -> first class');
  const a1 = rows.get('A/1')!;
  // MC mean 0.3 for class 1: entropy H(0.3), margin 0.4, variance ((0.2-0.4)/2)^2 per band = 0.01
  const m = (f(0.2) + f(0.4)) / 2;
  near(a1.extras.entropy, H2(m));
  near(a1.extras.margin, Math.abs(1 - 2 * m));
  near(a1.extras.variance, ((f(0.4) - f(0.2)) / 2) ** 2);
  assert.equal(num(a1.extras.pred_class), 0);
  near(a1.extras.pred_score, 1 - m);
  const b0 = rows.get('B/0')!;
  assert.equal(num(b0.extras.pred_class), 1);
  near(b0.extras.pred_score, f(0.9));
  assert.equal(b0.extras.source_row_id, 'B');
  assert.equal(b0.extras.zone, 'south', 'source extras are carried over');
  assert.deepEqual(b0.assets, { B04: { href: '/data/B_B04.tif' } });
  assert.equal(b0.crs, 'EPSG:32633');
  assert.equal(b0.tmin?.toISOString(), '2024-06-01T10:00:00.000Z');
  const fp = footprintWgs84([510000, 4000000, 510040, 4000040], 'EPSG:32633');
  b0.bbox.forEach((v, i) => near(v, fp.bbox[i], 1e-9));
  assert.equal(num(b0.extras.slice_xmin), 510000);
  assert.equal(b0.extras.model_id, 'unet-v7');
  assert.equal(num(b0.extras.round), 2);
  assert.equal(b0.extras.parent_catalog, resolve(parentPath));
  assert.equal(b0.extras.parent_hash, `sha256:${parentHash}`);
  assert.equal(num(b0.extras.pixel_count), 16);
  assert.equal(sha(parentPath), parentHash, 'the input catalog is byte-for-byte unchanged');
  // the predictions catalog feeds active-learning selection, and the selection feeds a sampler
  const pick = await selectForLabeling(cat, { k: 1, by: 'entropy' });
  assert.deepEqual([...(await collect(pick)).keys()], ['A/0']);
  const drawn: GeoSlice[] = [];
  for await (const s of randomSampler(pick, { size: 2, resolution: 10, crs: 'EPSG:32633', length: 5, seed: 1 }))
    drawn.push(s);
  assert.equal(drawn.length, 5);
  for (const s of drawn) {
    assert.equal(s.rowId, 'A/0');
    assert.ok(
      s.bounds[0] >= 500000 - 1e-6 &&
        s.bounds[2] <= 500040 + 1e-6 &&
        s.bounds[1] >= 4000000 - 1e-6 &&
        s.bounds[3] <= 4000040 + 1e-6,
      `inside the picked slice: ${s.bounds}`,
    );
  }
  await cat.close();
  await parent.close();
});

test('row level: every input row, pixel-weighted aggregates joined on, lineage on every row', async () => {
  const parent = await openCatalog(parentPath);
  const out = join(dir, 'preds-row.parquet');
  const res = await writePredictions(parent, results(), { out, level: 'row', modelId: 'unet-v7', round: 1 });
  assert.equal(res.rows, 3);
  const rows = await collect(await openCatalog(out));
  assert.deepEqual([...rows.keys()].sort(), ['A', 'B', 'C']);
  const A = rows.get('A')!;
  const m = (f(0.2) + f(0.4)) / 2;
  near(A.extras.entropy, (Math.LN2 + H2(m)) / 2);
  near(A.extras.variance, ((f(0.4) - f(0.2)) / 2) ** 2 / 2);
  near(A.extras.margin, Math.abs(1 - 2 * m) / 2);
  assert.equal(num(A.extras.slice_count), 2);
  assert.equal(num(A.extras.pixel_count), 32);
  assert.equal(num(A.extras.pred_class), 0);
  near(A.extras.pred_score, (0.5 + (1 - m)) / 2);
  assert.equal(A.extras.zone, 'north', 'original columns kept');
  assert.equal(A.extras.cloud_pct, 3);
  const C = rows.get('C')!;
  assert.equal(C.extras.entropy, null);
  assert.equal(C.extras.model_id, 'unet-v7');
  assert.equal(C.extras.parent_hash, `sha256:${parentHash}`);
  assert.equal(sha(parentPath), parentHash);
  await parent.close();
});

test('in-memory parent: lineage hashes the rows; slices without a row get their own ids and no assets', async () => {
  const rowsOf = (cloud: number) => [
    { ...sceneRow('A', 500000, 'north'), extras: { zone: 'north', cloud_pct: cloud } },
  ];
  const out = join(dir, 'mem.parquet');
  const r1 = await writePredictions(
    catalogFromRows(rowsOf(3)),
    [{ slice: slice(undefined, 500000), prediction: probs(0.5) }],
    { out, modelId: 'm' },
  );
  assert.equal(r1.lineage.hashOf, 'rows');
  assert.match(r1.lineage.hash, /^sha256:[0-9a-f]{64}$/);
  const again = await writePredictions(
    catalogFromRows(rowsOf(3)),
    [{ slice: slice(undefined, 500000), prediction: probs(0.5) }],
    { out, modelId: 'm', overwrite: true },
  );
  assert.equal(again.lineage.hash, r1.lineage.hash, 'same rows, same hash');
  const other = await writePredictions(
    catalogFromRows(rowsOf(4)),
    [{ slice: slice(undefined, 500000), prediction: probs(0.5) }],
    { out, modelId: 'm', overwrite: true },
  );
  assert.notEqual(other.lineage.hash, r1.lineage.hash, 'a changed value changes the hash');
  const rows = await collect(await openCatalog(out));
  const only = rows.get('slice/0')!;
  assert.deepEqual(only.assets, {});
  assert.equal(only.extras.source_row_id, null);
  assert.equal(only.extras.parent_hash, other.lineage.hash);
});

test('refuses to overwrite the input, an existing output, and unknown row ids', async () => {
  const parent = await openCatalog(parentPath);
  await assert.rejects(writePredictions(parent, results(), { out: parentPath, modelId: 'm' }), {
    name: 'StitchError',
    code: 'WOULD_OVERWRITE_INPUT',
  });
  const out = join(dir, 'exists.parquet');
  writeFileSync(out, 'x');
  await assert.rejects(writePredictions(parent, results(), { out, modelId: 'm' }), { code: 'EXISTS' });
  await assert.rejects(
    writePredictions(parent, [{ slice: slice('Z', 500000), prediction: probs(0.5) }], {
      out: join(dir, 'z.parquet'),
      modelId: 'm',
    }),
    { code: 'UNKNOWN_ROW', message: /"Z"/ },
  );
  await assert.rejects(
    writePredictions(parent, [{ slice: slice(undefined, 500000), prediction: probs(0.5) }], {
      out: join(dir, 'z.parquet'),
      level: 'row',
      modelId: 'm',
    }),
    { code: 'UNKNOWN_ROW' },
  );
  await assert.rejects(writePredictions(parent, [], { out: join(dir, 'z.parquet'), modelId: 'm' }), {
    code: 'NO_RESULTS',
  });
  assert.equal(existsSync(join(dir, 'z.parquet')), false);
  assert.equal(sha(parentPath), parentHash);
  await parent.close();
});

// A child process runs writePredictions and is SIGKILLed while the output is being written (variant
// 'during': as the GeoParquet writer starts) or after the temporary file is complete but before it is
// renamed into place ('before-rename'). Either way no file appears at `out` and no visible partial file is left.
const CHILD = (srcDir: string) => `
import { openCatalog } from ${JSON.stringify(pathToFileURL(join(srcDir, 'catalog/open.ts')).href)};
import { writePredictions } from ${JSON.stringify(pathToFileURL(join(srcDir, 'stitch/write-predictions.ts')).href)};
const [parentPath, out, when] = process.argv.slice(2);
const parent = await openCatalog(parentPath);
const hang = () => new Promise(() => setInterval(() => undefined, 1000));
const wrapped = new Proxy(parent, { get(t, k) {
  if (k !== 'withColumns') { const v = Reflect.get(t, k); return typeof v === 'function' ? v.bind(t) : v; }
  return (table, o) => { const joined = t.withColumns(table, o); return new Proxy(joined, { get(j, kk) {
    if (kk !== 'toGeoParquet') { const v = Reflect.get(j, kk); return typeof v === 'function' ? v.bind(j) : v; }
    return async (tmp, go) => {
      if (when === 'during') { const p = j.toGeoParquet(tmp, go); process.send('writing'); await p; await hang(); }
      await j.toGeoParquet(tmp, go); process.send('written'); await hang();
    };
  } }); };
} });
const results = [];
for (let i = 0; i < 2000; i++) results.push({ slice: { bounds: [500000 + (i % 50) * 40, 4000000, 500040 + (i % 50) * 40, 4000040], crs: 'EPSG:32633', resolution: [10, 10], rowId: 'A' }, prediction: new Float32Array(16).fill((i % 10) / 10) });
await writePredictions(wrapped, results, { out, level: 'row', modelId: 'crash', values: 'regression' });
process.send('finished');
`;

for (const when of ['during', 'before-rename'] as const) {
  test(`a writer killed mid-write (${when}) leaves no partial file visible`, async () => {
    const work = mkdtempSync(join(dir, `kill-${when}-`));
    const script = join(work, '.child.mts');
    writeFileSync(script, CHILD(resolve('src')));
    const out = join(work, 'preds.parquet');
    const before = readdirSync(work);
    const child = fork(script, [parentPath, out, when], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (b) => (stderr += b));
    const msg = await new Promise<string>((ok, fail) => {
      child.on('message', (m) => ok(String(m)));
      child.on('exit', (code) => fail(new Error(`child exited (${code}) before writing: ${stderr}`)));
    });
    assert.equal(msg, when === 'during' ? 'writing' : 'written');
    const exited = new Promise((ok) => child.on('exit', ok));
    child.kill('SIGKILL');
    await exited;
    assert.equal(existsSync(out), false, 'no output after a crash');
    const visible = readdirSync(work).filter((n) => !n.startsWith('.'));
    assert.deepEqual(
      visible,
      before.filter((n) => !n.startsWith('.')),
      `visible files after the crash: ${visible.join(', ')}`,
    );
    assert.equal(sha(parentPath), parentHash);
  });
}
