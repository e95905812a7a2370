/**
 * Unknown option keys are refused: every public options object given a misspelt key throws
 * `BAD_OPTION` of the stage's class naming the key, the function and the closest known key, instead
 * of running with the defaults. The key lists are checked against the option types by the compiler
 * (`optionKeys`); the `@ts-expect-error` lines below prove that check fails on a missing or extra key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCatalogFromTable,
  buildRasterCatalog,
  catalogFromRows,
  createLoader,
  createStitcher,
  GeosliceError,
  gridSampler,
  openCatalog,
  randomSampler,
  runInference,
  selectForLabeling,
  stratifiedSampler,
  writePredictions,
  type GeoCatalog,
  type GeoSlice,
} from '../../src/index.js';
import {
  appendToCatalog,
  compactCatalog,
  compactShards,
  openRemoteCatalog,
  optimizeCatalog,
  recordToRow,
  writeGeoParquet,
} from '../../src/catalog/index.js';
import { createCogWriter, writeCog } from '../../src/tiff/index.js';
import { validFootprint } from '../../src/footprints/index.js';
import { frameMap, renderContinuous, renderCoverageMap } from '../../src/quicklook/index.js';
import { augment } from '../../src/labels/index.js';
import { batchChips, loadSlice, openRaster } from '../../src/loaders/index.js';
import { buildVectorCatalog, loadVector, openVectorLayer, reprojectGeometry } from '../../src/vector/index.js';
import {
  computeBandStats,
  createPairedLoader,
  rasterize,
  readGeometries,
  samplePoints,
  stratifyByClass,
} from '../../src/labels/index.js';
import { loadModel } from '../../src/inference/index.js';
import { tfDataset } from '../../src/tfjs/index.js';
import { checkOptionKeys, closestKey, optionKeys } from '../../src/option-keys.js';
import { LoaderError } from '../../src/errors.js';
import { smallRows } from '../fixtures/catalog/rows.js';
import { startRangeServer } from '../fixtures/remote/range-server.js';

const T = { timeout: 120_000 };
const RASTER = new URL('../fixtures/build/rasters/utm33_20240601.tif', import.meta.url).pathname;
const slice: GeoSlice = { bounds: [500000, 5766800, 503200, 5770000], crs: 'EPSG:32633', resolution: [50, 50] };
const point = { geometry: { type: 'Point' as const, coordinates: [15, 52] }, properties: {} };

let dir: string;
let cat: GeoCatalog;
let parquet: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-option-keys-'));
  cat = catalogFromRows(smallRows());
  parquet = join(dir, 'c.parquet');
  await cat.toGeoParquet(parquet);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `fn` (draining a returned stream) and checks it threw a `className` `BAD_OPTION` naming the
 * unknown `key`, the function `where` and suggesting `near`.
 */
async function refuses(where: string, key: string, near: string, className: string, fn: () => unknown): Promise<void> {
  let caught: unknown;
  try {
    const r = await fn();
    if (r && typeof r === 'object' && Symbol.asyncIterator in r)
      for await (const _ of r as AsyncIterable<unknown>) {
        // drain
      }
  } catch (e) {
    caught = e;
  }
  const label = `${where} { ${key} }`;
  assert.ok(caught instanceof GeosliceError, `${label}: expected a GeosliceError, got ${String(caught)}`);
  assert.equal(caught.code, 'BAD_OPTION', `${label}: ${caught.message}`);
  assert.equal(caught.constructor.name, className, `${label}: ${caught.message}`);
  assert.equal(caught.subject, key, label);
  for (const part of [where, `"${key}"`, `did you mean ${near}?`])
    assert.ok(caught.message.includes(part), `${label}: "${caught.message}" should include ${part}`);
}

test('catalog entry points refuse unknown option keys', T, async () => {
  await refuses('openCatalog', 'thread', 'threads', 'CatalogError', () => openCatalog(parquet, { thread: 2 } as never));
  await refuses('catalogFromRows', 'engin', 'engine', 'CatalogError', () =>
    catalogFromRows(smallRows(), { engin: 'duckdb' } as never),
  );
  await refuses('toGeoParquet', 'rowGroupsize', 'rowGroupSize', 'CatalogError', () =>
    cat.toGeoParquet(join(dir, 'x.parquet'), { rowGroupsize: 10 } as never),
  );
  const duck = await openCatalog(parquet);
  try {
    await refuses('toGeoParquet', 'compresion', 'compression', 'CatalogError', () =>
      duck.toGeoParquet(join(dir, 'y.parquet'), { compresion: 'zstd' } as never),
    );
  } finally {
    await duck.close();
  }
  await refuses('writeGeoParquet', 'batchsize', 'batchSize', 'CatalogError', () =>
    writeGeoParquet(smallRows(), join(dir, 'w.parquet'), { batchsize: 10 } as never),
  );
});

