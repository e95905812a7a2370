/**
 * Slices as catalog rows and back: a sampler's output saved as a GeoParquet catalog (one row per
 * slice) that opens with `openCatalog`, shows up in any GeoParquet viewer, and reconstructs every
 * {@link GeoSlice} exactly (`geoslice sample` writes it, `geoslice chips` reads it).
 */
import type { CatalogRow, GeoCatalog } from '../catalog/index.js';
import { CatalogError, iterateAtBoundary } from '../errors.js';
import { type BBox, footprintWgs84, type GeoSlice, validateSlice, writeWkb } from '../geo/index.js';

/**
 * The extra columns of a slice table and their DuckDB types (pass as `extrasTypes` to
 * `writeGeoParquet` so a table whose first rows have no `source_id` still types it VARCHAR):
 * - `slice_xmin`, `slice_ymin`, `slice_xmax`, `slice_ymax`: the slice bounds in its own CRS (the `crs` column);
 * - `slice_res_x`, `slice_res_y`: its resolution (CRS units per pixel);
 * - `slice_interval`: true when the slice has a time interval — then `tmin`/`tmax` are that interval
 *   (NULL = open end); false when it has none — then `tmin`/`tmax` are the source row's times, for information;
 * - `source_id`: the catalog row the sampler drew the slice from (NULL for grid tiles).
 */
export const SLICE_COLUMN_TYPES: Readonly<Record<string, string>> = {
  slice_xmin: 'DOUBLE',
  slice_ymin: 'DOUBLE',
  slice_xmax: 'DOUBLE',
  slice_ymax: 'DOUBLE',
  slice_res_x: 'DOUBLE',
  slice_res_y: 'DOUBLE',
  slice_interval: 'BOOLEAN',
  source_id: 'VARCHAR',
};

/**
 * Looks up a source row's time range by id (for slices without an interval). Return undefined when unknown.
 */
export type RowTimes = (rowId: string) => { tmin: Date | null; tmax: Date | null } | undefined;

/**
 * One slice as a catalog row: `id` = `String(index)`, `geometry`/`bbox` = the slice footprint in
 * EPSG:4326 (edges densified), `crs` = the slice CRS, `tmin`/`tmax` = the slice interval, else the
 * source row's times from `timesOf`, else NULL; no assets; the {@link SLICE_COLUMN_TYPES} extras.
 * Throws `GeoError` `INVALID_SLICE` for an invalid slice.
 */
export function sliceToRow(slice: GeoSlice, index: number, timesOf?: RowTimes): CatalogRow {
  const s = validateSlice(slice);
  const { geometry, bbox } = footprintWgs84(s.bounds, s.crs);
  const source = s.rowId !== undefined ? timesOf?.(s.rowId) : undefined;
  return {
    id: String(index),
    assets: {},
    geometry: writeWkb(geometry),
    bbox,
    tmin: s.interval ? s.interval.start : (source?.tmin ?? null),
    tmax: s.interval ? s.interval.end : (source?.tmax ?? null),
    crs: s.crs,
    backend: 'raster',
    extras: {
      slice_xmin: s.bounds[0],
      slice_ymin: s.bounds[1],
      slice_xmax: s.bounds[2],
      slice_ymax: s.bounds[3],
      slice_res_x: s.resolution[0],
      slice_res_y: s.resolution[1],
      slice_interval: s.interval !== undefined,
      source_id: s.rowId ?? null,
    },
  };
}

/**
 * Streams slices (a sampler) as catalog rows numbered 0, 1, ... in stream order (see {@link sliceToRow}).
 */
export async function* slicesToRows(
  slices: AsyncIterable<GeoSlice> | Iterable<GeoSlice>,
  timesOf?: RowTimes,
): AsyncGenerator<CatalogRow> {
  let i = 0;
  for await (const s of slices) yield sliceToRow(s, i++, timesOf);
}

/**
 * The slice a slice-table row describes, exactly as it was written (bounds, CRS, resolution,
 * interval, source row). Throws {@link CatalogError} `NOT_SLICE_TABLE` naming the row when a
 * slice column is missing or not a number.
 */
export function sliceFromRow(row: CatalogRow): GeoSlice {
  const num = (k: string): number => {
    const v = row.extras[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new CatalogError(
        'NOT_SLICE_TABLE',
        `row ${row.id}: column ${k} is ${v === undefined ? 'missing' : JSON.stringify(v)}; a slice table (written by \`geoslice sample\` or slicesToRows) has finite numbers there`,
        { subject: row.id },
      );
    }
    return v;
  };
  const bounds: BBox = [num('slice_xmin'), num('slice_ymin'), num('slice_xmax'), num('slice_ymax')];
  const slice: GeoSlice = { bounds, crs: row.crs, resolution: [num('slice_res_x'), num('slice_res_y')] };
  if (row.extras.slice_interval === true) slice.interval = { start: row.tmin, end: row.tmax };
  const source = row.extras.source_id;
  if (typeof source === 'string') slice.rowId = source;
  return slice;
}

/**
 * Streams the slices of a slice table in file order (the sampler's order when written with
 * `sortBy: []`), each with its row id.
 */
export function slicesFromCatalog(table: GeoCatalog): AsyncGenerator<{ id: string; slice: GeoSlice }> {
  return iterateAtBoundary(CatalogError, `slicesFromCatalog ${String(table?.source)}`, slicesOf(table));
}

async function* slicesOf(table: GeoCatalog): AsyncGenerator<{ id: string; slice: GeoSlice }> {
  for await (const row of table.rows()) yield { id: row.id, slice: sliceFromRow(row) };
}
