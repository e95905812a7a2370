/**
 * Fast conversion of DuckDB result chunks into {@link CatalogRow}s. The select list ({@link ROW_SELECT})
 * flattens the catalog columns into primitives DuckDB vectors hand out cheaply (bbox as four doubles,
 * times as epoch milliseconds, assets as JSON text), then appends the extras.
 */
import { DuckDBTypeId, JSDuckDBValueConverter, type DuckDBDataChunk } from '@duckdb/node-api';
import { CatalogError } from '../../errors.js';
import { type CatalogRow, ROW_BACKENDS, type RowBackend } from '../types.js';
import { CORE_COLUMNS } from '../geoparquet/format.js';
import { quoteIdent } from './sql.js';

/**
 * The select list that puts the flattened catalog columns first and the extras after; use with
 * {@link chunkToRows}.
 */
export const ROW_SELECT = `${[
  'id',
  'CAST(to_json(assets) AS VARCHAR)',
  'geometry',
  'bbox.xmin',
  'bbox.ymin',
  'bbox.xmax',
  'bbox.ymax',
  'CAST(epoch_ms(tmin) AS DOUBLE)',
  'CAST(epoch_ms(tmax) AS DOUBLE)',
  'crs',
  "coalesce(backend, 'raster')",
]
  .map((e, i) => `${e} AS __gs${i}`)
  .join(', ')}, * EXCLUDE (${CORE_COLUMNS.map((c) => quoteIdent(c)).join(', ')})`;

/** Number of flattened core columns at the start of {@link ROW_SELECT}. */
const FLAT = 11;

const RAW_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.VARCHAR,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
]);

/**
 * Converts one chunk selected with {@link ROW_SELECT} into rows; `names` are the result's column
 * names. Extras keep DuckDB's JS mapping (DOUBLE/INTEGER -> number, BIGINT -> bigint, TIMESTAMP -> Date,
 * BLOB -> Uint8Array, STRUCT -> object, LIST -> array, MAP -> array of `{ key, value }`).
 * A NULL id, geometry or bbox is a {@link CatalogError} `INVALID_ROW` naming the source.
 */
export function chunkToRows(chunk: DuckDBDataChunk, names: readonly string[], source: string): CatalogRow[] {
  const n = chunk.rowCount;
  const v = names.map((_, c) => chunk.getColumnVector(c));
  const extraNames = names.slice(FLAT);
  const extraCols = extraNames.map((_, e) => {
    const vec = v[FLAT + e];
    return RAW_TYPES.has(vec.type.typeId) ? null : chunk.convertColumnValues(FLAT + e, JSDuckDBValueConverter);
  });
  const out: CatalogRow[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const id = v[0].getItem(r) as string | null;
    const geom = v[2].getItem(r) as { bytes: Uint8Array } | null;
    const xmin = v[3].getItem(r) as number | null;
    if (id === null || geom === null || xmin === null) {
      const what = id === null ? 'id' : geom === null ? 'geometry' : 'bbox';
      throw new CatalogError(
        'INVALID_ROW',
        `${source}: row ${id === null ? '(no id)' : JSON.stringify(id)} has a NULL ${what}; every catalog row needs an id, a footprint and a bbox`,
        { subject: source },
      );
    }
    const assets: CatalogRow['assets'] = {};
    const json = v[1].getItem(r) as string | null;
    if (json !== null) {
      for (const [k, a] of Object.entries(
        JSON.parse(json) as Record<string, { href: string | null; band: number | null } | null>,
      )) {
        if (!a || a.href === null) continue;
        assets[k] = a.band === null ? { href: a.href } : { href: a.href, band: a.band };
      }
    }
    const extras: Record<string, unknown> = {};
    for (let e = 0; e < extraNames.length; e++) {
      const col = extraCols[e];
      extras[extraNames[e]] = col ? col[r] : v[FLAT + e].getItem(r);
    }
    const tmin = v[7].getItem(r) as number | null;
    const tmax = v[8].getItem(r) as number | null;
    out[r] = {
      id,
      assets,
      geometry: geom.bytes,
      bbox: [xmin, v[4].getItem(r) as number, v[5].getItem(r) as number, v[6].getItem(r) as number],
      tmin: tmin === null ? null : new Date(tmin),
      tmax: tmax === null ? null : new Date(tmax),
      crs: v[9].getItem(r) as string,
      backend: rowBackendValue(v[10].getItem(r) as string, id, source),
      extras,
    };
  }
  return out;
}

/** A `backend` column value checked to be a {@link RowBackend} ({@link CatalogError} `INVALID_ROW` otherwise). */
function rowBackendValue(v: string, id: string, source: string): RowBackend {
  if ((ROW_BACKENDS as readonly string[]).includes(v)) return v as RowBackend;
  throw new CatalogError(
    'INVALID_ROW',
    `${source}: row ${JSON.stringify(id)} has backend ${JSON.stringify(v)}; it must be one of ${ROW_BACKENDS.join(', ')}`,
    { subject: source },
  );
}
