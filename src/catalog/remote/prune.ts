/**
 * Row-group pruning from Parquet footer statistics: a row group is read only when its bbox covering
 * statistics (or the native GEOMETRY column's geospatial statistics) meet one of the query boxes and
 * its `tmin`/`tmax` statistics overlap the query interval. Missing statistics never prune.
 */
import type { ColumnChunk, FileMetaData, RowGroup } from 'hyparquet';
import type { BBox } from '../../geo/bbox.js';
import type { TimeInterval } from '../../geo/interval.js';
import type { FileExtent } from '../manifest.js';

/**
 * What to prune with: AND of the box sets (a group must meet some box of every set), then the intervals.
 */
export interface PruneFilter {
  boxSets: BBox[][];
  intervals: TimeInterval[];
}

/** Column paths of the bbox covering, e.g. `{ xmin: ['bbox', 'xmin'], ... }`, and the geometry column. */
export interface PruneColumns {
  covering: Record<'xmin' | 'ymin' | 'xmax' | 'ymax', string[]> | null;
  geometry: string;
}

/**
 * Indices of the row groups of `meta` that may hold rows matching `filter`.
 */
export function prunedRowGroups(meta: FileMetaData, cols: PruneColumns, filter: PruneFilter): number[] {
  const out: number[] = [];
  meta.row_groups.forEach((rg, i) => {
    if (Number(rg.num_rows) === 0) return;
    const box = groupBBox(rg, cols);
    if (box && !filter.boxSets.every((set) => set.some((b) => meets(box, b)))) return;
    if (!filter.intervals.every((iv) => timesMeet(rg, iv))) return;
    out.push(i);
  });
  return out;
}

function meets(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

function chunk(rg: RowGroup, path: string[]): ColumnChunk | undefined {
  const want = path.join('\u0000');
  return rg.columns.find((c) => c.meta_data?.path_in_schema.join('\u0000') === want);
}

function stat(rg: RowGroup, path: string[], which: 'min' | 'max'): number | null {
  const s = chunk(rg, path)?.meta_data?.statistics;
  const v = which === 'min' ? (s?.min_value ?? s?.min) : (s?.max_value ?? s?.max);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  return null;
}

/** The group's bounds: min of xmin/ymin, max of xmax/ymax over its rows; null when unknown. */
function groupBBox(rg: RowGroup, cols: PruneColumns): BBox | null {
  const cov = cols.covering;
  if (cov) {
    const b = [
      stat(rg, cov.xmin, 'min'),
      stat(rg, cov.ymin, 'min'),
      stat(rg, cov.xmax, 'max'),
      stat(rg, cov.ymax, 'max'),
    ];
    if (b.every((v) => v !== null)) return b as BBox;
  }
  const g = chunk(rg, [cols.geometry])?.meta_data?.geospatial_statistics?.bbox;
  if (g && [g.xmin, g.ymin, g.xmax, g.ymax].every((v) => Number.isFinite(v))) return [g.xmin, g.ymin, g.xmax, g.ymax];
  return null;
}

/** The min or max of a timestamp column (hyparquet converts its statistics to Dates); null when unknown or the column has NULLs. */
function timeBound(rg: RowGroup, column: string, which: 'min' | 'max'): number | null {
  const s = chunk(rg, [column])?.meta_data?.statistics;
  if (!s || s.null_count === undefined || Number(s.null_count) > 0) return null;
  const v = which === 'min' ? (s.min_value ?? s.min) : (s.max_value ?? s.max);
  return v instanceof Date ? v.getTime() : null;
}

/** A row overlaps [start, end] when tmin <= end and tmax >= start; rows with NULL times are never pruned here. */
function timesMeet(rg: RowGroup, iv: TimeInterval): boolean {
  const lo = timeBound(rg, 'tmin', 'min');
  const hi = timeBound(rg, 'tmax', 'max');
  if (iv.end && lo !== null && lo > iv.end.getTime()) return false;
  if (iv.start && hi !== null && hi < iv.start.getTime()) return false;
  return true;
}

/**
 * Whether a data file of a compacted catalog may hold rows matching `filter`, decided without reading
 * it: by its manifest extent when it has one (bbox union and time range of its rows), else by the
 * `year=Y` partition of its path (`hive`), which `compactShards` takes from `tmin` — its rows start no
 * earlier than 1 January Y (UTC), so an interval ending before then cannot match. (The `cell=`
 * partition is the cell of a row's bbox centre, which does not bound how far its footprint reaches,
 * so it alone never skips a file.) Pass no `hive` for files whose partitions geoslice did not write.
 */
export function fileMayMatch(
  extent: FileExtent | undefined,
  hive: Record<string, string | number | null> | null,
  filter: PruneFilter,
): boolean {
  if (extent) {
    const b = extent.bbox;
    if (!filter.boxSets.every((set) => set.some((q) => meets(b, q)))) return false;
    if (!extent.undated && extent.tmin !== null && extent.tmax !== null) {
      const lo = Date.parse(extent.tmin);
      const hi = Date.parse(extent.tmax);
      for (const iv of filter.intervals) {
        if (iv.end && lo > iv.end.getTime()) return false;
        if (iv.start && hi < iv.start.getTime()) return false;
      }
    }
    return true;
  }
  const year = hive?.year;
  if (typeof year === 'number')
    for (const iv of filter.intervals) if (iv.end && Date.UTC(year, 0, 1) > iv.end.getTime()) return false;
  return true;
}
