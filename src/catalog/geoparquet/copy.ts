/**
 * Writes a SQL relation with the catalog columns to GeoParquet (or a DuckDB database file):
 * computes the `geo` metadata, sorts, writes row groups with DuckDB's `COPY`, and moves the result
 * into place atomically (temporary name in the destination directory, then rename).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { atBoundary, CatalogError } from '../../errors.js';
import { removeStaleTemps, tempSibling } from '../temp-files.js';
import type { GeoParquetWriteOptions } from '../types.js';
import type { DuckDBEngine } from '../duckdb/engine.js';
import { runAll, runStatement } from '../duckdb/engine.js';
import { quoteIdent, sqlString, type BoundSql } from '../duckdb/sql.js';
import { UDF } from '../duckdb/udf.js';
import { CORE_COLUMNS, DEFAULT_ROW_GROUP_SIZE, DEFAULT_SORT, SORT_HILBERT, SORT_TIME_BUCKET } from './format.js';
import { buildGeoMetadata } from './geo-metadata.js';
import type { BBox } from '../../geo/bbox.js';

const COMPRESSIONS = new Set(['zstd', 'snappy', 'gzip', 'uncompressed']);

/**
 * The ORDER BY list for `sortBy` keys: `hilbert` (Hilbert key of the bbox centre), `time_bucket`
 * (year of tmin) or a column name (validated). `[]` keeps the relation's order.
 */
export function sortSql(sortBy: readonly string[]): string {
  return sortBy
    .map((k) => {
      if (k === SORT_HILBERT) return `${UDF.hilbert}((bbox.xmin + bbox.xmax) / 2, (bbox.ymin + bbox.ymax) / 2)`;
      if (k === SORT_TIME_BUCKET) return `date_trunc('year', timezone('UTC', tmin))`;
      return quoteIdent(k, 'sortBy column');
    })
    .join(', ');
}

function checkPath(path: unknown): void {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0'))
    throw new CatalogError(
      'BAD_OPTION',
      `the output path must be a non-empty string without NUL bytes, got ${JSON.stringify(path)}`,
    );
}

function checkOptions(path: string, opts: GeoParquetWriteOptions): void {
  checkPath(path);
  if (opts.compression !== undefined && !COMPRESSIONS.has(opts.compression)) {
    throw new CatalogError(
      'BAD_OPTION',
      `compression must be one of ${[...COMPRESSIONS].join(', ')}, got ${JSON.stringify(opts.compression)}`,
    );
  }
  if (opts.rowGroupSize !== undefined && !(Number.isInteger(opts.rowGroupSize) && opts.rowGroupSize >= 1)) {
    throw new CatalogError('BAD_OPTION', `rowGroupSize must be a positive integer, got ${String(opts.rowGroupSize)}`);
  }
  if (
    opts.geoparquetVersion !== undefined &&
    opts.geoparquetVersion !== '1.1.0' &&
    opts.geoparquetVersion !== '1.0.0' &&
    opts.geoparquetVersion !== '2.0'
  ) {
    throw new CatalogError(
      'BAD_OPTION',
      `geoparquetVersion must be '1.1.0', '1.0.0' or '2.0', got ${JSON.stringify(opts.geoparquetVersion)}`,
    );
  }
  if (opts.metadata !== undefined) {
    if (typeof opts.metadata !== 'object' || opts.metadata === null || Array.isArray(opts.metadata))
      throw new CatalogError('BAD_OPTION', 'metadata must be an object of string keys and string values');
    for (const [k, v] of Object.entries(opts.metadata)) {
      if (k === 'geo' || k.length === 0 || typeof v !== 'string')
        throw new CatalogError(
          'BAD_OPTION',
          `metadata ${JSON.stringify(k)} must be a non-empty key other than "geo" with a string value`,
          { subject: k },
        );
    }
  }
  if (opts.sortBy !== undefined && !Array.isArray(opts.sortBy))
    throw new CatalogError('BAD_OPTION', 'sortBy must be an array of column names');
  if (opts.partitionBy !== undefined && (!Array.isArray(opts.partitionBy) || opts.partitionBy.length === 0)) {
    throw new CatalogError('BAD_OPTION', 'partitionBy must be a non-empty array of column names');
  }
}

/** Moves `tmp` to `path`: atomic for files; a directory replaces an existing one via a backup name. */
function moveIntoPlace(tmp: string, path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const old = `${tempSibling(path)}.old`;
    renameSync(path, old);
    renameSync(tmp, path);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, path);
  }
}

