/**
 * `samplePoints`: band values at points, like rasterio's `sample` (the pixel holding the point, no
 * interpolation), over every catalog raster that covers each point.
 */
import type { CatalogRow, GeoCatalog } from '../catalog/types.js';
import { iterateAtBoundary, LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { CrsInput } from '../geo/crs.js';
import type { Position } from '../geo/geometry.js';
import type { TimeInterval } from '../geo/interval.js';
import { transformPoint } from '../geo/transform.js';
import type { BandSelector } from '../loaders/load-slice.js';
import { inputFeatures, inputName, type GeometryInput } from './geometry-input.js';
import { ReaderCache, rowBands } from './row-bands.js';
import { exactNumber } from '../tiff/read/number-samples.js';

/**
 * Options of {@link samplePoints}.
 */
export interface SamplePointsOptions {
  /** CRS of the points. Default: the file's, or EPSG:4326 for JS features. */
  crs?: CrsInput;
  /** Bands to read (see `rowBands`): asset keys, or 1-based numbers of a single-asset row. Default: all. */
  bands?: BandSelector[];
  /** 'all' (default): one sample per covering raster, oldest first; 'first' / 'last': the oldest / newest with valid data. */
  time?: 'all' | 'first' | 'last';
  /** Only rasters whose time overlaps it. */
  interval?: TimeInterval;
  /** A catalog with at most this many rows is indexed in memory once instead of queried per point. Default 10_000. */
  memoryIndexRows?: number;
}

/** The keys of {@link SamplePointsOptions} (the compiler checks the list is complete). */
export const SAMPLE_POINTS_OPTION_KEYS = optionKeys<SamplePointsOptions>()([
  'crs',
  'bands',
  'time',
  'interval',
  'memoryIndexRows',
]);

/**
 * The values of one raster at a point: `null` where the pixel is nodata or masked.
 */
export interface PointValues {
  rowId: string;
  tmin: Date | null;
  /** Pixel of the raster holding the point. */
  col: number;
  row: number;
  values: (number | null)[];
}

/**
 * One input point with its attributes and the values read at it.
 */
export interface PointSample {
  /** Position in the input. */
  index: number;
  point: Position;
  properties: Record<string, unknown>;
  samples: PointValues[];
}

/**
 * Streams, for each point (Point geometries; each member of a MultiPoint counts as a point of the same
 * feature), the band values of the rasters that cover it: the pixel whose area holds the point, as
 * rasterio's `DatasetReader.sample` reads it. Memory stays bounded by one point's rows. Throws
 * {@link LabelError} `NOT_A_POINT` naming the feature for other geometry types.
 */
export function samplePoints(
  catalog: GeoCatalog,
  points: GeometryInput,
  opts: SamplePointsOptions = {},
): AsyncGenerator<PointSample> {
  return iterateAtBoundary(LabelError, `samplePoints ${inputName(points)}`, pointSamples(catalog, points, opts));
}

async function* pointSamples(
  catalog: GeoCatalog,
  points: GeometryInput,
  opts: SamplePointsOptions,
): AsyncGenerator<PointSample> {
  checkOptionKeys(opts, SAMPLE_POINTS_OPTION_KEYS, 'samplePoints', LabelError);
  const time = opts.time ?? 'all';
  if (!['all', 'first', 'last'].includes(time))
    throw new LabelError(
      'BAD_OPTION',
      `samplePoints: time must be 'all', 'first' or 'last', got ${JSON.stringify(time)}`,
    );
  const limit = opts.memoryIndexRows ?? 10_000;
  const index = catalog.engine === 'duckdb' && (await catalog.count()) <= limit ? await catalog.materialize() : catalog;
  const readers = new ReaderCache();
  try {
    for await (const f of inputFeatures(points, opts.crs)) {
      const g = f.geometry;
      if (g.type !== 'Point' && g.type !== 'MultiPoint') {
        throw new LabelError('NOT_A_POINT', `samplePoints: feature ${f.index} is a ${g.type}, not a point`, {
          subject: `feature ${f.index}`,
        });
      }
      for (const p of g.type === 'Point' ? [g.coordinates] : g.coordinates) {
        const rows: CatalogRow[] = [];
        const q = index.query({ bbox: [p[0], p[1], p[0], p[1]], crs: f.crs, interval: opts.interval });
        for await (const r of q.rows()) rows.push(r);
        rows.sort((a, b) => (a.tmin?.getTime() ?? -Infinity) - (b.tmin?.getTime() ?? -Infinity));
        let samples: PointValues[] = [];
        for (const r of rows) {
          const s = await sampleRow(r, p, f.crs, opts.bands, readers);
          if (s) samples.push(s);
        }
        if (time !== 'all') {
          const valid = samples.filter((s) => s.values.some((v) => v !== null));
          samples = valid.length === 0 ? [] : [time === 'first' ? valid[0] : valid[valid.length - 1]];
        }
        yield { index: f.index, point: p, properties: f.properties, samples };
      }
    }
  } finally {
    await readers.close();
    if (index !== catalog) await index.close();
  }
}

async function sampleRow(
  row: CatalogRow,
  p: Position,
  crs: string,
  bands: BandSelector[] | undefined,
  readers: ReaderCache,
): Promise<PointValues | null> {
  const list = await rowBands(row, bands, readers);
  const values: (number | null)[] = [];
  let at: { col: number; row: number } | null = null;
  for (const b of list) {
    const reader = await readers.get(b.href);
    const info = reader.info;
    const [x0, xres, , y0, , yres] = info.transform;
    const [x, y] = transformPoint(crs, info.crs ?? row.crs, p);
    const col = Math.floor((x - x0) / xres);
    const r = Math.floor((y - y0) / yres);
    if (col < 0 || r < 0 || col >= info.width || r >= info.height) return null;
    at ??= { col, row: r };
    const w = await reader.readWindow(0, col, r, 1, 1, [b.band]);
    values.push(w.mask && !w.mask[0] ? null : exactNumber(w.data[0][0], b.href, `column ${col}, row ${r}`));
  }
  return at ? { rowId: row.id, tmin: row.tmin, ...at, values } : null;
}
