/**
 * Reading GeoParquet files (geoslice's own and third-party: GeoParquet 0.4 to 2.0-dev, stac-geoparquet)
 * as a catalog relation: checks the files, interprets the `geo` metadata and maps the columns onto the
 * catalog columns with a SQL projection.
 *
 * Mapping of third-party files:
 * - `geometry`: the `geo` primary column (WKB BLOB, or Parquet's native GEOMETRY type via `st_aswkb`).
 *   GeoArrow native encodings and non-WGS 84 CRSs are refused with a {@link CatalogError}.
 * - `id`: the `id` column as text; without one, `<file name>#<row number in file>` (stable, unique per file).
 * - `assets`: geoslice's MAP as is; a stac-geoparquet STRUCT of asset STRUCTs (with `href`) or a MAP of
 *   structs with `href` becomes the MAP (band NULL, i.e. 1); missing -> empty map.
 * - `bbox`: the declared covering; else a `bbox` STRUCT(xmin, ymin, xmax, ymax); else computed from the geometry.
 * - `tmin`/`tmax`: `tmin`/`tmax` columns; else stac `start_datetime`/`end_datetime`, falling back to
 *   `datetime`; else NULL.
 * - `crs`: a `crs` column; else stac `proj:code`, else `'EPSG:' || proj:epsg`; else 'EPSG:4326'.
 * - `backend`: the `backend` column; missing (files written before it existed) or NULL -> `'raster'`.
 * - every other column is an extra (stac `datetime`, `proj:epsg`... stay available as extras).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DuckDBMapType, DuckDBStructType, type DuckDBType } from '@duckdb/node-api';
import { CatalogError } from '../../errors.js';
import type { DuckDBEngine } from '../duckdb/engine.js';
import { describeQuery, runAll } from '../duckdb/engine.js';
import { literalPath, quoteIdent, quoteSchemaName, sqlString, type BoundSql } from '../duckdb/sql.js';
import { UDF } from '../duckdb/udf.js';
import { interpretGeoMetadata, type GeoColumnInfo } from './geo-metadata.js';

/**
 * Checks that `file` exists and looks like a complete Parquet file (magic `PAR1` at both ends).
 * Throws {@link CatalogError} `NOT_FOUND`, `NOT_PARQUET` or `TRUNCATED` naming the file.
 */