const WKB_TYPES = [
  'Geometry',
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
  'GeometryCollection',
];

/**
 * The GeoParquet geometry type name of a WKB header given as hex (byte order + uint32 type, ISO Z/M/ZM
 * codes included), e.g. '0103000000' -> 'Polygon'. Throws {@link CatalogError} `INVALID_WKB` for
 * anything else.
 */
export function wkbTypeName(hex: string, subject: string): string {
  const bad = (): never => {
    throw new CatalogError(
      'INVALID_WKB',
      `${subject}: a geometry starts with bytes ${hex}, which is not a WKB header; fix the footprints`,
      { subject },
    );
  };
  if (!/^0[01][0-9A-F]{8}$/i.test(hex)) bad();
  const b = Buffer.from(hex, 'hex');
  const code = b[0] === 1 ? b.readUInt32LE(1) : b.readUInt32BE(1);
  const base = code % 1000;
  const dim = Math.floor(code / 1000);
  if (base < 1 || base >= WKB_TYPES.length || dim > 3) bad();
  return WKB_TYPES[base] + ['', ' Z', ' M', ' ZM'][dim];
}

/**
 * Writes the relation `rel` (a SELECT yielding at least the catalog columns) to `path` as GeoParquet
 * 1.1 (see `format.ts`; 1.0 or 2.0 on request), or as a hive directory of shards with `partitionBy`. The destination is
 * replaced atomically; on failure nothing is left behind and the old file is untouched.
 * Throws {@link CatalogError} `BAD_OPTION`, `WRITE_FAILED`, `INVALID_WKB` (a footprint is not WKB).
 */
/**
 * Refuses to write rows whose core columns are invalid — NULL id/geometry/bbox/crs, a NaN, infinite,
 * inverted or out-of-range bbox, and (with `parseGeometry`, for relations containing
 * user SQL) geometry that is not valid WKB — with {@link CatalogError} `INVALID_ROW` naming the first
 * bad row's index, id and reason. Every path that writes a catalog file goes through here.
 */
async function checkCoreColumns(
  conn: DuckDBConnection,
  rel: BoundSql,
  subject: string,
  parseGeometry: boolean,
): Promise<void> {
  const b = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => `bbox.${k}`);
  const why = `CASE
      WHEN id IS NULL OR id = '' THEN 'id is NULL or empty'
      WHEN geometry IS NULL THEN 'geometry is NULL'
      WHEN bbox IS NULL OR ${b.map((c) => `${c} IS NULL`).join(' OR ')} THEN 'bbox is NULL'
      WHEN crs IS NULL OR crs = '' THEN 'crs is NULL or empty'
      WHEN NOT (${b.map((c) => `isfinite(${c})`).join(' AND ')}) THEN 'bbox has a NaN or infinite value'
      WHEN bbox.xmin > bbox.xmax OR bbox.ymin > bbox.ymax THEN 'bbox is inverted (min > max)'
      WHEN bbox.xmin < -180.000001 OR bbox.xmax > 180.000001 OR bbox.ymin < -90.000001 OR bbox.ymax > 90.000001
        THEN 'bbox is outside the EPSG:4326 range'
    END`;
  const [bad] = await runAll(
    conn,
    `SELECT * FROM (SELECT row_number() OVER () - 1 AS i, id, ${why} AS why FROM (${rel.sql}) AS src) WHERE why IS NOT NULL LIMIT 1`,
    rel.params,
    subject,
  );
  if (!bad && parseGeometry)
    await runAll(conn, `SELECT count(${UDF.wkbXmin}(geometry)) AS n FROM (${rel.sql}) AS src`, rel.params, subject);
  if (bad) {
    throw new CatalogError(
      'INVALID_ROW',
      `${subject}: row ${String(bad.i)}${bad.id ? ` (id ${JSON.stringify(bad.id)})` : ''}: ${String(bad.why)}; nothing was written — fix or filter the row`,
      { subject: bad.id ? String(bad.id) : `row ${String(bad.i)}` },
    );
  }
}

export async function copyToGeoParquet(
  engine: DuckDBEngine,
  rel: BoundSql,
  path: string,
  opts: GeoParquetWriteOptions = {},
  parseGeometry = false,
): Promise<void> {
  checkOptions(path, opts);
  return atBoundary(CatalogError, `writing ${path}`, () => writeGeoParquetCopy(engine, rel, path, opts, parseGeometry));
}