test('builders refuse unknown option keys', T, async () => {
  const out = join(dir, 'b.parquet');
  await refuses('buildRasterCatalog', 'cogheaders', 'cogHeaders', 'BuildError', () =>
    buildRasterCatalog([RASTER], { out, cogheaders: true } as never),
  );
  await refuses('buildCatalogFromTable', 'hrefcolumn', 'hrefColumn', 'BuildError', () =>
    buildCatalogFromTable(smallRows() as never, { out, hrefcolumn: 'href' } as never),
  );
  await refuses('appendToCatalog', 'lok', 'lock', 'BuildError', () =>
    appendToCatalog(join(dir, 'app'), { files: [RASTER] }, { lok: {} } as never),
  );
  await refuses('compactCatalog', 'compress', 'compression', 'BuildError', () =>
    compactCatalog(join(dir, 'app'), { compress: 'zstd' } as never),
  );
  await refuses('compactShards', 'worldsize', 'worldSize', 'BuildError', () =>
    compactShards(join(dir, 'shards'), { worldsize: 2 } as never),
  );
  await refuses('optimizeCatalog', 'sortBy', 'sort', 'BuildError', () =>
    optimizeCatalog(parquet, join(dir, 'o.parquet'), { sortBy: [] } as never),
  );
  await refuses('buildVectorCatalog', 'granularty', 'granularity', 'BuildError', () =>
    buildVectorCatalog(join(dir, 'v.geojson'), { out, granularty: 'file' } as never),
  );
});

test('samplers refuse unknown option keys', T, async () => {
  await refuses('randomSampler', 'seeed', 'seed', 'SamplerError', () =>
    randomSampler(cat, { size: 4, length: 1, seeed: 1 } as never),
  );
  await refuses('gridSampler', 'strde', 'stride', 'SamplerError', () =>
    gridSampler(cat, { size: 4, strde: 2 } as never),
  );
  await refuses('stratifiedSampler', 'perstratum', 'perStratum', 'SamplerError', () =>
    stratifiedSampler(cat, { size: 4, column: 'split', perstratum: 1 } as never),
  );
});

test('loaders refuse unknown option keys', T, async () => {
  await refuses('createLoader', 'concurency', 'concurrency', 'LoaderError', () =>
    createLoader({ sources: [RASTER], concurency: 2 } as never),
  );
  const loader = createLoader({ sources: [RASTER] });
  try {
    await refuses('batches', 'batchsize', 'batchSize', 'LoaderError', () =>
      loader.batches([slice], { batchsize: 16 } as never),
    );
  } finally {
    await loader.close();
  }
  await refuses('batches', 'droplast', 'dropLast', 'LoaderError', () =>
    batchChips([], { batchSize: 1, droplast: true } as never),
  );
  await refuses('loadSlice', 'resampeling', 'resampling', 'LoaderError', () =>
    loadSlice([RASTER], slice, { resampeling: 'nearest' } as never),
  );
  await refuses('openRaster', 'limit', 'limits', 'RasterError', () => openRaster(RASTER, { limit: {} } as never));
  await refuses('tfDataset', 'batchsize', 'batchSize', 'LoaderError', () =>
    tfDataset([slice], loader, { batchsize: 4 } as never),
  );
});

test('stitch and inference entry points refuse unknown option keys', T, async () => {
  await refuses('createStitcher', 'blnd', 'blend', 'StitchError', () =>
    createStitcher({ grid: slice, bands: 1, blnd: 'cosine' } as never),
  );
  const s = createStitcher({ grid: slice, bands: 1 });
  try {
    await refuses('stitcher.add', 'masks', 'mask', 'StitchError', () =>
      s.add(slice, new Float32Array(64 * 64), { masks: new Uint8Array(64 * 64) } as never),
    );
    await refuses('stitcher.write', 'compress', 'compression', 'StitchError', () =>
      s.write(join(dir, 'p.tif'), { compress: 'zstd' } as never),
    );
  } finally {
    s.close();
  }
  await refuses('writePredictions', 'overwite', 'overwrite', 'StitchError', () =>
    writePredictions(cat, [], { out: join(dir, 'p.parquet'), modelId: 'm', overwite: true } as never),
  );
  await refuses('selectForLabeling', 'minspacing', 'minSpacing', 'StitchError', () =>
    selectForLabeling(cat, { k: 1, minspacing: 10 } as never),
  );
  await refuses('runInference', 'batchsize', 'batchSize', 'InferenceError', () =>
    runInference({
      source: parquet,
      model: () => new Float32Array(0),
      out: join(dir, 'i.tif'),
      batchsize: 16,
    } as never),
  );
  await refuses('loadModel', 'normalise', 'normalize', 'InferenceError', () =>
    loadModel((() => new Float32Array(0)) as never, { normalise: {} } as never),
  );
});

