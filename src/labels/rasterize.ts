/**
 * `rasterize`: burning vector features into a slice's pixel grid with `gdal_rasterize` semantics.
 */
import { atBoundarySync, LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import type { BBox } from '../geo/bbox.js';
import { resolveCrs, type CrsInput } from '../geo/crs.js';
import { type GeoSlice, sliceHeight, sliceWidth, validateSlice } from '../geo/slice.js';
import { transformBBox } from '../geo/transform.js';
import { toVectorGeometry, vectorBBox, type VectorFeature, type VectorGeometry } from '../vector/geometry.js';
import { reprojectGeometry } from '../vector/reproject.js';
import {
  burnLines,
  burnLinesAllTouched,
  burnPoints,
  fillPolygon,
  type PixelFn,
  type PixelParts,
  type SpanFn,
} from './scan-convert.js';

/**
 * Pixel types of a rasterized label.
 */
export type LabelDType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

const ARRAYS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/**
 * The typed array of each {@link LabelDType}.
 */
export type LabelArray = InstanceType<(typeof ARRAYS)[LabelDType]>;

const RANGES: Record<LabelDType, [number, number]> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
  float32: [-Infinity, Infinity],
  float64: [-Infinity, Infinity],
};

/**
 * Options of {@link rasterize}.
 */
export interface RasterizeOptions {
  /** The value burnt for every feature. Default 1 (when `attribute` is not given). */
  burn?: number;
  /** Burn each feature's numeric property of this name instead of a constant. */
  attribute?: string;
  /** Burn every pixel a geometry touches, not only those whose centre it covers. Default false. */
  allTouched?: boolean;
  /** CRS of the feature coordinates. Default: the grid's CRS. */
  crs?: CrsInput;
  /**
   * When `crs` differs from the grid's: densify edges so that the reprojected outline stays within this
   * many pixels of the true (curved) edge. Default 0.125; `false` transforms the vertices only, exactly
   * as `gdal_rasterize` does.
   */
  densify?: number | false;
  /** Default 'uint8'. Burn values are rounded and clamped to integer types like GDAL does. */
  dtype?: LabelDType;
  /** The value of pixels no feature covers. Default 0. */
  fill?: number;
  /**
   * 'replace' (default): later features overwrite earlier ones. 'add': values add up; each feature
   * adds to a pixel at most once.
   */
  mergeAlg?: 'replace' | 'add';
}

/** The keys of {@link RasterizeOptions} (the compiler checks the list is complete). */
export const RASTERIZE_OPTION_KEYS = optionKeys<RasterizeOptions>()([
  'burn',
  'attribute',
  'allTouched',
  'crs',
  'densify',
  'dtype',
  'fill',
  'mergeAlg',
]);

/**
 * A rasterized label on the grid of a slice: one band, row 0 at the north edge.
 */
export interface RasterizedLabel {
  data: LabelArray;
  shape: [1, number, number];
  dtype: LabelDType;
}

/**
 * Burns features into the pixel grid of `grid` with `gdal_rasterize` semantics: polygons (holes and
 * multipolygon members even-odd, as GDAL) cover the pixels whose centre they contain, or with
 * `allTouched` every pixel they touch; lines use Bresenham (or every touched pixel); points burn the
 * pixel holding them. Features in another CRS are reprojected (and densified). Features are burnt in
 * order. Throws {@link LabelError} `BAD_OPTION` for bad options and `BAD_ATTRIBUTE` naming the feature
 * whose `attribute` is missing or not a finite number; bad geometries throw `VectorError` naming the feature.
 */
export function rasterize(
  features: Iterable<VectorFeature>,
  grid: GeoSlice,
  opts: RasterizeOptions = {},
): RasterizedLabel {
  return atBoundarySync(LabelError, 'rasterize', () => {
    checkOptionKeys(opts, RASTERIZE_OPTION_KEYS, 'rasterize', LabelError);
    return rasterizeUnguarded(features, grid, opts);
  });
}

