import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ArrowTableLike } from '../types.js';
import { BuildError } from '../../errors.js';
import { DuckDBEngine, runStream, streamRecords } from '../duckdb/engine.js';
import { literalPath } from '../duckdb/sql.js';

/**
 * Where table records come from: a path (`.parquet` / `.geoparquet` incl. stac-geoparquet, `.json` /
 * `.geojson` holding a STAC ItemCollection, FeatureCollection, array or single Item, `.ndjson` /
 * `.jsonl` with one record per line), an Apache Arrow table, or JS records (any (async) iterable).
 */
export type TableSource =
  | string
  | ArrowTableLike
  | Iterable<Record<string, unknown>>
  | AsyncIterable<Record<string, unknown>>;

/**
 * Streams the records of a {@link TableSource}. Parquet is read through DuckDB in chunks and NDJSON
 * line by line, so memory stays bounded; JSON documents are parsed whole. Throws {@link BuildError}
 * `NOT_FOUND`, `BAD_JSON` (naming the line), `UNREADABLE` (not Parquet) or `BAD_OPTION`.
 */
export async function* readRecords(source: TableSource): AsyncGenerator<Record<string, unknown>> {
  if (typeof source === 'string') {
    const path = resolve(source);
    if (!existsSync(path))
      throw new BuildError('NOT_FOUND', `${source} does not exist; pass a parquet, JSON or NDJSON file of records`, {
        subject: source,
      });
    if (/\.(geo)?parquet$/i.test(path)) yield* parquetRecords(path);
    else if (/\.(ndjson|jsonl|geojsonl|geojsonseq)$/i.test(path)) yield* ndjsonRecords(path);
    else yield* jsonRecords(path);
    return;
  }
  if (isArrowTable(source)) {
    for (let i = 0; i < source.numRows; i++) {
      const row = source.get(i);
      if (row) yield row.toJSON() as Record<string, unknown>;
    }
    return;
  }
  if (source && (Symbol.iterator in source || Symbol.asyncIterator in source)) {
    for await (const r of source as AsyncIterable<Record<string, unknown>>) yield r;
    return;
  }
  throw new BuildError(
    'BAD_OPTION',
    `a table source must be a path, an Arrow table or an iterable of records, got ${typeof source}`,
  );
}

function isArrowTable(v: unknown): v is ArrowTableLike {
  return (
    !!v && typeof v === 'object' && 'numRows' in v && 'schema' in v && typeof (v as ArrowTableLike).get === 'function'
  );
}

async function* parquetRecords(path: string): AsyncGenerator<Record<string, unknown>> {
  const engine = await DuckDBEngine.create({ memoryLimit: '512MB', threads: 2 });
  const conn = await engine.connect();
  try {
    let result: Awaited<ReturnType<typeof runStream>>;
    try {
      result = await runStream(conn, 'SELECT * FROM read_parquet($path)', { path: literalPath(path) }, path);
    } catch (e) {
      throw new BuildError('UNREADABLE', `${path} is not a readable Parquet file: ${(e as Error).message}`, {
        subject: path,
        cause: e,
      });
    }
    yield* streamRecords(result);
  } finally {
    conn.closeSync();
    await engine.close();
  }
}

async function* ndjsonRecords(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch (e) {
        throw new BuildError('BAD_JSON', `${path}:${n} is not valid JSON (${(e as Error).message})`, {
          subject: `${path}:${n}`,
        });
      }
      yield rec as Record<string, unknown>;
    }
  } finally {
    lines.close();
  }
}

function* jsonRecords(path: string): Generator<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new BuildError(
      'BAD_JSON',
      `${path} is not valid JSON (${(e as Error).message}); NDJSON files need the .ndjson or .jsonl extension`,
      { subject: path },
    );
  }
  const d = doc as { type?: string; features?: unknown };
  if (Array.isArray(doc)) yield* doc as Record<string, unknown>[];
  else if (d && typeof d === 'object' && Array.isArray(d.features)) yield* d.features as Record<string, unknown>[];
  else if (d && typeof d === 'object') yield d as Record<string, unknown>;
  else
    throw new BuildError(
      'BAD_JSON',
      `${path} holds ${typeof doc}, not records (an ItemCollection, a FeatureCollection, an array or one Item)`,
      { subject: path },
    );
}