test('vector and labels entry points refuse unknown option keys', T, async () => {
  await refuses('loadVector', 'clp', 'clip', 'VectorError', () => loadVector(cat, slice, { clp: true } as never));
  await refuses('rasterize', 'alltouched', 'allTouched', 'LabelError', () =>
    rasterize([], slice, { alltouched: true } as never),
  );
  await refuses('computeBandStats', 'percentile', 'percentiles', 'LabelError', () =>
    computeBandStats(cat, { percentile: [1] } as never),
  );
  await refuses('readGeometries', 'alltouched', 'allTouched', 'LabelError', () =>
    readGeometries(cat, [point] as never, { alltouched: true } as never),
  );
  await refuses('samplePoints', 'tme', 'time', 'LabelError', () =>
    samplePoints(cat, [point] as never, { tme: 'all' } as never),
  );
  await refuses('stratifyByClass', 'minshare', 'minShare', 'LabelError', () =>
    stratifyByClass([slice], { catalog: cat, attribute: 'c', classes: [1], perClass: 1, minshare: 0.5 } as never),
  );
  await refuses('createPairedLoader', 'label', 'labels', 'LabelError', () =>
    createPairedLoader({ images: { sources: [RASTER] }, label: {} } as never),
  );
  await refuses('createPairedLoader labels', 'bnd', 'band', 'LabelError', () =>
    createPairedLoader({ images: { sources: [RASTER] }, labels: { kind: 'raster', catalog: cat, bnd: 1 } } as never),
  );
  const geojson = join(dir, 'f.geojson');
  writeFileSync(geojson, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', ...point }] }));
  const layer = await openVectorLayer(geojson);
  await refuses('features of', 'bboxx', 'bbox', 'VectorError', () => layer.features({ bboxx: [0, 0, 1, 1] } as never));
  const paired = createPairedLoader({ images: { sources: [RASTER] }, labels: { kind: 'raster', catalog: cat } });
  try {
    await refuses('batches', 'batchsize', 'batchSize', 'LabelError', () =>
      paired.batches([slice], { batchsize: 1 } as never),
    );
  } finally {
    await paired.close();
  }
});

test('the COG writer, footprints and quicklook refuse unknown option keys', T, async () => {
  const meta = { width: 16, height: 16, bands: 1, dtype: 'uint8' as const, crs: 'EPSG:32633' };
  const raster = { ...meta, transform: [500000, 10, 0, 5770000, 0, -10] as const, data: new Uint8Array(256) };
  const out = join(dir, 'w.tif');
  await refuses('writeCog', 'compress', 'compression', 'StitchError', () =>
    writeCog(out, raster as never, { compress: 'lzw' } as never),
  );
  await refuses('createCogWriter', 'overview', 'overviews', 'StitchError', () =>
    createCogWriter(out, raster as never, { overview: false } as never),
  );
  // The raster metadata too: a misspelt nodata would write a file without nodata.
  await refuses('writeCog', 'noData', 'nodata', 'StitchError', () => writeCog(out, { ...raster, noData: 0 } as never));
  await refuses('createCogWriter', 'bandnames', 'bandNames', 'StitchError', () =>
    createCogWriter(out, { ...meta, transform: raster.transform, bandnames: ['a'] } as never),
  );
  assert.throws(() => statSync(out), /ENOENT/, 'nothing written');
  // The exact keys still write (the check refuses only unknown keys).
  await writeCog(out, raster as never, { compression: 'lzw', overviews: false });
  assert.ok(statSync(out).size > 0);
  await refuses('validFootprint', 'maxcells', 'maxCells', 'RasterError', () =>
    validFootprint(RASTER, { maxcells: 64 } as never),
  );
  await refuses('renderCoverageMap', 'widht', 'width', 'StitchError', () =>
    renderCoverageMap([], join(dir, 'm.png'), { widht: 100 } as never),
  );
  await refuses('renderContinuous', 'rang', 'range', 'StitchError', () =>
    renderContinuous(new Float32Array(4), 2, 2, { rang: [0, 1] } as never),
  );
  await refuses('frameMap', 'titel', 'title', 'StitchError', () =>
    frameMap(new Uint8Array(16), 2, 2, { titel: 'x' } as never),
  );
});

test('recordToRow, reprojectGeometry and augment refuse unknown option keys', T, async () => {
  const record = { id: 'a', datetime: '2024-06-01', geometry: point.geometry, assets: { image: 'a.tif' } };
  await refuses('recordToRow', 'hrefcolumn', 'hrefColumn', 'BuildError', () =>
    recordToRow(record, 0, { hrefcolumn: 'href' } as never),
  );
  await refuses('recordToRow columnMap', 'geom', 'geometry', 'BuildError', () =>
    recordToRow(record, 0, { columnMap: { geom: 'footprint' } } as never),
  );
  // buildCatalogFromTable refuses a misspelt columnMap key at its entry (not per record, where
  // onError: 'skip' would skip every record), and passes recordToRow only recordToRow's keys.
  await refuses('buildCatalogFromTable columnMap', 'geom', 'geometry', 'BuildError', () =>
    buildCatalogFromTable(
      [record] as never,
      { out: join(dir, 't.parquet'), onError: 'skip', columnMap: { geom: 'g' } } as never,
    ),
  );
  const built = await buildCatalogFromTable([record] as never, { out: join(dir, 't.parquet'), batchSize: 10 });
  try {
    assert.equal(built.rows, 1);
  } finally {
    await built.catalog.close();
  }
  await refuses('reprojectGeometry', 'tolerence', 'tolerance', 'VectorError', () =>
    reprojectGeometry({ type: 'Point', coordinates: [15, 52] }, 'EPSG:4326', 'EPSG:32633', { tolerence: 1 } as never),
  );
  await refuses('augment', 'rots', 'rot', 'LabelError', () =>
    augment(new Uint8Array(4), [2, 2], { flip: false, rots: 1 } as never),
  );
  // Without the misspelt key, a missing rot is a wrong value, not "no rotation".
  assert.throws(
    () => augment(new Uint8Array(4), [2, 2], { flip: false } as never),
    (e: GeosliceError) => e.code === 'BAD_OPTION' && e.message.includes('rot'),
  );
});

test('openRemoteCatalog refuses unknown option keys; openCatalog passes it only its own', T, async () => {
  const server = await startRangeServer(dir);
  try {
    const url = `${server.base}/c.parquet`;
    await refuses('openRemoteCatalog', 'concurency', 'concurrency', 'CatalogError', () =>
      openRemoteCatalog(url, { concurency: 2 } as never),
    );
    // A key of openCatalog's own (local catalogs) is unknown to openRemoteCatalog.
    await assert.rejects(
      openRemoteCatalog(url, { table: 'catalog' } as never),
      (e: GeosliceError) => e.code === 'BAD_OPTION' && e.subject === 'table' && e.message.includes('openRemoteCatalog'),
    );
    await refuses('openCatalog', 'concurency', 'concurrency', 'CatalogError', () =>
      openCatalog(url, { concurency: 2 } as never),
    );
    // openCatalog's local-only keys are its own: they do not reach openRemoteCatalog's check.
    const remote = await openCatalog(url, { threads: 2, hive: false, concurrency: 2 });
    try {
      assert.equal(await remote.count(), smallRows().length);
    } finally {
      await remote.close();
    }
  } finally {
    await server.close();
  }
});

test('closestKey suggests near keys only', () => {
  const keys = ['batchSize', 'dropLast', 'limits', 'compression'];
  assert.equal(closestKey('batchsize', keys), 'batchSize');
  assert.equal(closestKey('bachSize', keys), 'batchSize');
  assert.equal(closestKey('limit', keys), 'limits');
  assert.equal(closestKey('compress', keys), 'compression');
  assert.equal(closestKey('banana', keys), undefined);
  assert.equal(closestKey('xy', keys), undefined);
  assert.throws(
    () => checkOptionKeys({ banana: 1 }, keys, 'f', LoaderError),
    (e: GeosliceError) =>
      e.code === 'BAD_OPTION' && !e.message.includes('did you mean') && e.message.includes('batchSize'),
  );
  // Known keys, undefined values and non-objects pass (type checks are the function's own).
  checkOptionKeys({ batchSize: 1, dropLast: undefined }, keys, 'f', LoaderError);
  checkOptionKeys(undefined, keys, 'f', LoaderError);
  checkOptionKeys(null, keys, 'f', LoaderError);
});

test('optionKeys: the compiler refuses a key list that misses or invents a key', () => {
  interface Options {
    a?: number;
    b: string;
  }
  type Either = { x: number; y?: undefined } | { x?: undefined; y: number };
  assert.deepEqual(optionKeys<Options>()(['a', 'b']), ['a', 'b']);
  assert.deepEqual(optionKeys<Either>()(['x', 'y']), ['x', 'y']);
  // @ts-expect-error -- 'b' is missing
  optionKeys<Options>()(['a']);
  // @ts-expect-error -- 'c' is no key of Options
  optionKeys<Options>()(['a', 'b', 'c']);
  // @ts-expect-error -- 'y' of the second union member is missing
  optionKeys<Either>()(['x']);
});
