/**
 * Reprojecting feature geometries, with optional adaptive densification so that long edges follow the
 * curvature the projection gives them instead of staying straight chords.
 */
import proj4 from 'proj4';
import { VectorError } from '../errors.js';
import { resolveCrs, type CrsInput } from '../geo/crs.js';
import type { Position } from '../geo/geometry.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { mapGeometry, type VectorGeometry } from './geometry.js';

/**
 * Options of {@link reprojectGeometry}.
 */
export interface ReprojectOptions {
  /**
   * Densify edges until the projected midpoint of every piece lies within this distance (target CRS
   * units) of its chord. Undefined or 0: vertices are transformed as they are.
   */
  tolerance?: number;
  /** Names the feature in errors. */
  where?: string;
}

/** The keys of {@link ReprojectOptions} (the compiler checks the list is complete). */
const REPROJECT_OPTION_KEYS = optionKeys<ReprojectOptions>()(['tolerance', 'where']);

/** Subdivisions per edge at most (2^MAX_DEPTH pieces). */
const MAX_DEPTH = 10;

/**
 * Transforms a geometry from one CRS to another. Throws {@link VectorError} `TRANSFORM_FAILED` naming
 * the feature when a vertex is outside the target projection's domain.
 */
export function reprojectGeometry(
  g: VectorGeometry,
  from: CrsInput,
  to: CrsInput,
  opts: ReprojectOptions = {},
): VectorGeometry {
  checkOptionKeys(opts, REPROJECT_OPTION_KEYS, 'reprojectGeometry', VectorError);
  const src = resolveCrs(from).code;
  const dst = resolveCrs(to).code;
  if (src === dst) return g;
  const where = opts.where ?? 'geometry';
  const tol = opts.tolerance ?? 0;
  // resolveCrs registered both codes in proj4.
  const forward = proj4(src, dst);
  const project = (p: Position): Position => {
    let q: number[] = [NaN, NaN];
    try {
      q = forward.forward([p[0], p[1]]) as number[];
    } catch {
      // reported below
    }
    if (!Number.isFinite(q[0]) || !Number.isFinite(q[1])) {
      throw new VectorError(
        'TRANSFORM_FAILED',
        `${where}: vertex (${p[0]}, ${p[1]}) cannot be transformed from ${src} to ${dst}; clip the features to the target's area first`,
        { subject: where },
      );
    }
    return [q[0], q[1]];
  };
  const line = (coords: Position[]): Position[] => {
    if (coords.length === 0) return [];
    const out: Position[] = [];
    let prev = project(coords[0]);
    out.push(prev);
    for (let i = 1; i < coords.length; i++) {
      const next = project(coords[i]);
      if (tol > 0) densify(coords[i - 1], coords[i], prev, next, 0, tol, project, out);
      out.push(next);
      prev = next;
    }
    return out;
  };
  return mapGeometry(g, line, project);
}

/** Pushes the points strictly between `pa` and `pb` (projected `a`, `b`) that keep the chord within `tol`. */
function densify(
  a: Position,
  b: Position,
  pa: Position,
  pb: Position,
  depth: number,
  tol: number,
  project: (p: Position) => Position,
  out: Position[],
): void {
  if (depth >= MAX_DEPTH) return;
  const m: Position = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const pm = project(m);
  const dev = Math.hypot(pm[0] - (pa[0] + pb[0]) / 2, pm[1] - (pa[1] + pb[1]) / 2);
  if (!(dev > tol)) return;
  densify(a, m, pa, pm, depth + 1, tol, project, out);
  out.push(pm);
  densify(m, b, pm, pb, depth + 1, tol, project, out);
}
