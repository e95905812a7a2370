import { availableParallelism } from 'node:os';
import { resolveLimits, type ResourceLimits } from './limits.js';
import { checkHttpOptions, type HttpSourceOptions } from '../sources/http-source.js';
import { MemoryCatalog } from '../catalog/memory/catalog.js';
import { matchingRows } from '../catalog/memory/matching-rows.js';
import type { CatalogRow, GeoCatalog } from '../catalog/types.js';
import { iterateAtBoundary, LoaderError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { describeSlice, type GeoSlice } from '../geo/slice.js';
import { chipBatches, type Batch, type BatchOptions } from './batches.js';
import { ChipPool } from './chip-pool.js';
import type { Chip } from './chip.js';
import { loadSliceWith, type BandSelector, type RasterOpener, type SliceSource } from './load-slice.js';
import { cpuBusyProbe } from './cpu-busy.js';
import { type AdaptiveDepth, mapOrdered } from './prefetch.js';
import { openRaster, type RasterDtype } from './raster.js';
import { ReaderPool } from './reader-pool.js';
import { BlockCache } from '../sources/block-cache.js';
import { setDecodeThreads } from '../tiff/codecs/worker-pool.js';
import type { TemporalMode } from './temporal.js';
import type { Resampling } from './warp.js';

/** The adaptive read-ahead's start, least and most slices (see {@link LoaderOptions.prefetch}). */
const DEPTH_START = Math.max(8, 2 * availableParallelism());
const DEPTH_MIN = 2;
const DEPTH_MAX = Math.max(32, 8 * availableParallelism());
/** Bytes of finished chips the adaptive read-ahead may hold for a slow consumer. */
const PREFETCH_BYTES = 128 * 2 ** 20;
/** The default decoded-block cache starts at this budget and may grow to CACHE_MAX (see `cacheBytes`). */
const CACHE_START = 8 * 2 ** 20;
const CACHE_MAX = 256 * 2 ** 20;
/** Idle chip and scratch arrays kept for reuse: a batch of 16 four-band 256x256 float32 chips. */
const CHIP_POOL_BYTES = 16 * 2 ** 20;

/**
 * Options of {@link createLoader}. Give a `catalog` (rows covering each slice are looked up in it)
 * or fixed `sources` (files or rows used for every slice).
 */
export interface LoaderOptions {
  catalog?: GeoCatalog;
  /** Options for `http(s)://` and `s3://` files (timeouts, deadline, retries, headers). Ignored with `open`. */
  http?: HttpSourceOptions;
  /** Largest slice (pixels) and batch (bytes); larger ones are refused with `TOO_LARGE` before allocation. */
  limits?: ResourceLimits;
  /**
   * A DuckDB catalog with at most this many rows is copied into an in-memory spatial index on the first
   * load (like TorchGeo's R-tree over files), so each slice's lookup takes well under a millisecond
   * instead of a SQL query; larger catalogs are queried per slice, keeping memory independent of
   * their size. Default 10_000; 0 always queries.
   */
  memoryIndexRows?: number;
  sources?: SliceSource[];
  /** Bands in chip order (asset keys for rows, 1-based numbers for files). Default: all. */
  bands?: BandSelector[];
  /** Default 'nearest'. */
  resampling?: Resampling;
  /** 'auto' (default): the overview `gdalwarp -ovr AUTO` would read; 'none': always full resolution. */
  overviews?: 'auto' | 'none';
  /** Apply each band's scale/offset from the file's GDAL metadata. Default false (raw values). */
  scaleOffset?: boolean;
  /** Type of `chip.data` from {@link Loader.load} and {@link Loader.chips}. Default 'float32' (batches are always float32). */
  dtype?: RasterDtype;
  /**
   * Most slices loading at once in `chips`/`batches`. Default: every slice of the read-ahead
   * (`prefetch`) loads at once; the read-ahead then adapts as described there.
   */
  concurrency?: number;
  /**
   * Slices started ahead of the consumer (loading or loaded, not yet taken), fixed. Default:
   * adaptive. The read-ahead starts at 8 or 2 per core, whichever is more (`2 * concurrency` when
   * `concurrency` is given), and moves between 2 (`concurrency`) and 32 or 8 per core (or
   * `2 * concurrency` when larger): it grows while the consumer waits for a chip that is still
   * loading, fewer than `concurrency` slices load and the process is not already using 90% of
   * every core (the decode threads are saturated), and shrinks while finished chips pile up
   * unconsumed; chips waiting for the consumer never hold more than 128 MiB (a read-ahead of at
   * least the minimum is always allowed). `loader.prefetchDepth` shows it.
   */
  prefetch?: number;
  /**
   * Budget of the decoded-block cache shared by all files, fixed; 0 disables it. Default: adaptive,
   * from 8 MiB (16 decoded 512x512 uint16 tiles) up to 256 MiB
   * (512 such tiles), whatever the core count. The budget doubles while windows keep asking for
   * tiles it recently evicted (a grid with overlap, many chips per scene, epochs over a small area);
   * a cold pass over a large catalog, which rarely reads a tile twice, keeps it at 8 MiB (see
   * {@link BlockCache}). `loader.cache.budget` shows it.
   */
  cacheBytes?: number;
  /** Default 'mosaic'. */
  temporal?: TemporalMode;
  /**
   * Worker threads decoding blocks. The decoder pool is process-wide, so this sets it for every
   * loader and standalone read (as {@link setDecodeThreads} does). Default: left as it is, which
   * starts as one thread per core on machines with at least two cores (0 on one core: decoding on
   * the main thread, DEFLATE still inflated on the libuv pool).
   */
  decodeThreads?: number;
  /** Readers kept open between slices. Default 64. */
  maxOpenFiles?: number;
  /** Opens rasters (custom sources, tests). Default {@link openRaster} with the block cache. */
  open?: RasterOpener;
  /** When set, slices that fail in `chips`/`batches` are reported here and skipped; otherwise the error ends the iteration at that slice's position. */
  onError?: (error: unknown, slice: GeoSlice) => void;
  /**
   * `chips`/`batches` skip chips whose share of valid pixels is below this (0..1) and count them in
   * {@link Loader.stats}. Default: only chips without any valid pixel are skipped (a slice over a
   * nodata corner never ends a training loop). `0` keeps every chip. `load` always returns the chip.
   */
  minValidFraction?: number;
}

/** The keys of {@link LoaderOptions} (the compiler checks the list is complete). */
export const LOADER_OPTION_KEYS = optionKeys<LoaderOptions>()([
  'catalog',
  'http',
  'limits',
  'memoryIndexRows',
  'sources',
  'bands',
  'resampling',
  'overviews',
  'scaleOffset',
  'dtype',
  'concurrency',
  'prefetch',
  'cacheBytes',
  'temporal',
  'decodeThreads',
  'maxOpenFiles',
  'open',
  'onError',
  'minValidFraction',
]);

/**
 * Counters of a {@link Loader}'s `chips`/`batches` iterations.
 */
export interface LoaderStats {
  /** Chips loaded by `chips`/`batches` (yielded or skipped). */
  loaded: number;
  /** Chips skipped because their valid share was below `minValidFraction` (or they had no valid pixel). */
  skippedEmpty: number;
  /** Slices that failed and were reported to `onError`. */
  failed: number;
}

/**
 * Loads slices into chips and batches. Safe to use concurrently; a failing slice does not affect
 * the others. Call `close()` to release open files.
 */
export interface Loader {
  /** One slice; throws {@link LoaderError} `NO_COVERAGE` when nothing covers it. */
  load(slice: GeoSlice): Promise<Chip>;
  /** Chips in slice order, loaded with bounded concurrency and prefetch. */
  chips(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>): AsyncIterable<Chip>;
  /** Float32 batches `[N, C, H, W]` (or `[N, T, C, H, W]`) with masks `[N, H, W]`. */
  batches(slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>, opts: BatchOptions): AsyncIterable<Batch>;
  /** The decoded-block cache (hit/miss counters), when enabled. */
  readonly cache: BlockCache | null;
  /** Chips loaded, skipped as (nearly) empty, and failed, over all `chips`/`batches` calls. */
  readonly stats: LoaderStats;
  /**
   * The read-ahead (slices started and not yet consumed) the latest `chips`/`batches` iteration
   * allows now: fixed with the `prefetch` option, else adaptive.
   */
  readonly prefetchDepth: number;
  close(): Promise<void>;
}

/**
 * Creates a {@link Loader}. Throws {@link LoaderError} `BAD_OPTION` for invalid options.
 *
 * @example
 * ```ts
 * import { createLoader, openCatalog } from 'geoslice';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const loader = createLoader({ catalog, bands: ['B04', 'B08'], resampling: 'bilinear', concurrency: 4 });
 * const chip = await loader.load({ bounds: [500000, 4100000, 502560, 4102560], crs: 'EPSG:32633', resolution: [10, 10] });
 * console.log(chip.shape); // [2, 256, 256]
 * await loader.close();
 * ```
 */
export function createLoader(opts: LoaderOptions): Loader {
  const bad = (why: string): never => {
    throw new LoaderError('BAD_OPTION', `createLoader: ${why}`);
  };
  if (!opts || typeof opts !== 'object') bad('options must be an object');
  checkOptionKeys(opts, LOADER_OPTION_KEYS, 'createLoader', LoaderError);
  if (!opts.catalog === !opts.sources)
    bad(
      'give exactly one of `catalog` (rows are looked up per slice) or `sources` (files or rows used for every slice)',
    );
  const given = opts.concurrency;
  if (given !== undefined && (!Number.isInteger(given) || given < 1))
    bad(`concurrency must be a positive integer, got ${String(opts.concurrency)}`);
  const prefetch = opts.prefetch;
  if (prefetch !== undefined && (!Number.isInteger(prefetch) || prefetch < 0))
    bad(`prefetch must be a non-negative integer, got ${String(opts.prefetch)}`);
  // the read-ahead: fixed with `prefetch`, else adaptive (see LoaderOptions.prefetch)
  const depthMax = prefetch !== undefined ? Math.max(given ?? 4, prefetch) : Math.max(DEPTH_MAX, 2 * (given ?? 1));
  const concurrency = given ?? (prefetch !== undefined ? 4 : depthMax);
  const depthStart = given ? 2 * given : DEPTH_START;
  const adaptive = (): AdaptiveDepth<Chip> | undefined =>
    prefetch !== undefined
      ? undefined
      : {
          start: depthStart,
          min: given ?? DEPTH_MIN,
          max: depthMax,
          saturated: cpuBusyProbe(),
          budgetBytes: PREFETCH_BYTES,
          bytesOf: (c) => c.data.byteLength + (c.mask?.byteLength ?? 0),
          onDepth: (d) => {
            depthNow = d;
          },
        };
  const cacheBytes = opts.cacheBytes ?? CACHE_MAX;
  if (!(cacheBytes >= 0)) bad(`cacheBytes must be >= 0, got ${String(opts.cacheBytes)}`);
  if (opts.decodeThreads !== undefined) {
    if (!Number.isInteger(opts.decodeThreads) || opts.decodeThreads < 0)
      bad(`decodeThreads must be a non-negative integer, got ${String(opts.decodeThreads)}`);
    setDecodeThreads(opts.decodeThreads);
  }
  const maxOpen = opts.maxOpenFiles ?? 64;
  if (!Number.isInteger(maxOpen) || maxOpen < 1)
    bad(`maxOpenFiles must be a positive integer, got ${String(opts.maxOpenFiles)}`);
  if (opts.bands !== undefined && (!Array.isArray(opts.bands) || opts.bands.length === 0))
    bad('bands must be a non-empty array of asset keys or 1-based band numbers');
  const http = checkHttpOptions(opts.http, 'createLoader http');
  const limits = resolveLimits(opts.limits);
  const minValid = opts.minValidFraction;
  if (minValid !== undefined && !(typeof minValid === 'number' && minValid >= 0 && minValid <= 1))
    bad(`minValidFraction must be a number in [0, 1], got ${String(minValid)}`);
  /** True when a chip is kept by `chips`/`batches`. */
  const keep = (chip: Chip): boolean => {
    const f = chip.validFraction ?? 1;
    return minValid === undefined ? f > 0 : f >= minValid;
  };
  const stats: LoaderStats = { loaded: 0, skippedEmpty: 0, failed: 0 };
  let depthNow = prefetch !== undefined ? depthMax : depthStart;
  // arrays of chips stacked into batches, reused for later chips (enough for the chips in flight)
  const chipDtype = opts.dtype ?? 'float32';
  const chipPool = new ChipPool(2 * depthMax + 16, CHIP_POOL_BYTES);
  const cache =
    cacheBytes === 0
      ? null
      : new BlockCache(cacheBytes, opts.cacheBytes === undefined ? { startBytes: CACHE_START } : {});
  const pool = new ReaderPool(
    opts.open ?? ((href, layout) => openRaster(href, { layout, http, ...(cache ? { blockCache: cache } : {}) })),
    maxOpen,
  );
  const { catalog } = opts;
  const memoryIndexRows = opts.memoryIndexRows ?? 10_000;
  if (!(Number.isInteger(memoryIndexRows) && memoryIndexRows >= 0))
    bad(`memoryIndexRows must be a non-negative integer, got ${String(opts.memoryIndexRows)}`);
  let lookup: Promise<GeoCatalog> | undefined;
  /** The memory index this loader made of a small DuckDB catalog: its rows are looked up directly. */
  let ownIndex: MemoryCatalog | undefined;
  const lookupCatalog = (c: GeoCatalog): Promise<GeoCatalog> => {
    lookup ??= (async () => {
      if (c.engine !== 'duckdb' || (await c.count()) > memoryIndexRows) return c;
      const index = await c.materialize();
      if (index instanceof MemoryCatalog) ownIndex = index;
      return index;
    })();
    return lookup;
  };

  /** The sources of a slice, and whether they are rows of this loader's own memory index (see `loadSliceWith`). */
  const rowsFor = async (slice: GeoSlice): Promise<[SliceSource[], boolean]> => {
    if (!catalog) return [opts.sources as SliceSource[], false];
    const index = await lookupCatalog(catalog);
    const own = index === ownIndex ? ownIndex : undefined;
    let rows: CatalogRow[];
    if (own) rows = await matchingRows(own, slice);
    else {
      rows = [];
      for await (const r of index.query(slice).rows()) rows.push(r);
    }
    if (rows.length === 0) {
      const d = describeSlice(slice);
      throw new LoaderError(
        'NO_COVERAGE',
        `no catalog row of ${catalog.source} covers ${d}${slice.interval ? ' in its time interval' : ''}; sample slices inside the catalog's footprints`,
        { subject: d },
      );
    }
    return [rows, own !== undefined];
  };

  const load = async (slice: GeoSlice): Promise<Chip> => {
    const [sources, owned] = await rowsFor(slice);
    const leases: (() => void)[] = [];
    const open: RasterOpener = (href, layout) => {
      const lease = pool.acquire(href, layout);
      leases.push(lease.release);
      return lease.reader;
    };
    try {
      return await loadSliceWith(
        sources,
        slice,
        {
          bands: opts.bands,
          resampling: opts.resampling,
          dtype: opts.dtype,
          temporal: opts.temporal,
          overviews: opts.overviews,
          scaleOffset: opts.scaleOffset,
          open,
          limits,
        },
        chipPool,
        owned,
      );
    } finally {
      for (const release of leases) release();
    }
  };

  const chipsWith = async function* (
    slices: Iterable<GeoSlice> | AsyncIterable<GeoSlice>,
    loadOne: (s: GeoSlice) => Promise<Chip>,
  ): AsyncGenerator<Chip> {
    const adapt = adaptive();
    for await (const r of mapOrdered(slices, loadOne, {
      concurrency,
      prefetch: depthMax,
      ...(adapt ? { adapt } : {}),
    })) {
      if ('value' in r) {
        stats.loaded++;
        if (keep(r.value)) yield r.value;
        else stats.skippedEmpty++;
        continue;
      }
      if (!opts.onError) throw r.error;
      stats.failed++;
      opts.onError(r.error, r.input);
    }
  };

  const inputs = catalog ? `over ${catalog.source}` : 'over its sources';
  return {
    load,
    chips: (slices) => iterateAtBoundary(LoaderError, `loader.chips ${inputs}`, chipsWith(slices, load)),
    batches: (slices, b) =>
      iterateAtBoundary(
        LoaderError,
        `loader.batches ${inputs}`,
        chipBatches(chipsWith(slices, load), { limits, ...b }, (done) => {
          for (const c of done) {
            chipPool.give(chipDtype, c.data);
            if (c.mask) chipPool.give('uint8', c.mask);
          }
        }),
      ),
    cache,
    stats,
    get prefetchDepth() {
      return depthNow;
    },
    close: async () => {
      const index = lookup ? await lookup.catch(() => undefined) : undefined;
      if (index && index !== catalog) await index.close();
      await pool.close();
    },
  };
}
