/**
 * Parsing and printing helpers shared by the `geoslice` subcommands: usage errors (exit code 2),
 * result printing (text or `--json`), AOIs, numbers and comma lists.
 */
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { GeosliceError } from '../errors.js';
import type { BBox } from '../geo/bbox.js';
import { geometryBBox, type Geometry, type Position } from '../geo/geometry.js';

/**
 * A usage error of the command line: the CLI prints its message on one line and exits with code 2.
 */
export class UsageError extends GeosliceError {}

/**
 * Where the CLI writes: `stdout(text)` for results, `stderr(text)` for errors and help on failures.
 * Default: the process streams; tests pass their own to capture the output.
 */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * What every subcommand gets: whether `--json` is on, and how to print its result.
 */
export interface CliContext {
  json(): boolean;
  /** Prints a command's result on stdout: `value` as one line of JSON with `--json`, else `text`. */
  print(value: unknown, text: string): void;
  /** Lists inputs a command left out on stderr, one line each with its code and reason (also with `--json`, whose result holds them too). */
  skipped(inputs: readonly SkippedItem[]): void;
  /** Reports a catalog build: lists its skipped inputs, prints rows and output, closes the catalog. */
  built(out: string, r: BuildReport): Promise<void>;
}

/**
 * What a catalog-building command reports: its rows, the inputs it left out, the catalog it wrote.
 */
export interface BuildReport {
  rows: number;
  skipped: readonly SkippedItem[];
  catalog: { close(): Promise<void> };
}

/**
 * An input a command left out (a file, a record, a slice) and why.
 */
export interface SkippedItem {
  input: string;
  code: string;
  message: string;
}

/**
 * The `--on-error fail|skip` option (default fail) of a command that reads many inputs; `what` names
 * one input, e.g. "a file that cannot be catalogued".
 */
export function onErrorOption(what: string): Option {
  return new Option('--on-error <mode>', `${what}: fail, or skip it (listed on stderr)`)
    .choices(['fail', 'skip'])
    .default('fail');
}

/**
 * A {@link CliContext} over an output and a `--json` getter.
 */
export function cliContext(json: () => boolean, io: CliIO): CliContext {
  const ctx: CliContext = {
    json,
    skipped(inputs) {
      for (const s of inputs) io.stderr(`geoslice: skipped ${s.input} (${s.code}): ${s.message.split('\n')[0]}\n`);
    },
    print(value, text) {
      io.stdout(
        json() ? `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n` : `${text}\n`,
      );
    },
    async built(out, r) {
      ctx.skipped(r.skipped);
      const skipped = r.skipped.length ? ` (${r.skipped.length} skipped, listed above)` : '';
      ctx.print({ out, rows: r.rows, skipped: r.skipped }, `${r.rows} rows -> ${out}${skipped}`);
      await r.catalog.close();
    },
  };
  return ctx;
}

/**
 * An `--aoi` value as a region: `xmin,ymin,xmax,ymax` (EPSG:4326) -> that box; a GeoJSON file
 * (Feature, FeatureCollection or geometry) -> its polygon (several polygons -> one MultiPolygon), or
 * the bbox of everything when it holds points. Throws {@link UsageError} `BAD_AOI`.
 */
export function parseAoiRegion(aoi: string): BBox | Geometry {
  const nums = aoi.split(',').map(Number);
  if (nums.length === 4 && nums.every(Number.isFinite)) {
    if (nums[0] >= nums[2] || nums[1] >= nums[3])
      throw new UsageError('BAD_AOI', `--aoi ${aoi}: need xmin < xmax and ymin < ymax`);
    return nums as BBox;
  }
  let doc: { type?: string; geometry?: Geometry; features?: { geometry: Geometry }[] };
  try {
    doc = JSON.parse(readFileSync(aoi, 'utf8'));
  } catch (e) {
    throw new UsageError(
      'BAD_AOI',
      `--aoi ${aoi}: not "xmin,ymin,xmax,ymax" and not a readable GeoJSON file (${(e as Error).message})`,
    );
  }
  const found =
    doc?.type === 'FeatureCollection'
      ? (doc.features ?? []).map((f) => f?.geometry)
      : doc?.type === 'Feature'
        ? [doc.geometry]
        : [doc as Geometry];
  if (found.length === 0) throw new UsageError('BAD_AOI', `--aoi ${aoi}: the GeoJSON has no geometry`);
  const known = ['Point', 'Polygon', 'MultiPolygon'];
  const isGeometry = (g: Geometry | undefined): g is Geometry =>
    !!g && known.includes(g.type) && Array.isArray(g.coordinates);
  const geoms = found.filter(isGeometry);
  if (geoms.length < found.length) {
    const bad = found.find((g) => !isGeometry(g)) as { type?: unknown } | undefined;
    throw new UsageError(
      'BAD_AOI',
      `--aoi ${aoi}: geometry type ${JSON.stringify(bad?.type ?? null)} is not supported; use Polygon, MultiPolygon or Point`,
    );
  }
  if (geoms.some((g) => g.type === 'Point'))
    return geoms
      .map(geometryBBox)
      .reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
  if (geoms.length === 1) return geoms[0];
  const polygons: Position[][][] = geoms.flatMap((g) =>
    g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [],
  );
  return { type: 'MultiPolygon', coordinates: polygons };
}

/**
 * An `--aoi` value as an EPSG:4326 bbox (see {@link parseAoiRegion}).
 */
export function parseAoi(aoi: string): BBox {
  const region = parseAoiRegion(aoi);
  return Array.isArray(region) ? region : geometryBBox(region);
}

/**
 * A numeric option value; `integer` and `positive` (> 0) restrict it. Throws {@link UsageError} `BAD_OPTION`.
 */
export function parseNumber(flag: string, value: string, o: { integer?: boolean; positive?: boolean } = {}): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.positive && !(n > 0))) {
    throw new UsageError(
      'BAD_OPTION',
      `${flag} ${value}: not a ${o.positive ? 'positive ' : ''}${o.integer ? 'integer' : 'number'}`,
    );
  }
  return n;
}

/**
 * One number, or two comma-separated numbers, as an option value: `"256"` -> 256, `"256,128"` -> [256, 128].
 */
export function parseNumberPair(
  flag: string,
  value: string,
  o: { integer?: boolean; positive?: boolean },
): number | [number, number] {
  const parts = value.split(',');
  if (parts.length === 1) return parseNumber(flag, value, o);
  if (parts.length !== 2)
    throw new UsageError('BAD_OPTION', `${flag} ${value}: give one number or two separated by a comma`);
  return [parseNumber(flag, parts[0], o), parseNumber(flag, parts[1], o)];
}

/**
 * A comma list of bands: whole numbers become 1-based band numbers, anything else asset keys.
 */
export function parseBands(value: string): (string | number)[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === ''))
    throw new UsageError('BAD_OPTION', `--bands ${value}: empty band name; give e.g. 1,2,3 or B04,B03,B02`);
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
