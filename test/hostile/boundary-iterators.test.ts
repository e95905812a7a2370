/**
 * Every stream the public API returns (samplers, loader chips/batches, batchChips, catalog rows, vector
 * features, readGeometries, samplePoints, stratifyByClass, the paired loader, expandFiles' hrefs, a
 * tfDataset iterated by tfjs) turns an internal
 * failure while it is iterated into a typed error: a `GeosliceError` of the stage's class with code
 * `INTERNAL` (or `TOO_LARGE` for an allocation failure), the original as `cause`, and a message naming
 * the function and its input. An early `break` closes what the stream holds (cursors, input iterators,
 * open files).
 */
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  catalogFromRows,
  createLoader,
  GeosliceError,
  gridSampler,
  openCatalog,
  randomSampler,
  slicesFromCatalog,
  stratifiedSampler,
  type CatalogRow,
  type GeoCatalog,
  type GeoSlice,
} from '../../src/index.js';
import { BuildError, iterateAtBoundary, LoaderError, SamplerError } from '../../src/errors.js';
import { expandFiles } from '../../src/catalog/index.js';
import { tfDataset } from '../../src/tfjs/index.js';
import { loadTf } from '../../src/tfjs/tfjs.js';
import { batchChips, type Chip } from '../../src/loaders/index.js';
import { openVectorLayer } from '../../src/vector/index.js';
import { createPairedLoader, readGeometries, samplePoints, stratifyByClass } from '../../src/labels/index.js';
import { smallRows } from '../fixtures/catalog/rows.js';

const T = { timeout: 120_000 };
const RASTER = new URL('../fixtures/build/rasters/utm33_20240601.tif', import.meta.url).pathname;
/** A 64 x 64 slice (50 m pixels) inside RASTER (origin 500000, 5770000; 300 x 200 pixels). */
const slice = (i: number): GeoSlice => ({
  bounds: [500000 + i * 3200, 5770000 - 3200, 500000 + (i + 1) * 3200, 5770000],
  crs: 'EPSG:32633',
  resolution: [50, 50],
});

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'geoslice-hostile-iter-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const injected = () => new TypeError('injected failure');

/** Yields `items`, then throws `error()`. */
async function* failAfter<T>(error: () => Error, ...items: T[]): AsyncGenerator<T> {
  yield* items;
  throw error();
}

/**
 * Drains `it` and checks it failed with a `Kind` error, code `code`, whose message names `names` and
 * whose cause is the injected TypeError (unless `cause` is false).
 */
async function assertTyped(
  it: AsyncIterable<unknown>,
  Kind: new (...a: never[]) => GeosliceError,
  names: string[],
  code = 'INTERNAL',
): Promise<GeosliceError> {
  let caught: unknown;
  try {
    for await (const _ of it) {
      // drain
    }
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Kind, `expected a ${Kind.name}, got ${String(caught)}`);
  const e = caught as GeosliceError;
  assert.equal(e.code, code, e.message);
  for (const n of names) assert.ok(e.message.includes(n), `"${e.message}" should name ${n}`);
  if (code === 'INTERNAL') {
    assert.ok(e.cause instanceof TypeError, 'the cause is the original error');
    assert.equal((e.cause as Error).message, 'injected failure');
    assert.ok((e.cause as Error).stack?.includes('injected'), 'the cause keeps its stack');
  }
  return e;
}

/**
 * `real` with its row streams failing: `rows()` (of it and of every catalog its lazy operations
 * return) yields `okRows` rows, then throws a TypeError. `closed` counts streams whose `finally` ran.
 */
function failingCatalog(real: GeoCatalog, okRows: number, state = { closed: 0, opened: 0 }): GeoCatalog {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'rows')
        return (opts?: { batchSize?: number }) => ({
          async *[Symbol.asyncIterator]() {
            state.opened++;
            let n = 0;
            try {
              for await (const r of target.rows(opts)) {
                if (n++ === okRows) throw injected();
                yield r;
              }
              if (n <= okRows) throw injected();
            } finally {
              state.closed++;
            }
          },
        });
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const out = v.apply(target, args);
        const wrap = (c: unknown) =>
          c && typeof c === 'object' && 'rows' in c && 'query' in c
            ? failingCatalog(c as GeoCatalog, okRows, state)
            : c;
        return out instanceof Promise ? out.then(wrap) : wrap(out);
      };
    },
  });
}

