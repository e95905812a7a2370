import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { openCatalog } from '../catalog/open.js';
import type { GeoCatalog } from '../catalog/types.js';
import { InferenceError } from '../errors.js';
import type { BBox } from '../geo/bbox.js';
import type { Geometry } from '../geo/geometry.js';
import type { GeoSlice } from '../geo/slice.js';
import type { BandSelector } from '../loaders/load-slice.js';
import { createLoader, type Loader } from '../loaders/loader.js';
import { openRaster } from '../loaders/raster.js';
import { rasterSlice } from '../loaders/raster-slice.js';
import { gridSampler, type GridSamplerOptions } from '../samplers/grid.js';

/**
 * Where an inference run reads: one raster file, or a catalog (a path `openCatalog` takes, or an open
 * {@link GeoCatalog}).
 */
export type InferenceSource = string | GeoCatalog;

/**
 * Options of {@link openRegion}.
 */
export interface RegionOptions {
  tile: number;
  overlap: number;
  bands?: BandSelector[];
  /** Catalogs: area to tile, in `aoiCrs` (default EPSG:4326). Default: the union of the footprints. */
  aoi?: BBox | Geometry;
  aoiCrs?: string;
  /** Catalogs: CRS of the output grid. Default: the rows' common native CRS. */
  crs?: string;
  /** Catalogs: output resolution. Default: the native resolution of the anchor row. */
  resolution?: number | [number, number];
  /** Slices loaded at once. Default 4. */
  concurrency?: number;
  /** Chips read ahead of the model. */
  prefetch: number;
  /** Passed to the loader: slices that fail to load are reported here and skipped. */
  onError?: (error: unknown, slice: GeoSlice) => void;
}

/**
 * The tiles of an inference run and how to read them: a grid sampler over the source (256² tiles every
 * `tile - overlap` pixels, rows north to south, west to east, the last row and column snapped inside the
 * region), the output grid (a raster's own grid; for a catalog the union of the tiles), and a loader.
 */
export interface Region {
  grid: GeoSlice;
  /** Tiles in the region (the sampler is run once to count them). */
  tiles: number;
  /** SHA-256 of the source's identity (path, size, mtime; or the catalog's source) and of every tile's bounds. */
  fingerprint: string;
  catalog?: GeoCatalog;
  loader: Loader;
  /** A fresh pass of the grid sampler (deterministic: the same tiles in the same order each time). */
  slices(): AsyncIterable<GeoSlice>;
  close(): Promise<void>;
}

const CATALOG_EXTENSIONS = ['.parquet', '.geoparquet', '.duckdb'];

/**
 * Opens the source of an inference run as a {@link Region}. Paths ending in `.parquet`, `.geoparquet`,
 * `.duckdb`, directories and globs are catalogs; other paths are rasters. Throws {@link InferenceError}
 * `BAD_OPTION` for a tile/overlap that leaves no stride, `EMPTY_REGION` when no tile overlaps the data.
 */
export async function openRegion(source: InferenceSource, opts: RegionOptions): Promise<Region> {
  const { tile, overlap } = opts;
  if (!Number.isInteger(tile) || tile < 1)
    throw new InferenceError('BAD_OPTION', `tile must be a positive integer, got ${tile}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tile)
    throw new InferenceError('BAD_OPTION', `overlap must be an integer in [0, tile), got ${overlap} for tile ${tile}`);
  const isCatalogPath =
    typeof source === 'string' &&
    (CATALOG_EXTENSIONS.includes(extname(source).toLowerCase()) ||
      /[*?[]/.test(source) ||
      (existsSync(source) && statSync(source).isDirectory()));
  const sampling: Omit<GridSamplerOptions, 'resolution' | 'crs'> = { size: tile, stride: tile - overlap, edge: 'snap' };
  let catalog: GeoCatalog | undefined;
  let ownCatalog = false;
  let grid: GeoSlice | undefined;
  let slices: () => AsyncIterable<GeoSlice>;
  let loader: Loader;
  const identity = createHash('sha256');
  if (typeof source === 'string' && !isCatalogPath) {
    const file = resolve(source);
    if (!existsSync(file)) throw new InferenceError('NOT_FOUND', `${file} does not exist`, { subject: file });
    const reader = await openRaster(file);
    try {
      grid = rasterSlice(reader.info);
    } finally {
      await reader.close();
    }
    const g = grid;
    const st = statSync(file);
    identity.update(JSON.stringify(['raster', file, st.size, st.mtimeMs]));
    slices = () =>
      gridSampler(g.bounds, {
        ...sampling,
        crs: g.crs,
        regionCrs: g.crs,
        resolution: g.resolution,
        gridOrigin: [g.bounds[0], g.bounds[3]],
      });
    loader = createLoader({
      sources: [file],
      bands: opts.bands,
      concurrency: opts.concurrency,
      prefetch: opts.prefetch,
      onError: opts.onError,
    });
  } else {
    catalog = typeof source === 'string' ? await openCatalog(source) : source;
    ownCatalog = typeof source === 'string';
    const c = catalog;
    const src = existsSync(c.source) ? resolve(c.source) : c.source;
    const st = existsSync(src) ? statSync(src) : undefined;
    identity.update(JSON.stringify(['catalog', src, st?.size ?? null, st?.mtimeMs ?? null]));
    slices = () =>
      gridSampler(c, {
        ...sampling,
        crs: opts.crs,
        resolution: opts.resolution,
        roi: opts.aoi,
        roiCrs: opts.aoiCrs,
      });
    loader = createLoader({
      catalog: c,
      bands: opts.bands,
      concurrency: opts.concurrency,
      prefetch: opts.prefetch,
      onError: opts.onError,
    });
  }
  let tiles = 0;
  let union: GeoSlice | undefined;
  try {
    for await (const s of slices()) {
      tiles++;
      identity.update(new Float64Array(s.bounds));
      union = union
        ? {
            ...union,
            bounds: [
              Math.min(union.bounds[0], s.bounds[0]),
              Math.min(union.bounds[1], s.bounds[1]),
              Math.max(union.bounds[2], s.bounds[2]),
              Math.max(union.bounds[3], s.bounds[3]),
            ],
          }
        : { bounds: [...s.bounds], crs: s.crs, resolution: [...s.resolution] };
    }
  } catch (e) {
    await loader.close();
    if (ownCatalog) await catalog?.close();
    throw e;
  }
  if (tiles === 0 || !union) {
    await loader.close();
    if (ownCatalog) await catalog?.close();
    throw new InferenceError(
      'EMPTY_REGION',
      `no ${tile}-pixel tile overlaps the data of ${typeof source === 'string' ? source : source.source}${opts.aoi ? ' inside the AOI' : ''}`,
    );
  }
  return {
    grid: grid ?? union,
    tiles,
    fingerprint: identity.digest('hex'),
    catalog,
    loader,
    slices,
    async close() {
      await loader.close();
      if (ownCatalog) await catalog?.close();
    },
  };
}