function rasterizeUnguarded(
  features: Iterable<VectorFeature>,
  grid: GeoSlice,
  opts: RasterizeOptions = {},
): RasterizedLabel {
  if (!features || typeof (features as Iterable<VectorFeature>)[Symbol.iterator] !== 'function')
    bad(`features must be an iterable of features, got ${String(features)}`);
  validateSlice(grid);
  const dtype = opts.dtype ?? 'uint8';
  if (!(dtype in ARRAYS)) bad(`dtype must be one of ${Object.keys(ARRAYS).join(', ')}, got ${String(dtype)}`);
  const mergeAlg = opts.mergeAlg ?? 'replace';
  if (mergeAlg !== 'replace' && mergeAlg !== 'add') bad(`mergeAlg must be 'replace' or 'add', got ${String(mergeAlg)}`);
  if (opts.burn !== undefined && opts.attribute !== undefined) bad('give either burn or attribute, not both');
  if (opts.burn !== undefined && !Number.isFinite(opts.burn)) bad(`burn must be a finite number, got ${opts.burn}`);
  if (opts.attribute !== undefined && (typeof opts.attribute !== 'string' || opts.attribute === ''))
    bad('attribute must be a property name');
  const fill = opts.fill ?? 0;
  if (!Number.isFinite(fill)) bad(`fill must be a finite number, got ${fill}`);
  const densifyPx = opts.densify === undefined ? 0.125 : opts.densify;
  if (densifyPx !== false && !(densifyPx >= 0)) bad(`densify must be a non-negative number or false, got ${densifyPx}`);

  const width = sliceWidth(grid);
  const height = sliceHeight(grid);
  const out = new ARRAYS[dtype](width * height);
  const [lo, hi] = RANGES[dtype];
  const isInt = lo > -Infinity;
  const fillCast = cast(fill, isInt, lo, hi, dtype);
  if (fillCast !== 0) out.fill(fillCast);

  const gridCrs = resolveCrs(grid.crs).code;
  const featureCrs = opts.crs === undefined ? gridCrs : resolveCrs(opts.crs).code;
  const reproject = featureCrs !== gridCrs;
  // Features whose bounds miss the grid (in their own CRS, with a margin) are skipped before reprojecting.
  const window = reproject ? featureWindow(grid, featureCrs) : null;
  // The inverse geotransform as GDAL computes it (no rotation): pixel = -origin / res + coord * (1 / res).
  const [ox, oy] = [grid.bounds[0], grid.bounds[3]];
  const [rx, ry] = grid.resolution;
  const inv = [-ox / rx, 1 / rx, -oy / -ry, 1 / -ry];
  const tolerance = densifyPx === false ? 0 : densifyPx * Math.min(rx, ry);

  let index = 0;
  for (const f of features) {
    const where = `feature ${index++}`;
    if (typeof f !== 'object' || f === null) bad(`${where} is not a { geometry, properties } object`);
    const value = burnValue(f, opts, where);
    let g = toVectorGeometry(f.geometry, where);
    if (g === null) continue;
    if (window) {
      const b = vectorBBox(g);
      if (!b || b[0] > window[2] || b[2] < window[0] || b[1] > window[3] || b[3] < window[1]) continue;
      g = reprojectGeometry(g, featureCrs, gridCrs, { tolerance, where });
    }
    const v = cast(value, isInt, lo, hi, dtype);
    let visited: Set<number> | null = null;
    const pixel: PixelFn =
      mergeAlg === 'replace'
        ? (r, c) => {
            out[r * width + c] = v;
          }
        : (r, c) => {
            const k = r * width + c;
            if (visited) {
              if (visited.has(k)) return;
              visited.add(k);
            }
            out[k] = cast(out[k] + value, isInt, lo, hi, dtype);
          };
    const span: SpanFn = (r, c0, c1) => {
      const a = Math.max(0, c0);
      const b = Math.min(width - 1, c1);
      for (let c = a; c <= b; c++) pixel(r, c);
    };
    burnGeometry(g, width, height, inv, opts.allTouched === true, pixel, span, () => {
      if (mergeAlg === 'add') visited = new Set();
    });
  }
  return { data: out, shape: [1, height, width], dtype };
}