/** Rows of smallRows() with native-grid extras, so the samplers can place chips without `resolution`. */
function rows(): CatalogRow[] {
  return smallRows();
}

test('samplers: a failing catalog stream is SamplerError INTERNAL naming the sampler and the catalog', T, async () => {
  const cat = failingCatalog(catalogFromRows(rows(), { source: 'scenes-under-test' }), 1);
  const opts = { size: 4, resolution: 10, crs: 'native' as const, seed: 1 };
  await assertTyped(randomSampler(cat, { ...opts, length: 3 }), SamplerError, ['randomSampler', 'scenes-under-test']);
  await assertTyped(gridSampler(cat, { size: 4, resolution: 10, preChipped: true }), SamplerError, [
    'gridSampler',
    'scenes-under-test',
  ]);
  await assertTyped(
    stratifiedSampler(cat, { ...opts, column: 'split', perStratum: 1, pushdown: false }),
    SamplerError,
    ['stratifiedSampler', 'scenes-under-test'],
  );
});

test('slicesFromCatalog: a failing catalog stream is CatalogError INTERNAL naming the catalog', T, async () => {
  const cat = failingCatalog(catalogFromRows(rows(), { source: 'slice-table' }), 0);
  const { CatalogError } = await import('../../src/errors.js');
  await assertTyped(slicesFromCatalog(cat), CatalogError, ['slicesFromCatalog', 'slice-table']);
});

test('a break out of a sampler loop closes the catalog cursor', T, async () => {
  const state = { closed: 0, opened: 0 };
  const cat = failingCatalog(catalogFromRows(rows()), 1_000_000, state);
  for await (const _ of gridSampler(cat, { size: 4, resolution: 10, preChipped: true })) break;
  assert.ok(state.opened >= 1);
  assert.equal(state.closed, state.opened, 'every cursor opened was closed');
});

test('loader.chips / loader.batches / batchChips: failures while iterating are LoaderError', T, async () => {
  const loader = createLoader({ sources: [RASTER] });
  try {
    const slices = () => failAfter(injected, slice(0));
    await assertTyped(loader.chips(slices()), LoaderError, ['loader.chips']);
    await assertTyped(loader.batches(slices(), { batchSize: 1 }), LoaderError, ['loader.batches']);
    const failing = createLoader({ catalog: failingCatalog(catalogFromRows(rows(), { source: 'lookup-cat' }), 0) });
    await assertTyped(failing.chips([slice(0)]), LoaderError, ['loader.chips', 'lookup-cat']);
    await failing.close();
  } finally {
    await loader.close();
  }
  await assertTyped(batchChips(failAfter<Chip>(injected), { batchSize: 2 }), LoaderError, ['batchChips']);
  const huge = () => new RangeError('Array buffer allocation failed');
  await assertTyped(batchChips(failAfter<Chip>(huge), { batchSize: 2 }), LoaderError, ['batchChips'], 'TOO_LARGE');
});

test('a break out of a loader loop closes the slice iterator and, after close(), every file', T, async () => {
  /** Descriptors of this process open on RASTER. */
  const fds = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === RASTER;
      } catch {
        return false;
      }
    }).length;
  assert.equal(fds(), 0);
  let closed = false;
  async function* slices(): AsyncGenerator<GeoSlice> {
    try {
      for (let i = 0; i < 4; i++) yield slice(i);
      for (;;) yield slice(0);
    } finally {
      closed = true;
    }
  }
  const loader = createLoader({ sources: [RASTER], concurrency: 2, prefetch: 4 });
  let n = 0;
  for await (const chip of loader.chips(slices())) {
    assert.deepEqual(chip.shape, [2, 64, 64]);
    if (++n === 2) break;
  }
  assert.ok(fds() > 0, 'the loader keeps its readers open until close()');
  assert.ok(closed, 'the slices generator was closed by the break');
  await loader.close();
  await new Promise((r) => setTimeout(r, 200)); // loads still in flight at the break settle
  assert.equal(fds(), 0, 'no file descriptor left open on the raster');
});