async function writeGeoParquetCopy(
  engine: DuckDBEngine,
  rel: BoundSql,
  path: string,
  opts: GeoParquetWriteOptions,
  parseGeometry: boolean,
): Promise<void> {
  const out = resolve(path);
  const subject = out;
  if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });
  removeStaleTemps(dirname(out));
  const conn = await engine.connect();
  const tmp = tempSibling(out);
  try {
    await checkCoreColumns(conn, rel, subject, parseGeometry);
    const [stats] = await runAll(
      conn,
      `SELECT count(*) AS n, min(bbox.xmin) AS xmin, min(bbox.ymin) AS ymin, max(bbox.xmax) AS xmax, max(bbox.ymax) AS ymax,
              list(DISTINCT hex(geometry[1:5])) AS types FROM (${rel.sql}) AS src`,
      rel.params,
      subject,
    );
    const bbox: BBox | null =
      stats.n === 0n || stats.xmin === null
        ? null
        : [stats.xmin as number, stats.ymin as number, stats.xmax as number, stats.ymax as number];
    const types = ((stats.types as (string | null)[]) ?? [])
      .filter((t): t is string => t !== null)
      .map((h) => wkbTypeName(h, subject));
    const geo = buildGeoMetadata({ geometryTypes: types, bbox, version: opts.geoparquetVersion ?? '1.1.0' });
    const sortBy = opts.sortBy ?? DEFAULT_SORT;
    const order = sortBy.length ? ` ORDER BY ${sortSql(sortBy)}` : '';
    // GeoParquet 2.0: the geometry column has Parquet's GEOMETRY logical type (DuckDB's GEOMETRY); our
    // own `geo` metadata replaces the one DuckDB would write.
    const native = opts.geoparquetVersion === '2.0';
    const core = CORE_COLUMNS.map((c) =>
      c === 'geometry' && native ? 'ST_GeomFromWKB(geometry) AS geometry' : quoteIdent(c),
    );
    const cols = `${core.join(', ')}, * EXCLUDE (${CORE_COLUMNS.map((c) => quoteIdent(c)).join(', ')})`;
    const options = [
      'FORMAT parquet',
      `COMPRESSION ${opts.compression ?? 'zstd'}`,
      `ROW_GROUP_SIZE ${opts.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE}`,
      `KV_METADATA {${[
        `geo: ${sqlString(JSON.stringify(geo))}`,
        ...Object.entries(opts.metadata ?? {}).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`),
      ].join(', ')}}`,
    ];
    if (native) options.push(`GEOPARQUET_VERSION 'NONE'`);
    if (opts.partitionBy)
      options.push(`PARTITION_BY (${opts.partitionBy.map((c) => quoteIdent(c, 'partitionBy column')).join(', ')})`);
    await runStatement(
      conn,
      `COPY (SELECT ${cols} FROM (${rel.sql}) AS src${order}) TO ${sqlString(tmp)} (${options.join(', ')})`,
      rel.params,
      subject,
    );
    moveIntoPlace(tmp, out);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof CatalogError) throw e;
    throw new CatalogError('WRITE_FAILED', `${subject}: ${(e as Error).message}`, { cause: e, subject });
  } finally {
    conn.closeSync();
  }
}

/**
 * Writes the relation into a DuckDB database file as table `table` (default `catalog`), atomically.
 */
export async function copyToDuckDB(
  engine: DuckDBEngine,
  rel: BoundSql,
  path: string,
  table = 'catalog',
  parseGeometry = false,
): Promise<void> {
  checkPath(path);
  return atBoundary(CatalogError, `writing ${path}`, () => writeDuckDBCopy(engine, rel, path, table, parseGeometry));
}

async function writeDuckDBCopy(
  engine: DuckDBEngine,
  rel: BoundSql,
  path: string,
  table: string,
  parseGeometry: boolean,
): Promise<void> {
  const out = resolve(path);
  const t = quoteIdent(table, 'table');
  if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true });
  removeStaleTemps(dirname(out));
  const tmp = tempSibling(out);
  const alias = quoteIdent(engine.newTableName('gs_out'));
  const conn = await engine.connect();
  try {
    await checkCoreColumns(conn, rel, out, parseGeometry);
    await runStatement(conn, `ATTACH ${sqlString(tmp)} AS ${alias}`, {}, out);
    try {
      await runStatement(conn, `CREATE TABLE ${alias}.${t} AS SELECT * FROM (${rel.sql}) AS src`, rel.params, out);
    } finally {
      await runStatement(conn, `DETACH ${alias}`, {}, out);
    }
    moveIntoPlace(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
    throw e;
  } finally {
    conn.closeSync();
  }
}
