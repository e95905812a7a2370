import { catalogFromRows } from '../catalog/from-rows.js';
import type { CatalogRow, GeoCatalog } from '../catalog/index.js';
import { StitchError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';

/**
 * Options of {@link selectForLabeling}.
 */
export interface SelectOptions {
  /** How many rows to pick at most. */
  k: number;
  /** Uncertainty column to rank by: highest `entropy` / `variance` first, lowest `margin` first. Default `'entropy'`. */
  by?: 'entropy' | 'margin' | 'variance';
  /**
   * Minimum great-circle distance in **metres** between the centres (of the EPSG:4326 bboxes) of any two
   * picks (WGS84 mean Earth radius 6 371 008.8 m). Default 0 (no spacing).
   */
  minSpacing?: number;
  /**
   * Per-stratum quotas on a column: a number is the quota of every stratum; an object gives each value's
   * quota (values it does not list get none). NULL values form the stratum `"null"`.
   */
  perStratum?: { column: string; quota: number | Record<string, number> };
}

/** The keys of {@link SelectOptions} (the compiler checks the list is complete). */
const SELECT_OPTION_KEYS = optionKeys<SelectOptions>()(['k', 'by', 'minSpacing', 'perStratum']);

const EARTH_RADIUS_M = 6371008.8;

interface Candidate {
  id: string;
  score: number;
  v: [number, number, number];
  stratum: string;
}

/**
 * Picks the `k` most uncertain rows of a predictions catalog (from `writePredictions`), greedily in
 * order of uncertainty, skipping a row when it lies closer than `minSpacing` metres to an earlier pick or
 * its stratum's quota is full. Rows whose `by` value is NULL or not finite are never picked. Ties are
 * broken by id, so the choice is deterministic. Returns an in-memory catalog of the picked rows (all
 * columns kept, plus `selection_rank` from 1) that `randomSampler`/`stratifiedSampler` accept. Reads the
 * catalog twice (scores, then the picked rows), holding only ids, scores and centres in between.
 * Throws {@link StitchError} `BAD_OPTION` or `MISSING_COLUMNS`.
 *
 * @example
 * ```ts
 * import { openCatalog, selectForLabeling } from 'geoslice';
 *
 * const next = await selectForLabeling(await openCatalog('preds-r1.parquet'), { k: 50, by: 'margin', minSpacing: 1000 });
 * for await (const row of next.rows()) console.log(row.id, row.extras.margin);
 * ```
 */
export async function selectForLabeling(predictions: GeoCatalog, opts: SelectOptions): Promise<GeoCatalog> {
  if (!opts || typeof opts !== 'object')
    throw new StitchError('BAD_OPTION', 'selectForLabeling needs options { k, ... }');
  checkOptionKeys(opts, SELECT_OPTION_KEYS, 'selectForLabeling', StitchError);
  const by = opts.by ?? 'entropy';
  const k = opts.k;
  const minSpacing = opts.minSpacing ?? 0;
  if (!['entropy', 'margin', 'variance'].includes(by))
    throw new StitchError('BAD_OPTION', `by must be 'entropy', 'margin' or 'variance', got ${JSON.stringify(by)}`);
  if (!Number.isInteger(k) || k < 1) throw new StitchError('BAD_OPTION', `k must be a positive integer, got ${k}`);
  if (!(minSpacing >= 0) || !Number.isFinite(minSpacing))
    throw new StitchError('BAD_OPTION', `minSpacing must be a finite number of metres >= 0, got ${minSpacing}`);
  const strat = opts.perStratum;
  if (strat && (typeof strat.column !== 'string' || !validQuota(strat.quota))) {
    throw new StitchError(
      'BAD_OPTION',
      'perStratum must be { column: string, quota: non-negative integer | { [value]: non-negative integer } }',
    );
  }
  const columns = new Set((await predictions.schema()).map((c) => c.name));
  for (const col of [by, ...(strat ? [strat.column] : [])]) {
    if (!columns.has(col)) {
      throw new StitchError(
        'MISSING_COLUMNS',
        `${predictions.source} has no column "${col}"; select from a catalog written by writePredictions (or name an existing column)`,
        { subject: predictions.source },
      );
    }
  }

  const cands: Candidate[] = [];
  for await (const row of predictions.rows({ batchSize: 8192 })) {
    const raw = row.extras[by];
    const v = typeof raw === 'bigint' ? Number(raw) : raw;
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const s = strat ? row.extras[strat.column] : undefined;
    cands.push({
      id: row.id,
      score: by === 'margin' ? -v : v,
      v: unitVector(row.bbox),
      stratum: s === null || s === undefined ? 'null' : String(s),
    });
  }
  cands.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const picked = new Map<string, number>();
  const perStratum = new Map<string, number>();
  const spacing = new SpacingIndex(minSpacing);
  for (const c of cands) {
    if (picked.size >= k) break;
    if (strat) {
      const q = typeof strat.quota === 'number' ? strat.quota : (strat.quota[c.stratum] ?? 0);
      if ((perStratum.get(c.stratum) ?? 0) >= q) continue;
    }
    if (!spacing.farFromAll(c.v)) continue;
    spacing.add(c.v);
    picked.set(c.id, picked.size + 1);
    if (strat) perStratum.set(c.stratum, (perStratum.get(c.stratum) ?? 0) + 1);
  }

  const rows: CatalogRow[] = [];
  for await (const row of predictions.rows({ batchSize: 8192 })) {
    const rank = picked.get(row.id);
    if (rank !== undefined) rows.push({ ...row, extras: { ...row.extras, selection_rank: rank } });
  }
  rows.sort((a, b) => (a.extras.selection_rank as number) - (b.extras.selection_rank as number));
  return catalogFromRows(rows, { source: `selectForLabeling(k=${k}, by=${by}) of ${predictions.source}` });
}

function validQuota(q: unknown): boolean {
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
  return ok(q) || (typeof q === 'object' && q !== null && Object.values(q).every(ok));
}

/** Centre of an EPSG:4326 bbox as a unit vector (antimeridian-safe distances). */
function unitVector(b: [number, number, number, number]): [number, number, number] {
  const lon = ((b[0] + b[2]) / 2) * (Math.PI / 180);
  const lat = ((b[1] + b[3]) / 2) * (Math.PI / 180);
  return [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)];
}