test(
  'catalog rows(): an internal failure is CatalogError INTERNAL naming the catalog; break closes the cursor',
  T,
  async () => {
    const path = join(dir, 'rows.parquet');
    const mem = catalogFromRows(rows(), { source: 'memory-rows' });
    await mem.toGeoParquet(path);
    const duck = await openCatalog(path);
    try {
      for (const cat of [mem, duck]) {
        const m = mock.method(cat as unknown as { relation(): Promise<unknown> }, 'relation', async () => {
          throw injected();
        });
        const e = await assertTyped(cat.rows(), GeosliceError, ['rows of', cat.source]);
        assert.equal(e.constructor.name, 'CatalogError');
        m.mock.restore();
        // A rows() iterable stays re-iterable.
        const it = cat.rows();
        let a = 0;
        for await (const _ of it) a++;
        let b = 0;
        for await (const _ of it) b++;
        assert.equal(a, rows().length);
        assert.equal(b, a);
      }
      // A break closes the DuckDB cursor: its connection is closed, so the catalog still closes cleanly
      // and a second full pass sees every row.
      for await (const _ of duck.rows({ batchSize: 1 })) break;
      let n = 0;
      for await (const _ of duck.rows()) n++;
      assert.equal(n, rows().length);
    } finally {
      await duck.close();
    }
  },
);

test('vector layer features(): a file that disappears mid-read is VectorError naming the file', T, async () => {
  const seq = join(dir, 'gone.geojsonl');
  const line = JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] }, properties: {} });
  writeFileSync(seq, `${line}\n${line}\n`);
  const layer = await openVectorLayer(seq);
  rmSync(seq);
  let caught: unknown;
  try {
    for await (const _ of layer.features()) {
      // drain
    }
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof GeosliceError, String(caught));
  assert.equal(caught.constructor.name, 'VectorError');
  assert.ok(caught.message.includes(seq), caught.message);
});

test('readGeometries / samplePoints / stratifyByClass: failures while iterating are LabelError', T, async () => {
  const cat = failingCatalog(catalogFromRows(rows(), { source: 'label-cat' }), 0);
  const square = {
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ],
    },
    properties: {},
  };
  const point = { geometry: { type: 'Point', coordinates: [0.5, 0.5] }, properties: {} };
  const { LabelError } = await import('../../src/errors.js');
  await assertTyped(readGeometries(cat, [square] as never), LabelError, ['readGeometries features']);
  await assertTyped(samplePoints(cat, [point] as never, { memoryIndexRows: 0 }), LabelError, ['samplePoints features']);
  await assertTyped(
    stratifyByClass(failAfter<GeoSlice>(injected), { catalog: cat, attribute: 'cls', classes: [1], perClass: 1 }),
    LabelError,
    ['stratifyByClass'],
  );
});

test('paired loader samples / batches: failures while iterating are LabelError', T, async () => {
  const labels = catalogFromRows(rows());
  const paired = createPairedLoader({ images: { sources: [RASTER] }, labels: { kind: 'raster', catalog: labels } });
  const { LabelError } = await import('../../src/errors.js');
  try {
    const slices = () => failAfter<GeoSlice>(injected);
    await assertTyped(paired.samples(slices()), LabelError, ['pairedLoader.samples']);
    await assertTyped(paired.batches(slices(), { batchSize: 1 }), LabelError, ['pairedLoader.batches']);
  } finally {
    await paired.close();
  }
});

