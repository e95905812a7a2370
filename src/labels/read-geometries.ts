/**
 * `readGeometries`: per polygon, the raster window under it masked outside the polygon (like
 * `rasterio.mask.mask(..., crop=True)`) and a zonal summary per band, for parcel-style datasets.
 */
import type { CatalogRow, GeoCatalog } from '../catalog/types.js';
import { iterateAtBoundary, LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { CrsInput } from '../geo/crs.js';
import type { TimeInterval } from '../geo/interval.js';
import type { GeoSlice } from '../geo/slice.js';
import type { TypedArray } from '../tiff/dtype.js';
import { toNumberSamples } from '../tiff/read/number-samples.js';
import type { BandSelector } from '../loaders/load-slice.js';
import { vectorBBox } from '../vector/geometry.js';
import { reprojectGeometry } from '../vector/reproject.js';
import { inputFeatures, inputName, type GeometryInput, type InputFeature } from './geometry-input.js';
import { rasterize } from './rasterize.js';
import { ReaderCache, rowBands } from './row-bands.js';

/**
 * Options of {@link readGeometries}.
 */
export interface ReadGeometriesOptions {
  /** CRS of the polygons. Default: the file's, or EPSG:4326 for JS features. */
  crs?: CrsInput;
  bands?: BandSelector[];
  /** Count every pixel the polygon touches (as rasterize / rasterio's all_touched). Default false: pixel centres. */
  allTouched?: boolean;
  interval?: TimeInterval;
}

/** The keys of {@link ReadGeometriesOptions} (the compiler checks the list is complete). */
export const READ_GEOMETRIES_OPTION_KEYS = optionKeys<ReadGeometriesOptions>()([
  'crs',
  'bands',
  'allTouched',
  'interval',
]);

/**
 * Count, mean, population standard deviation, min and max of the valid pixels inside a polygon (null
 * statistics when no pixel counts).
 */
export interface ZonalStats {
  count: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

/**
 * The read of one polygon from one raster: the cropped window (`data` per band, in the file's type),
 * `mask` (1 = inside the polygon and valid in every band), the window's grid and the per-band zonal
 * statistics (each over the pixels inside the polygon where that band is valid).
 */
export interface GeometryRead {
  index: number;
  properties: Record<string, unknown>;
  rowId: string;
  /** The window on the raster's pixel grid: `col`, `row`, `width`, `height`, and as a slice. */
  window: { col: number; row: number; width: number; height: number; grid: GeoSlice };
  data: TypedArray[];
  mask: Uint8Array;
  stats: ZonalStats[];
}

/**
 * Streams, for each polygon and each catalog raster it intersects, the window of pixels under its
 * bounds with a mask of the pixels inside it (rasterized with {@link rasterize}, so `allTouched`
 * behaves as there) that are also valid, and per-band zonal statistics, as `rasterio.mask.mask`
 * with `crop=True` gives. Polygons in another CRS are reprojected (densified) onto the raster's grid.
 * Throws {@link LabelError} `NOT_A_POLYGON` naming the feature for other geometry types.
 */
export function readGeometries(
  catalog: GeoCatalog,
  polygons: GeometryInput,
  opts: ReadGeometriesOptions = {},
): AsyncGenerator<GeometryRead> {
  return iterateAtBoundary(LabelError, `readGeometries ${inputName(polygons)}`, geometryReads(catalog, polygons, opts));
}

async function* geometryReads(
  catalog: GeoCatalog,
  polygons: GeometryInput,
  opts: ReadGeometriesOptions,
): AsyncGenerator<GeometryRead> {
  checkOptionKeys(opts, READ_GEOMETRIES_OPTION_KEYS, 'readGeometries', LabelError);
  const readers = new ReaderCache();
  try {
    for await (const f of inputFeatures(polygons, opts.crs)) {
      if (f.geometry.type !== 'Polygon' && f.geometry.type !== 'MultiPolygon') {
        throw new LabelError(
          'NOT_A_POLYGON',
          `readGeometries: feature ${f.index} is a ${f.geometry.type}, not a polygon`,
          {
            subject: `feature ${f.index}`,
          },
        );
      }
      const b = vectorBBox(f.geometry);
      if (!b) continue;
      const rows: CatalogRow[] = [];
      for await (const r of catalog.query({ bbox: b, crs: f.crs, interval: opts.interval }).rows()) rows.push(r);
      for (const row of rows) {
        const read = await readRow(row, f, opts, readers);
        if (read) yield read;
      }
    }
  } finally {
    await readers.close();
  }
}

async function readRow(
  row: CatalogRow,
  f: InputFeature,
  opts: ReadGeometriesOptions,
  readers: ReaderCache,
): Promise<GeometryRead | null> {
  const bands = await rowBands(row, opts.bands, readers);
  const first = await readers.get(bands[0].href);
  const info = first.info;
  const crs = info.crs ?? row.crs;
  const [x0, xres, , y0, , yres] = info.transform;
  const tolerance = 0.125 * Math.min(Math.abs(xres), Math.abs(yres));
  const g = reprojectGeometry(f.geometry, f.crs, crs, { tolerance, where: `feature ${f.index}` });
  const b = vectorBBox(g)!;
  // The window of pixels the polygon's bounds touch, clamped to the raster.
  const cx = [(b[0] - x0) / xres, (b[2] - x0) / xres];
  const cy = [(b[1] - y0) / yres, (b[3] - y0) / yres];
  const col0 = Math.max(0, Math.floor(Math.min(...cx)));
  const col1 = Math.min(info.width, Math.ceil(Math.max(...cx)));
  const row0 = Math.max(0, Math.floor(Math.min(...cy)));
  const row1 = Math.min(info.height, Math.ceil(Math.max(...cy)));
  if (col1 <= col0 || row1 <= row0) return null;
  const width = col1 - col0;
  const height = row1 - row0;
  const grid: GeoSlice = {
    bounds: [x0 + col0 * xres, y0 + row1 * yres, x0 + col1 * xres, y0 + row0 * yres],
    crs,
    resolution: [xres, -yres],
  };
  const inside = rasterize([{ geometry: g }], grid, { allTouched: opts.allTouched, densify: false });
  const data: TypedArray[] = [];
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = inside.data[i];
  const stats: ZonalStats[] = [];
  for (const band of bands) {
    const w = await (await readers.get(band.href)).readWindow(0, col0, row0, width, height, [band.band]);
    const [values] = toNumberSamples(w.data, w.mask, band.href);
    data.push(values);
    // Statistics per band over its own valid pixels (as rasterio's masked read); `mask` needs every band.
    const own = w.mask ? inside.data.map((v, i) => v & w.mask![i]) : inside.data;
    stats.push(zonalStats(values, own));
    if (w.mask) for (let i = 0; i < mask.length; i++) mask[i] &= w.mask[i];
  }
  return {
    index: f.index,
    properties: f.properties,
    rowId: row.id,
    window: { col: col0, row: row0, width, height, grid },
    data,
    mask,
    stats,
  };
}

function zonalStats(d: TypedArray, mask: ArrayLike<number>): ZonalStats {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const v = Number(d[i]);
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (count === 0) return { count, mean: null, std: null, min: null, max: null };
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) ss += (Number(d[i]) - mean) ** 2;
  return { count, mean, std: Math.sqrt(ss / count), min, max };
}
