/**
 * Backend-neutral normalisation of a {@link CatalogQuery} or {@link GeoSlice} into the plain
 * filter every backend applies: zero or more EPSG:4326 boxes (split at the antimeridian), an
 * optional time interval, and an optional SQL `where`. Both the in-memory and the DuckDB backend
 * use it so that they agree on what a query means.
 */
import { assertBBox, type BBox } from '../geo/bbox.js';
import type { TimeInterval } from '../geo/interval.js';
import { validateSlice, type GeoSlice } from '../geo/slice.js';
import { normalizeCrs, resolveCrs } from '../geo/crs.js';
import { lenientConverter, type PointConverter } from '../geo/point-converter.js';
import { transformBBox } from '../geo/transform.js';
import { CatalogError, GeosliceError } from '../errors.js';
import type { CatalogQuery, SqlParams } from './types.js';

/**
 * A query reduced to what a backend evaluates. All parts are ANDed.
 */
export interface NormalizedQuery {
  /** EPSG:4326 boxes, none crossing the antimeridian; a row matches when its footprint intersects any. `null` = no spatial filter. */
  boxes: BBox[] | null;
  /** `null` = no time filter. */
  interval: TimeInterval | null;
  /** With an interval: whether rows with both times NULL match. */
  includeUndated: boolean;
  /** A SQL boolean expression (DuckDB dialect), or `null`. */
  where: string | null;
  /** Bound parameters of `where`. */
  params: SqlParams | undefined;
}

const QUERY_KEYS = new Set(['bbox', 'crs', 'interval', 'includeUndated', 'where', 'params']);

/**
 * True when `q` is a {@link GeoSlice} (it has `bounds` and `resolution`) rather than a {@link CatalogQuery}.
 */
export function isGeoSlice(q: CatalogQuery | GeoSlice): q is GeoSlice {
  return typeof q === 'object' && q !== null && 'bounds' in q && 'resolution' in q;
}

/**
 * Validates a query (or a slice: its bounds, crs and interval) and reduces it to a {@link NormalizedQuery}.
 * A bbox in another CRS is transformed to EPSG:4326 with densified edges; an EPSG:4326 box reaching
 * past ±180 is wrapped ({@link wrapLongitudes}); a box with `xmin > xmax` (crossing the antimeridian)
 * is split in two. Throws {@link CatalogError}
 * `BAD_QUERY` for unknown keys, bad boxes, bad intervals or `params` without `where`, and passes
 * on the {@link GeoError} `UNKNOWN_CRS` of an unknown CRS.
 */
export function normalizeQuery(q: CatalogQuery | GeoSlice): NormalizedQuery {
  const { spatial, ...rest } = planQuery(q);
  return { boxes: spatial?.exact() ?? null, ...rest };
}

/**
 * The spatial part of a planned query: `cover`, EPSG:4326 boxes that contain the exact boxes of
 * {@link boxesIn4326} and cost a tenth of them to compute, and `exact()`, those boxes (computed on
 * the first call, then kept). A backend searches with `cover` and needs `exact()` only for a row
 * whose footprint meets the cover without containing it.
 */
export interface SpatialPlan {
  readonly cover: BBox[];
  /** True when `cover` is `exact()` itself (boxes in EPSG:4326, large or polar boxes, ...). */
  readonly coverIsExact: boolean;
  exact(): BBox[];
}

/**
 * {@link normalizeQuery} with the EPSG:4326 boxes left to compute when needed (`spatial`, null
 * without a spatial filter). Validates exactly as `normalizeQuery` does and throws the same errors
 * (a box that cannot be transformed fails here, not later).
 */