/**
 * Points on the unit sphere in a hash of cubes whose edge is the chord length of `minSpacing`; a point is
 * far enough from all when no point in the 27 neighbouring cubes is within that chord.
 */
class SpacingIndex {
  private readonly chord: number;
  private readonly cells = new Map<string, [number, number, number][]>();

  constructor(minSpacing: number) {
    this.chord = 2 * Math.sin(Math.min(Math.PI, minSpacing / EARTH_RADIUS_M) / 2);
  }

  private key(i: number, j: number, k: number): string {
    return `${i},${j},${k}`;
  }

  private cell(v: [number, number, number]): [number, number, number] {
    return [Math.floor(v[0] / this.chord), Math.floor(v[1] / this.chord), Math.floor(v[2] / this.chord)];
  }

  farFromAll(v: [number, number, number]): boolean {
    if (this.chord === 0) return true;
    const [i, j, k] = this.cell(v);
    const c2 = this.chord * this.chord;
    for (let a = i - 1; a <= i + 1; a++)
      for (let b = j - 1; b <= j + 1; b++)
        for (let c = k - 1; c <= k + 1; c++) {
          for (const p of this.cells.get(this.key(a, b, c)) ?? []) {
            const d = (p[0] - v[0]) ** 2 + (p[1] - v[1]) ** 2 + (p[2] - v[2]) ** 2;
            if (d < c2 * (1 - 1e-12)) return false;
          }
        }
    return true;
  }

  add(v: [number, number, number]): void {
    if (this.chord === 0) return;
    const key = this.key(...this.cell(v));
    const list = this.cells.get(key);
    if (list) list.push(v);
    else this.cells.set(key, [v]);
  }
}
