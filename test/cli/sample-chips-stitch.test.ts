/**
 * `geoslice sample`, `chips` and `stitch` on a tiny archive written here with writeCog: three
 * non-overlapping EPSG:32633 scenes (two uint16, one uint8, 2 bands, nodata 0) tiling a
 * 160 x 96 pixel rectangle at 10 m. Expected pixels come from reading the scene files directly
 * (openRaster/readWindow), not from the loader. Commands run in-process through runCli (with the
 * output captured), one spawned process checks the real exit code.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { sliceHeight, sliceWidth } from '../../src/geo/slice.js';
import { openRaster } from '../../src/loaders/raster.js';
import { gridSampler } from '../../src/samplers/grid.js';
import { tilesAlong } from '../../src/samplers/grid-layout.js';
import { SLICE_COLUMN_TYPES, slicesFromCatalog, slicesToRows } from '../../src/samplers/slice-table.js';
import { writeCog } from '../../src/tiff/write/cog-writer.js';
import { runCli } from '../../src/cli/main.js';

const RES = 10;
const CRS = 'EPSG:32633';
/** name, top-left corner, width, height, dtype, label, pixel value (0 = nodata). */
const SCENES = [
  {
    name: 'a_20240601',
    x0: 500000,
    y0: 4100000,
    w: 96,
    h: 64,
    dtype: 'uint16',
    label: 'land',
    value: (b: number, r: number, c: number) => (r < 4 && c < 4 ? 0 : 1000 + b * 10000 + r * 100 + c),
  },
  {
    name: 'b_20240605',
    x0: 500960,
    y0: 4100000,
    w: 64,
    h: 64,
    dtype: 'uint16',
    label: 'land',
    value: (b: number, r: number, c: number) => 5000 + b * 10000 + r * 100 + c,
  },
  {
    name: 'c_20240610',
    x0: 500000,
    y0: 4099360,
    w: 160,
    h: 32,
    dtype: 'uint8',
    label: 'water',
    value: (b: number, r: number, c: number) => ((r * 7 + c + b * 3) % 250) + 1,
  },
] as const;
const UNION: GeoSlice = { bounds: [500000, 4099040, 501600, 4100000], crs: CRS, resolution: [RES, RES] }; // 160 x 96 px

const dir = mkdtempSync(join(tmpdir(), 'gs-cli-sample-'));
const cat = join(dir, 'scenes.parquet');
const file = (name: string) => join(dir, 'scenes', `${name}.tif`);

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

async function ok(...args: string[]) {
  const r = await cli('--json', ...args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out);
}

/** The 2-band pixels of `slice` read straight from the scene files ([2, H, W], NaN where no scene has a valid pixel). */
async function sourcePixels(slice: GeoSlice): Promise<Float32Array> {
  const w = sliceWidth(slice);
  const h = sliceHeight(slice);
  const out = new Float32Array(2 * w * h).fill(NaN);
  for (const s of SCENES) {
    const reader = await openRaster(file(s.name));
    const win = await reader.readWindow(
      0,
      Math.round((slice.bounds[0] - s.x0) / RES),
      Math.round((s.y0 - slice.bounds[3]) / RES),
      w,
      h,
      [0, 1],
    );
    await reader.close();
    for (let i = 0; i < w * h; i++) {
      if (!win.mask![i]) continue;
      out[i] = (win.data[0] as Float32Array)[i];
      out[w * h + i] = (win.data[1] as Float32Array)[i];
    }
  }
  return out;
}

/** A GeoTIFF's bands as one [C, H, W] array, with its grid. */
async function readTif(path: string) {
  const reader = await openRaster(path);
  const { width, height, bands, crs, transform, nodata } = reader.info;
  const win = await reader.readWindow(
    0,
    0,
    0,
    width,
    height,
    Array.from({ length: bands }, (_, b) => b),
  );
  await reader.close();
  const data = new Float32Array(bands * width * height);
  win.data.forEach((band, b) => data.set(band as Float32Array, b * width * height));
  return { width, height, bands, crs, transform, nodata, data };
}