export function checkParquetFile(file: string): void {
  if (!existsSync(file))
    throw new CatalogError('NOT_FOUND', `${file} does not exist; check the path`, { subject: file });
  if (!statSync(file).isFile())
    throw new CatalogError('NOT_PARQUET', `${file} is not a regular file`, { subject: file });
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    if (size >= 8) readSync(fd, tail, 0, 4, size - 4);
    if (head.toString('latin1') !== 'PAR1') {
      throw new CatalogError(
        'NOT_PARQUET',
        `${file} is not a Parquet file (no PAR1 magic); pass a GeoParquet file, a directory of them or a .duckdb file`,
        { subject: file },
      );
    }
    if (size < 12 || tail.toString('latin1') !== 'PAR1') {
      throw new CatalogError(
        'TRUNCATED',
        `${file} is truncated (the Parquet footer is missing); re-copy or rewrite the file`,
        { subject: file },
      );
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * `read_parquet(...)` over the files, with hive partition columns when `hive` and file name / row
 * number columns (for ids) when `withRowIds`.
 */
export function readParquetSql(files: readonly string[], hive: boolean, withRowIds: boolean): string {
  const opts = ['union_by_name = true'];
  if (hive) opts.push('hive_partitioning = true');
  if (withRowIds) opts.push('filename = true', 'file_row_number = true');
  return `read_parquet([${files.map((f) => sqlString(literalPath(f))).join(', ')}], ${opts.join(', ')})`;
}

const ASSETS_TYPE = 'MAP(VARCHAR, STRUCT(href VARCHAR, band INTEGER))';

/**
 * The catalog projection over a table expression whose columns are `columns` and whose geometry is
 * described by `geo`. Used for Parquet files and `.duckdb` tables. Throws {@link CatalogError}
 * (`NO_GEOMETRY`, `UNSUPPORTED_ENCODING`, `UNSUPPORTED_ASSETS`) naming `subject`.
 */
export function catalogProjection(
  from: string,
  columns: { name: string; type: DuckDBType }[],
  geo: GeoColumnInfo,
  subject: string,
  rowIdsAvailable: boolean,
): string {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const text = (n: string) => types.get(n)?.toString().replaceAll('"', '');
  const q = quoteSchemaName;
  const consumed = new Set<string>(['id', 'assets', 'geometry', 'bbox', 'tmin', 'tmax', 'crs', 'backend', geo.column]);
  if (rowIdsAvailable) {
    consumed.add('filename');
    consumed.add('file_row_number');
  }

  const gtype = text(geo.column);
  if (gtype === undefined)
    throw new CatalogError(
      'NO_GEOMETRY',
      `${subject}: the geometry column "${geo.column}" named by the "geo" metadata does not exist`,
      { subject },
    );
  let geometry: string;
  if (gtype === 'BLOB') geometry = q(geo.column);
  else if (gtype.startsWith('GEOMETRY')) geometry = `st_aswkb(${q(geo.column)})`;
  else {
    throw new CatalogError(
      'UNSUPPORTED_ENCODING',
      `${subject}: geometry column "${geo.column}" has type ${gtype}, not WKB; geoslice reads WKB geometry only (GeoArrow native encoding is not supported)`,
      { subject: `${subject}:${geo.column}` },
    );
  }

  let id: string;
  if (types.has('id')) id = text('id') === 'VARCHAR' ? q('id') : `CAST(${q('id')} AS VARCHAR)`;
  else if (rowIdsAvailable) id = `parse_filename(filename) || '#' || CAST(file_row_number AS VARCHAR)`;
  else id = `CAST(row_number() OVER () - 1 AS VARCHAR)`;

  const assets = assetsSql(types.get('assets'), subject);

  let bbox: string;
  const fields = ['xmin', 'ymin', 'xmax', 'ymax'] as const;
  const cov = geo.covering;
  if (cov && cov.xmin.length === 2 && fields.every((f) => types.has(cov[f][0]))) {
    const col = cov.xmin[0];
    const identity =
      col === 'bbox' &&
      text('bbox') === 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)' &&
      fields.every((f) => cov[f][0] === 'bbox' && cov[f][1] === f);
    bbox = identity
      ? q('bbox')
      : `struct_pack(${fields.map((f) => `${f} := CAST(${q(cov[f][0])}.${q(cov[f][1])} AS DOUBLE)`).join(', ')})`;
    consumed.add(col);
  } else if (
    types.get('bbox') instanceof DuckDBStructType &&
    fields.every((f) => (types.get('bbox') as DuckDBStructType).entryNames.includes(f))
  ) {
    bbox =
      text('bbox') === 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)'
        ? q('bbox')
        : `struct_pack(${fields.map((f) => `${f} := CAST(${q('bbox')}.${f} AS DOUBLE)`).join(', ')})`;
  } else {
    const g = geometry;
    bbox = `struct_pack(xmin := ${UDF.wkbXmin}(${g}), ymin := ${UDF.wkbYmin}(${g}), xmax := ${UDF.wkbXmax}(${g}), ymax := ${UDF.wkbYmax}(${g}))`;
  }

  const ts = (n: string) => (text(n) === 'TIMESTAMP WITH TIME ZONE' ? q(n) : `CAST(${q(n)} AS TIMESTAMPTZ)`);
  const tmin = types.has('tmin')
    ? ts('tmin')
    : types.has('start_datetime')
      ? `coalesce(${ts('start_datetime')}${types.has('datetime') ? `, ${ts('datetime')}` : ''})`
      : types.has('datetime')
        ? ts('datetime')
        : 'NULL::TIMESTAMPTZ';
  const tmax = types.has('tmax')
    ? ts('tmax')
    : types.has('end_datetime')
      ? `coalesce(${ts('end_datetime')}${types.has('datetime') ? `, ${ts('datetime')}` : ''})`
      : types.has('datetime')
        ? ts('datetime')
        : 'NULL::TIMESTAMPTZ';

  const crsParts: string[] = [];
  if (types.has('crs')) crsParts.push(text('crs') === 'VARCHAR' ? q('crs') : `CAST(${q('crs')} AS VARCHAR)`);
  if (types.has('proj:code')) crsParts.push(`CAST(${q('proj:code')} AS VARCHAR)`);
  if (types.has('proj:epsg')) crsParts.push(`'EPSG:' || CAST(CAST(${q('proj:epsg')} AS BIGINT) AS VARCHAR)`);
  crsParts.push(`'EPSG:4326'`);
  const crs = crsParts.length === 1 ? crsParts[0] : `coalesce(${crsParts.join(', ')})`;

  // Files written before the backend column existed (and NULLs) are raster catalogs.
  const backend = types.has('backend') ? `coalesce(CAST(${q('backend')} AS VARCHAR), 'raster')` : `'raster'`;

  const extras = columns.filter((c) => !consumed.has(c.name)).map((c) => q(c.name));
  const select = [
    `${id} AS id`,
    `${assets} AS assets`,
    `${geometry} AS geometry`,
    `${bbox} AS bbox`,
    `${tmin} AS tmin`,
    `${tmax} AS tmax`,
    `${crs} AS crs`,
    `${backend} AS backend`,
    ...extras,
  ];
  return `SELECT ${select.join(', ')} FROM ${from}`;
}