export function planQuery(
  q: CatalogQuery | GeoSlice,
): Omit<NormalizedQuery, 'boxes'> & { spatial: SpatialPlan | null } {
  if (typeof q !== 'object' || q === null) {
    throw new CatalogError(
      'BAD_QUERY',
      `query must be an object such as { bbox, interval } or a GeoSlice, got ${String(q)}`,
    );
  }
  if (isGeoSlice(q)) {
    validateSlice(q);
    return {
      spatial: spatialPlan(q.bounds, q.crs),
      interval: q.interval ? checkInterval(q.interval) : null,
      includeUndated: false,
      where: null,
      params: undefined,
    };
  }
  const unknown = Object.keys(q).filter((k) => !QUERY_KEYS.has(k));
  if (unknown.length > 0) {
    throw new CatalogError(
      'BAD_QUERY',
      `unknown query key(s) ${unknown.join(', ')}; allowed: ${[...QUERY_KEYS].join(', ')}`,
    );
  }
  if (q.crs !== undefined && q.bbox === undefined) {
    throw new CatalogError('BAD_QUERY', `query has crs ${q.crs} but no bbox; pass the bbox the crs applies to`);
  }
  if (q.where !== undefined && (typeof q.where !== 'string' || q.where.trim() === '')) {
    throw new CatalogError('BAD_QUERY', 'query.where must be a non-empty SQL boolean expression');
  }
  if (q.params !== undefined && q.where === undefined) {
    throw new CatalogError(
      'BAD_QUERY',
      'query.params given without query.where; params bind the placeholders of where',
    );
  }
  if (q.params !== undefined && (typeof q.params !== 'object' || q.params === null)) {
    throw new CatalogError('BAD_QUERY', 'query.params must be an array (positional) or an object (named)');
  }
  if (q.includeUndated !== undefined && typeof q.includeUndated !== 'boolean') {
    throw new CatalogError('BAD_QUERY', `query.includeUndated must be a boolean, got ${String(q.includeUndated)}`);
  }
  return {
    spatial: q.bbox === undefined ? null : spatialPlan(q.bbox, q.crs ?? 'EPSG:4326'),
    interval: q.interval === undefined ? null : checkInterval(q.interval),
    includeUndated: q.includeUndated ?? false,
    where: q.where ?? null,
    params: q.params,
  };
}

/**
 * A box in `crs` as EPSG:4326 boxes that never cross the antimeridian (one box, or two when it does).
 */