function assertSamePixels(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: value ${i} is ${got[i]}, the source has ${want[i]}`);
  }
}

async function sliceRows(path: string) {
  const table = await openCatalog(path);
  const rows = [];
  for await (const r of table.rows()) rows.push(r);
  const slices = [];
  for await (const s of slicesFromCatalog(table)) slices.push(s);
  await table.close();
  return { rows, slices };
}

before(async () => {
  mkdirSync(join(dir, 'scenes'));
  for (const s of SCENES) {
    const A = s.dtype === 'uint16' ? Uint16Array : Uint8Array;
    const data = [0, 1].map((b) => {
      const band = new A(s.w * s.h);
      for (let i = 0; i < band.length; i++) band[i] = s.value(b, Math.floor(i / s.w), i % s.w);
      return band;
    });
    await writeCog(file(s.name), {
      width: s.w,
      height: s.h,
      bands: 2,
      dtype: s.dtype,
      crs: CRS,
      transform: [s.x0, RES, 0, s.y0, 0, -RES],
      nodata: 0,
      data,
    });
  }
  const built = await buildRasterCatalog(join(dir, 'scenes'), {
    out: cat,
    workers: 0,
    progress: false,
    filenameRegex: /_(?<date>\d{8})/,
    extraColumns: (href) => ({ label: SCENES.find((s) => href.endsWith(`${s.name}.tif`))!.label }),
  });
  await built.catalog.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('sample --sampler grid: one row per tile (tilesAlong(160) x tilesAlong(96)), slices reconstruct exactly, footprints in EPSG:4326', async () => {
  const out = join(dir, 'grid.parquet');
  const res = await ok('sample', cat, '--sampler', 'grid', '--size', '32', '--stride', '24', '--out', out);
  const expected = tilesAlong(160, 32, 24) * tilesAlong(96, 32, 24);
  assert.equal(expected, 28);
  assert.equal(res.slices, expected);
  const { rows, slices } = await sliceRows(out);
  assert.equal(rows.length, expected);
  const catalog = await openCatalog(cat);
  const direct: GeoSlice[] = [];
  for await (const s of gridSampler(catalog, { size: 32, stride: 24 })) direct.push(s);
  await catalog.close();
  assert.deepEqual(
    slices.map((s) => s.id),
    direct.map((_, i) => String(i)),
    'ids are the sampler order',
  );
  assert.deepEqual(
    slices.map((s) => s.slice),
    direct,
    "the table gives back the sampler's slices",
  );
  for (const r of rows) {
    assert.equal(r.crs, CRS);
    assert.ok(
      r.bbox[0] > 14.9 && r.bbox[2] < 15.1 && r.bbox[1] > 36.9 && r.bbox[3] < 37.1,
      `bbox ${r.bbox} is lon/lat`,
    );
    assert.equal(r.extras.source_id, null, 'grid tiles have no source row');
  }
});

test('sample --sampler random: --length rows drawn from the catalog rows, with their times', async () => {
  const out = join(dir, 'random.parquet');
  assert.equal(
    (await ok('sample', cat, '--sampler', 'random', '--size', '16', '--length', '7', '--seed', '3', '--out', out))
      .slices,
    7,
  );
  const { rows, slices } = await sliceRows(out);
  assert.equal(rows.length, 7);
  const dates: Record<string, string> = {
    a_20240601: '2024-06-01',
    b_20240605: '2024-06-05',
    c_20240610: '2024-06-10',
  };
  for (const [i, r] of rows.entries()) {
    const src = slices[i].slice.rowId!;
    assert.ok(src in dates, `source ${src}`);
    assert.equal(r.tmin?.toISOString().slice(0, 10), dates[src], "tmin is the source row's");
    assert.equal(sliceWidth(slices[i].slice), 16);
    assert.equal(slices[i].slice.interval, undefined);
  }
  const timed = join(dir, 'random-timed.parquet');
  assert.equal(
    (
      await ok(
        'sample',
        cat,
        '--sampler',
        'random',
        '--size',
        '16',
        '--length',
        '4',
        '--tmin',
        '2024-06-04',
        '--tmax',
        '2024-06-30',
        '--out',
        timed,
      )
    ).slices,
    4,
  );
  for (const { slice } of (await sliceRows(timed)).slices) {
    assert.notEqual(slice.rowId, 'a_20240601', 'rows outside --tmin/--tmax are not drawn');
    assert.equal(slice.interval?.start?.toISOString(), '2024-06-04T00:00:00.000Z', 'slices carry the interval');
  }
});

test('sample --sampler stratified: --per-stratum slices for each value of --column', async () => {
  const out = join(dir, 'strata.parquet');
  assert.equal(
    (
      await ok(
        'sample',
        cat,
        '--sampler',
        'stratified',
        '--column',
        'label',
        '--per-stratum',
        '1',
        '--size',
        '8',
        '--out',
        out,
      )
    ).slices,
    2,
  );
  const { slices } = await sliceRows(out);
  const label = (id: string) => SCENES.find((s) => s.name === id)!.label;
  assert.deepEqual(slices.map((s) => label(s.slice.rowId!)).sort(), ['land', 'water']);
  const short = await cli(
    'sample',
    cat,
    '--sampler',
    'stratified',
    '--column',
    'label',
    '--per-stratum',
    '2',
    '--size',
    '8',
    '--out',
    join(dir, 'x.parquet'),
  );
  assert.equal(short.code, 2, 'the "water" stratum has one row only');
  assert.match(short.err, /water/);
});

test('chips: one GeoTIFF per slice, in the slice grid, pixels equal to the source rasters (NaN = nodata)', async () => {
  const chipsDir = join(dir, 'chips');
  const res = await ok(
    'chips',
    cat,
    join(dir, 'grid.parquet'),
    '--out',
    chipsDir,
    '--bands',
    '1,2',
    '--concurrency',
    '3',
  );
  assert.deepEqual([res.chips, res.skipped], [28, []]);
  assert.equal(readdirSync(chipsDir).filter((f) => f.endsWith('.tif')).length, 28);
  let nodata = 0;
  for (const { id, slice } of (await sliceRows(join(dir, 'grid.parquet'))).slices) {
    const chip = await readTif(join(chipsDir, `${id}.tif`));
    assert.deepEqual([chip.width, chip.height, chip.bands, chip.crs], [32, 32, 2, CRS]);
    assert.deepEqual(chip.transform, [slice.bounds[0], RES, 0, slice.bounds[3], 0, -RES]);
    assert.ok(Number.isNaN(chip.nodata));
    const want = await sourcePixels(slice);
    assertSamePixels(chip.data, want, `chip ${id}`);
    nodata += want.filter(Number.isNaN).length;
  }
  assert.equal(nodata, 2 * 16, 'the 4x4 nodata corner of scene a is in exactly one chip');

  const randomChips = join(dir, 'random-chips');
  assert.equal((await ok('chips', cat, join(dir, 'random.parquet'), '--out', randomChips, '--bands', '1,2')).chips, 7);
  for (const { id, slice } of (await sliceRows(join(dir, 'random.parquet'))).slices) {
    assertSamePixels(
      (await readTif(join(randomChips, `${id}.tif`))).data,
      await sourcePixels(slice),
      `random chip ${id}`,
    );
  }
});

test('chips: a slice without data fails naming it, or is skipped with --on-error skip', async () => {
  const table = join(dir, 'outside.parquet');
  const inside: GeoSlice = { bounds: [500320, 4099680, 500480, 4099840], crs: CRS, resolution: [RES, RES] };
  const outside: GeoSlice = { bounds: [600000, 4000000, 600160, 4000160], crs: CRS, resolution: [RES, RES] };
  const nodataOnly: GeoSlice = { bounds: [500000, 4099960, 500040, 4100000], crs: CRS, resolution: [RES, RES] }; // the 4x4 nodata corner
  await writeGeoParquet(slicesToRows([inside, outside, nodataOnly]), table, {
    sortBy: [],
    extrasTypes: { ...SLICE_COLUMN_TYPES },
  });

  const failed = await cli('chips', cat, table, '--out', join(dir, 'fail-chips'));
  assert.equal(failed.code, 2);
  assert.match(failed.err, /^geoslice: slice 1 of .*outside\.parquet: .*\n$/);

  const skipped = await ok('chips', cat, table, '--out', join(dir, 'skip-chips'), '--on-error', 'skip');
  assert.equal(skipped.chips, 1);
  assert.deepEqual(
    skipped.skipped.map((s: { input: string; code: string }) => [s.input, s.code]),
    [
      ['1', 'NO_COVERAGE'],
      ['2', 'EMPTY_CHIP'],
    ],
  );
  assert.deepEqual(readdirSync(join(dir, 'skip-chips')), ['0.tif']);
  const text = await cli('chips', cat, table, '--out', join(dir, 'skip-chips'), '--on-error', 'skip');
  assert.equal(text.out, `1 chips -> ${join(dir, 'skip-chips')} (2 skipped, listed above)\n`);
  assert.match(text.err, /^geoslice: skipped 1 \(NO_COVERAGE\): .*\ngeoslice: skipped 2 \(EMPTY_CHIP\): .*\n$/);
});

test('stitch: the grid chips stitch back into the source pixels over their union, with a zero-variance uncertainty COG', async () => {
  const pred = join(dir, 'pred.tif');
  const res = await ok('stitch', join(dir, 'chips'), '--out', pred, '--values', 'regression');
  assert.deepEqual([res.inputs, res.width, res.height, res.crs, res.bounds], [28, 160, 96, CRS, UNION.bounds]);
  assert.equal(res.coveredPixels, 160 * 96 - 16);
  const out = await readTif(pred);
  assert.deepEqual(out.transform, [500000, RES, 0, 4100000, 0, -RES]);
  assertSamePixels(out.data, await sourcePixels(UNION), 'stitched');
  const unc = await readTif(join(dir, 'pred_uncertainty.tif'));
  assert.equal(unc.bands, 1, 'regression: variance only');
  const valid = unc.data.filter((v) => !Number.isNaN(v));
  assert.equal(valid.length, 160 * 96 - 16);
  assert.ok(
    valid.every((v) => v === 0),
    'overlapping chips agree everywhere',
  );

  const sceneA = join(dir, 'pred-a.tif');
  const onA = await ok(
    'stitch',
    join(dir, 'chips'),
    '--out',
    sceneA,
    '--values',
    'regression',
    '--blend',
    'cosine',
    '--grid',
    `500000,4099360,500960,4100000,10,${CRS}`,
  );
  assert.deepEqual([onA.width, onA.height], [96, 64]);
  const a = await readTif(sceneA);
  const want = await sourcePixels({ bounds: [500000, 4099360, 500960, 4100000], crs: CRS, resolution: [RES, RES] });
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Number.isNaN(want[i]) ? Number.isNaN(a.data[i]) : Math.abs(a.data[i] - want[i]) <= 1e-3 * want[i],
      `pixel ${i}: ${a.data[i]} vs ${want[i]}`,
    );
  }
  const sameGrid = await ok(
    'stitch',
    join(dir, 'chips'),
    '--out',
    join(dir, 'pred-ref.tif'),
    '--values',
    'regression',
    '--grid',
    file('a_20240601'),
  );
  assert.deepEqual([sameGrid.width, sameGrid.height, sameGrid.bounds], [96, 64, [500000, 4099360, 500960, 4100000]]);
});

test('bad input: exit code 2, one line on stderr, no stack trace', async () => {
  const other = join(dir, 'utm32');
  mkdirSync(other);
  await writeCog(join(other, 'x.tif'), {
    width: 16,
    height: 16,
    bands: 2,
    dtype: 'float32',
    crs: 'EPSG:32632',
    transform: [700000, 10, 0, 4100000, 0, -10],
    data: new Float32Array(2 * 256),
  });
  const chip0 = join(dir, 'chips', '0.tif');
  const cases: [string[], RegExp][] = [
    [
      ['sample', join(dir, 'missing.parquet'), '--sampler', 'grid', '--size', '32', '--out', join(dir, 'm.parquet')],
      /missing\.parquet/,
    ],
    [['sample', cat, '--sampler', 'hexagonal', '--size', '32', '--out', join(dir, 'm.parquet')], /hexagonal/],
    [
      ['sample', cat, '--sampler', 'grid', '--size', '32', '--aoi', 'not-a-box', '--out', join(dir, 'm.parquet')],
      /--aoi not-a-box/,
    ],
    [['sample', cat, '--sampler', 'random', '--size', '32', '--out', join(dir, 'm.parquet')], /needs --length/],
    [
      ['sample', cat, '--sampler', 'grid', '--size', '32', '--length', '3', '--out', join(dir, 'm.parquet')],
      /--length applies to --sampler random/,
    ],
    [['sample', cat, '--sampler', 'grid', '--size', '0', '--out', join(dir, 'm.parquet')], /--size 0/],
    [['chips', cat, join(dir, 'missing.parquet'), '--out', join(dir, 'm')], /missing\.parquet/],
    [['chips', cat, cat, '--out', join(dir, 'm')], /slice_xmin/],
    [['stitch', chip0, join(other, 'x.tif'), '--out', join(dir, 'm.tif')], /EPSG:32632/],
    [['stitch', join(dir, 'nope.tif'), '--out', join(dir, 'm.tif')], /nope\.tif/],
    [['stitch', chip0, '--out', join(dir, 'm.tif'), '--grid', '1,2,3'], /--grid 1,2,3/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err.trimEnd().split('\n').length, 1, `one line: ${r.err}`);
    assert.match(r.err, message);
    assert.ok(!/\n\s+at /.test(r.err), `no stack trace: ${r.err}`);
  }
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const spawned = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repo, 'src/cli/run.ts'),
      'stitch',
      chip0,
      join(other, 'x.tif'),
      '--out',
      join(dir, 'm.tif'),
    ],
    { cwd: repo },
  ).then(
    () => assert.fail('expected a failure'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(spawned.code, 2);
  assert.match(spawned.stderr, /^geoslice: .*EPSG:32632.*\n$/);
});