function assetsSql(type: DuckDBType | undefined, subject: string): string {
  if (!type) return `MAP {}::${ASSETS_TYPE}`;
  const t = type.toString().replaceAll('"', '');
  if (t === ASSETS_TYPE) return quoteIdent('assets');
  if (
    type instanceof DuckDBMapType &&
    type.valueType instanceof DuckDBStructType &&
    type.valueType.entryNames.includes('href')
  ) {
    const band = type.valueType.entryNames.includes('band') ? 'TRY_CAST(e.value.band AS INTEGER)' : 'NULL::INTEGER';
    return `map_from_entries(list_transform(list_filter(map_entries("assets"), e -> e.value.href IS NOT NULL), e -> {'key': CAST(e.key AS VARCHAR), 'value': {'href': CAST(e.value.href AS VARCHAR), 'band': ${band}}}))::${ASSETS_TYPE}`;
  }
  if (type instanceof DuckDBStructType) {
    const keys = type.entryNames.filter((_k, i) => {
      const v = type.entryTypes[i];
      return v instanceof DuckDBStructType && v.entryNames.includes('href');
    });
    if (keys.length === 0) return `MAP {}::${ASSETS_TYPE}`;
    const entries = keys.map(
      (k) =>
        `{'key': ${sqlString(k)}, 'value': {'href': CAST("assets".${quoteSchemaName(k)}.href AS VARCHAR), 'band': NULL::INTEGER}}`,
    );
    return `map_from_entries(list_filter([${entries.join(', ')}], e -> e.value.href IS NOT NULL))::${ASSETS_TYPE}`;
  }
  throw new CatalogError(
    'UNSUPPORTED_ASSETS',
    `${subject}: column "assets" has type ${t}; expected ${ASSETS_TYPE} or a STAC struct of assets with href`,
    { subject: `${subject}:assets` },
  );
}

/**
 * The catalog relation over GeoParquet files. Every file is checked (exists, Parquet, complete) and
 * must carry `geo` metadata with a WKB geometry in EPSG:4326 (or a native Parquet GEOMETRY column);
 * the first file's `geo` metadata decides the geometry column. Reads footers only.
 */
export async function geoParquetRelation(
  engine: DuckDBEngine,
  files: readonly string[],
  opts: { hive: boolean; subject: string },
): Promise<BoundSql> {
  for (const f of files) checkParquetFile(f);
  const conn = await engine.connect();
  try {
    const metas = await runAll(
      conn,
      `SELECT file_name, decode(value) AS geo FROM parquet_kv_metadata([${files.map((f) => sqlString(literalPath(f))).join(', ')}]) WHERE decode(key) = 'geo'`,
      {},
      opts.subject,
    );
    const byFile = new Map(metas.map((m) => [String(m.file_name), String(m.geo)]));
    const probe = await describeQuery(
      conn,
      `SELECT * FROM ${readParquetSql(files.slice(0, 1), opts.hive, false)}`,
      {},
      files[0],
    );
    let info: GeoColumnInfo | null = null;
    for (const f of files) {
      const json = byFile.get(f);
      if (json === undefined) {
        const native = f === files[0] ? probe.find((c) => c.type.toString().startsWith('GEOMETRY')) : undefined;
        if (native) {
          info ??= { version: 'parquet-geometry', column: native.name, covering: null };
          continue;
        }
        throw new CatalogError(
          'NO_GEOMETRY',
          `${f} has no GeoParquet "geo" metadata (no geometry column); write it with a GeoParquet writer (e.g. writeGeoParquet, GeoPandas to_parquet, ogr2ogr)`,
          { subject: f },
        );
      }
      const i = interpretGeoMetadata(json, f);
      if (info && i.column !== info.column) {
        throw new CatalogError(
          'SCHEMA_MISMATCH',
          `${f}: its geometry column is "${i.column}" but ${files[0]} uses "${info.column}"; shards of one catalog must agree`,
          { subject: f },
        );
      }
      info ??= i;
    }
    const columns = await describeQuery(
      conn,
      `SELECT * FROM ${readParquetSql(files, opts.hive, false)}`,
      {},
      opts.subject,
    );
    const rowIds = !columns.some((c) => c.name === 'id');
    const subject = files.length === 1 ? files[0] : opts.subject;
    return {
      sql: catalogProjection(readParquetSql(files, opts.hive, rowIds), columns, info!, subject, rowIds),
      params: {},
    };
  } finally {
    conn.closeSync();
  }
}

/**
 * A short label for a list of files in messages: the file itself, or `N files (first.parquet, ...)`.
 */
export function describeFiles(files: readonly string[]): string {
  return files.length === 1 ? files[0] : `${files.length} files (${basename(files[0])}, ...)`;
}