test('expandFiles: a failing input iterable is BuildError INTERNAL naming expandFiles', T, async () => {
  const { hrefs, total } = await expandFiles(failAfter(injected, RASTER));
  assert.equal(total, null);
  const seen: string[] = [];
  const e = await assertTyped(
    (async function* () {
      for await (const h of hrefs) {
        seen.push(h);
        yield h;
      }
    })(),
    BuildError,
    ['expandFiles', 'async iterable of files'],
  );
  assert.equal(e.code, 'INTERNAL');
  assert.deepEqual(seen, [RASTER], 'the items before the failure come through');
  // Typed errors pass unchanged: an item that is not a path is BAD_OPTION.
  const bad = await expandFiles([RASTER, 7 as never]);
  await assertTyped(bad.hrefs, BuildError, ['file #1'], 'BAD_OPTION');
});

test('tfDataset: failures while tfjs iterates the dataset are LoaderError naming tfDataset', T, async () => {
  const tf = await loadTf();
  const batch = {
    data: new Float32Array(2 * 1 * 2 * 2),
    shape: [2, 1, 2, 2] as [number, number, number, number],
    slices: [slice(0), slice(1)],
  };
  /** A batch source that yields one batch, then throws a TypeError. */
  const failing = { batches: () => failAfter(injected, batch as never) };
  /** Drains a dataset through tfjs' own iterator, disposing each element. */
  const drain = (ds: Awaited<ReturnType<typeof tfDataset>>): AsyncIterable<unknown> => ({
    async *[Symbol.asyncIterator]() {
      const it = await ds.iterator();
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        tf.dispose(r.value as never);
        yield r.value;
      }
    },
  });
  const start = tf.memory().numTensors;
  await assertTyped(drain(await tfDataset([slice(0)], failing, { batchSize: 2, tf })), LoaderError, ['tfDataset']);
  // A labels function that throws: typed, and the batch's xs tensor is disposed.
  const labels = () => {
    throw injected();
  };
  const ok = { batches: () => failAfter(() => new Error('not reached'), batch as never) };
  await assertTyped(drain(await tfDataset([slice(0)], ok, { batchSize: 2, labels, tf })), LoaderError, ['tfDataset']);
  // A slices function that throws when an epoch starts.
  const slices = () => {
    throw injected();
  };
  await assertTyped(drain(await tfDataset(slices, ok, { batchSize: 2, tf })), LoaderError, ['tfDataset']);
  assert.equal(tf.memory().numTensors, start, 'no tensor left behind');
});

test('iterateAtBoundary: no double wrapping, laziness, return() and throw() reach the source', T, async () => {
  let started = false;
  let finished = false;
  async function* source(): AsyncGenerator<number> {
    started = true;
    try {
      yield 1;
      yield 2;
    } finally {
      finished = true;
    }
  }
  const once = iterateAtBoundary(LoaderError, 'outer', source());
  assert.equal(iterateAtBoundary(SamplerError, 'again', once), once, 'a wrapped stream is not wrapped again');
  assert.equal(started, false, 'nothing runs before the first next()');
  assert.deepEqual(await once.next(), { value: 1, done: false });
  assert.deepEqual(await once.return(undefined), { value: undefined, done: true });
  assert.ok(finished, 'return() ran the source finally');

  started = false;
  const unused = iterateAtBoundary(LoaderError, 'outer', source());
  assert.deepEqual(await unused.return(undefined), { value: undefined, done: true });
  assert.deepEqual(await unused.next(), { value: undefined, done: true });
  assert.equal(started, false, 'a stream closed before it started never runs its source');

  finished = false;
  const twice = iterateAtBoundary(LoaderError, 'outer', source());
  await twice.next();
  const e = await twice.throw(injected()).catch((x: unknown) => x);
  assert.ok(finished, 'throw() ran the source finally');
  assert.ok(e instanceof LoaderError && e.code === 'INTERNAL', String(e));
  const typed = new SamplerError('EMPTY_REGION', 'typed errors pass through');
  await assert.rejects(
    iterateAtBoundary(
      LoaderError,
      'x',
      failAfter(() => typed),
    ).next(),
    (x) => x === typed,
  );
});