function bad(why: string): never {
  throw new LabelError('BAD_OPTION', `rasterize: ${why}`);
}

/** Rounds and clamps like GDALCopyWord (NaN becomes 0 for integer types). */
function cast(v: number, isInt: boolean, lo: number, hi: number, dtype: LabelDType): number {
  if (!isInt) return dtype === 'float32' ? Math.fround(v) : v;
  if (Number.isNaN(v)) return 0;
  return Math.min(hi, Math.max(lo, Math.round(v)));
}

function burnValue(f: VectorFeature, opts: RasterizeOptions, where: string): number {
  if (opts.attribute === undefined) return opts.burn ?? 1;
  const raw = f.properties?.[opts.attribute];
  const v = typeof raw === 'bigint' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new LabelError(
      'BAD_ATTRIBUTE',
      `rasterize: ${where} has ${opts.attribute} = ${JSON.stringify(raw ?? null)}, not a finite number; fix or filter the feature, or burn a constant`,
      { subject: where },
    );
  }
  return v;
}

/** The grid's bounds in the features' CRS, grown by half their size, for a cheap pre-filter. */
function featureWindow(grid: GeoSlice, featureCrs: string): BBox {
  let b: BBox;
  try {
    b = transformBBox(grid.bounds, grid.crs, featureCrs);
  } catch {
    return [-Infinity, -Infinity, Infinity, Infinity];
  }
  if (b[0] > b[2]) return [-Infinity, b[1], Infinity, b[3]]; // crosses the antimeridian
  const mx = (b[2] - b[0]) / 2;
  const my = (b[3] - b[1]) / 2;
  return [b[0] - mx, b[1] - my, b[2] + mx, b[3] + my];
}

/** Collects the parts of one kind of shape in pixel coordinates. */
function toPixels(lines: [number, number][][], inv: number[]): PixelParts {
  const xs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (const line of lines) {
    const x = new Float64Array(line.length);
    const y = new Float64Array(line.length);
    for (let i = 0; i < line.length; i++) {
      x[i] = inv[0] + line[i][0] * inv[1];
      y[i] = inv[2] + line[i][1] * inv[3];
    }
    xs.push(x);
    ys.push(y);
  }
  return { xs, ys };
}

/**
 * Burns one geometry as GDAL does: a collection member by member, a multipolygon as one shape of all
 * its rings, an all-touched polygon as its centre fill plus its touched outline.
 */
function burnGeometry(
  g: VectorGeometry,
  width: number,
  height: number,
  inv: number[],
  allTouched: boolean,
  pixel: PixelFn,
  span: SpanFn,
  startShape: () => void,
): void {
  switch (g.type) {
    case 'GeometryCollection':
      for (const m of g.geometries) burnGeometry(m, width, height, inv, allTouched, pixel, span, startShape);
      return;
    case 'Point':
    case 'MultiPoint': {
      startShape();
      const pts = g.type === 'Point' ? [g.coordinates] : g.coordinates;
      burnPoints(width, height, toPixels([pts], inv), pixel);
      return;
    }
    case 'LineString':
    case 'MultiLineString': {
      startShape();
      const parts = toPixels(g.type === 'LineString' ? [g.coordinates] : g.coordinates, inv);
      if (allTouched) burnLinesAllTouched(width, height, parts, pixel, false);
      else burnLines(width, height, parts, pixel);
      return;
    }
    case 'Polygon':
    case 'MultiPolygon': {
      startShape();
      const rings = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
      const parts = toPixels(rings, inv);
      fillPolygon(width, height, parts, span);
      if (allTouched) burnLinesAllTouched(width, height, parts, pixel, true);
    }
  }
}
