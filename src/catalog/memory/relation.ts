/**
 * The in-memory table the memory backend computes on: rows, the ordered list of extra columns, and a
 * lazily built static R-tree over the rows' bboxes. Footprints stay WKB and are parsed only when an
 * exact test needs them, so a large catalog holds no parsed geometries.
 */
import Flatbush from 'flatbush';
import { type Geometry, readWkb } from '../../geo/index.js';
import type { CatalogRow } from '../types.js';

/**
 * One row of a {@link Relation}.
 */
export interface Entry {
  row: CatalogRow;
}

/** Footprints parsed lately (at most {@link PARSED_MAX}, oldest dropped first): a loader queries the same few rows per slice. */
const parsed = new Map<Entry, Geometry>();
const PARSED_MAX = 256;

/**
 * The parsed footprint of an entry (its WKB was validated when it entered the catalog). The last
 * 256 parsed are kept; callers never change them.
 */
export function footprint(e: Entry): Geometry {
  let g = parsed.get(e);
  if (g) return g;
  g = readWkb(e.row.geometry);
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as Entry);
  parsed.set(e, g);
  return g;
}

/**
 * Rows plus schema. Every row's `extras` has exactly the keys in `columns` (NULL where a source lacked one).
 */
export interface Relation {
  readonly entries: readonly Entry[];
  /** Extra column names in order. */
  readonly columns: readonly string[];
}

const trees = new WeakMap<Relation, Flatbush | null>();

/**
 * Builds a relation (new entries where needed; inputs are never mutated) whose rows all carry every column of `columns` (missing ones become `null`, others are dropped).
 */
export function makeRelation(entries: readonly Entry[], columns: readonly string[]): Relation {
  const out = entries.map((e) => {
    const ex = e.row.extras;
    const keys = Object.keys(ex);
    if (keys.length === columns.length && keys.every((k, i) => k === columns[i])) return e;
    const full: Record<string, unknown> = {};
    for (const c of columns) full[c] = c in ex ? ex[c] : null;
    return { row: { ...e.row, extras: full } };
  });
  return { entries: out, columns: [...columns] };
}

/**
 * Extra-column names of several row sets in first-seen order.
 */
export function columnsOf(rows: Iterable<{ extras: Record<string, unknown> }>): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.extras)) seen.add(k);
  return [...seen];
}

/**
 * Entries for rows that came from another backend (already validated there); each footprint is
 * parsed once here so that bad WKB fails now rather than inside a later query.
 */
export function entriesOf(rows: CatalogRow[]): Entry[] {
  return rows.map((row) => {
    readWkb(row.geometry);
    return { row };
  });
}

/**
 * The static R-tree (flatbush) over the relation's row bboxes, built on first use and cached; `null` when empty.
 * `search` returns indices into `rel.entries`.
 */
export function rtree(rel: Relation): Flatbush | null {
  let t = trees.get(rel);
  if (t === undefined) {
    if (rel.entries.length === 0) t = null;
    else {
      t = new Flatbush(rel.entries.length);
      for (const { row } of rel.entries) t.add(row.bbox[0], row.bbox[1], row.bbox[2], row.bbox[3]);
      t.finish();
    }
    trees.set(rel, t);
  }
  return t;
}