export function boxesIn4326(bbox: BBox, crs: string): BBox[] {
  const is4326 = normalizeCrs(crs) === 'EPSG:4326';
  try {
    assertBBox(bbox, `query bbox (${crs})`, is4326);
  } catch (e) {
    throw new CatalogError('BAD_QUERY', (e as Error).message, { cause: e });
  }
  let b: BBox;
  try {
    b = is4326 ? wrapLongitudes(bbox) : transformBBox(bbox, crs, 'EPSG:4326');
  } catch (e) {
    if (e instanceof GeosliceError) throw e;
    throw new CatalogError(
      'BAD_QUERY',
      `cannot transform query bbox ${JSON.stringify(bbox)} from ${crs} to EPSG:4326: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return splitAntimeridian(b);
}

/**
 * The {@link SpatialPlan} of a box in `crs`. A small box (under a degree each way) of a projected
 * CRS, away from the poles and the antimeridian, gets a cover from its 4 corners and 4 edge
 * midpoints alone: their bounds, widened by four times how far each transformed edge midpoint lies
 * from the midpoint of its transformed corners (the bulge of an edge curve is largest near its
 * middle; a factor of 4 covers curvature varying 2x along the edge) plus 1e-9 degrees. Any other box
 * is covered by its exact boxes.
 */
function spatialPlan(bbox: BBox, crs: string): SpatialPlan {
  const cover = cheapCover(bbox, crs);
  if (!cover) {
    const exact = boxesIn4326(bbox, crs);
    return { cover: exact, coverIsExact: true, exact: () => exact };
  }
  let exact: BBox[] | undefined;
  return { cover: [cover], coverIsExact: false, exact: () => (exact ??= boxesIn4326(bbox, crs)) };
}

/** The cached converter from a projected `crs` to EPSG:4326 (null for a geographic one). */
function projectedToWgs84(crs: string): PointConverter | null {
  const from = resolveCrs(crs);
  return from.geographic ? null : lenientConverter(from.code, 'EPSG:4326');
}

function cheapCover(bbox: BBox, crs: string): BBox | null {
  const f = projectedToWgs84(crs);
  if (!f) return null;
  const [x0, y0, x1, y1] = bbox;
  if (!(x0 < x1 && y0 < y1)) return null; // degenerate or invalid: the exact path names the problem
  // corners counter-clockwise, then the midpoints of the edges that start at them
  const c = [f([x0, y0]), f([x1, y0]), f([x1, y1]), f([x0, y1])];
  const xm = (x0 + x1) / 2;
  const ym = (y0 + y1) / 2;
  const m = [f([xm, y0]), f([x1, ym]), f([xm, y1]), f([x0, ym])];
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (let k = 0; k < 8; k++) {
    const p = k < 4 ? c[k] : m[k - 4];
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return null;
    if (p[0] < xmin) xmin = p[0];
    if (p[0] > xmax) xmax = p[0];
    if (p[1] < ymin) ymin = p[1];
    if (p[1] > ymax) ymax = p[1];
  }
  if (xmax - xmin > 1 || ymax - ymin > 1 || ymin < -85 || ymax > 85) return null;
  let bulge = 0;
  for (let e = 0; e < 4; e++) {
    const a = c[e];
    const b = c[(e + 1) % 4];
    bulge = Math.max(bulge, Math.abs(m[e][0] - (a[0] + b[0]) / 2), Math.abs(m[e][1] - (a[1] + b[1]) / 2));
  }
  const pad = 4 * bulge + 1e-9;
  xmin -= pad;
  xmax += pad;
  if (xmin < -180 || xmax > 180) return null;
  return [xmin, ymin - pad, xmax, ymax + pad];
}

/**
 * An EPSG:4326 box with longitudes brought into [-180, 180]: a box reaching past ±180 (e.g.
 * `[170, 0, 190, 10]`) becomes the antimeridian form `[170, 0, -170, 10]`, one 360 degrees wide or
 * more becomes `[-180, ymin, 180, ymax]`. Boxes already inside the range, or already in the
 * `xmin > xmax` form, come back unchanged.
 */
export function wrapLongitudes(b: BBox): BBox {
  const [xmin, ymin, xmax, ymax] = b;
  if (xmin > xmax || (xmin >= -180 && xmax <= 180)) return [xmin, ymin, xmax, ymax];
  if (xmax - xmin >= 360) return [-180, ymin, 180, ymax];
  const wrap = (x: number) => ((((x + 180) % 360) + 360) % 360) - 180;
  const lo = wrap(xmin);
  const hi = lo + (xmax - xmin);
  return hi <= 180 ? [lo, ymin, hi, ymax] : [lo, ymin, hi - 360, ymax];
}

/**
 * Splits an EPSG:4326 box with `xmin > xmax` at the antimeridian; other boxes come back alone.
 */
export function splitAntimeridian(b: BBox): BBox[] {
  if (b[0] <= b[2]) return [b];
  return [
    [b[0], b[1], 180, b[3]],
    [-180, b[1], b[2], b[3]],
  ];
}

function checkInterval(i: TimeInterval): TimeInterval {
  const bad = (why: string): never => {
    throw new CatalogError('BAD_QUERY', `query interval ${why}; build it with interval(start, end)`);
  };
  if (typeof i !== 'object' || i === null || Array.isArray(i)) bad('must be { start, end }');
  for (const [k, v] of [
    ['start', i.start],
    ['end', i.end],
  ] as const) {
    if (v !== null && v !== undefined && !(v instanceof Date && !Number.isNaN(v.getTime())))
      bad(`${k} must be a valid Date or null`);
  }
  const start = i.start ?? null;
  const end = i.end ?? null;
  if (start && end && start.getTime() > end.getTime())
    bad(`start ${start.toISOString()} is after its end ${end.toISOString()}`);
  return { start, end };
}

/**
 * A row's time range in epoch milliseconds `[lo, hi]`: a single NULL bound takes the other's value,
 * both NULL gives `null` (undated). The same rule as `overlapsInterval` in `geo/interval.ts`.
 */
export function rowTimeRange(tmin: Date | null, tmax: Date | null): [number, number] | null {
  if (tmin === null && tmax === null) return null;
  return [(tmin ?? tmax)!.getTime(), (tmax ?? tmin)!.getTime()];
}

/**
 * True when two rows' time ranges (see {@link rowTimeRange}) overlap, closed on both ends; an undated
 * row overlaps nothing. This is the temporal band-join condition of `intersect`.
 */
export function timeRangesOverlap(aMin: Date | null, aMax: Date | null, bMin: Date | null, bMax: Date | null): boolean {
  const a = rowTimeRange(aMin, aMax);
  const b = rowTimeRange(bMin, bMax);
  return a !== null && b !== null && a[0] <= b[1] && b[0] <= a[1];
}
