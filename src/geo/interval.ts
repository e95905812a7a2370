import { GeoError } from '../errors.js';

/**
 * A closed time interval. `null` means open on that end; `{ start: null, end: null }` is all time.
 */
export interface TimeInterval {
  start: Date | null;
  end: Date | null;
}

/**
 * Builds a {@link TimeInterval} from dates, ISO strings or epoch milliseconds, validating that
 * `start <= end`. Throws {@link GeoError} `INVALID_INTERVAL` otherwise.
 */
export function interval(start: Date | string | number | null, end: Date | string | number | null): TimeInterval {
  const s = toDate(start, 'interval start');
  const e = toDate(end, 'interval end');
  if (s && e && s.getTime() > e.getTime()) {
    throw new GeoError('INVALID_INTERVAL', `interval start ${s.toISOString()} is after its end ${e.toISOString()}`);
  }
  return { start: s, end: e };
}

function toDate(v: Date | string | number | null, what: string): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw new GeoError('INVALID_INTERVAL', `${what} is not a valid date: ${String(v)}`);
  return d;
}

/**
 * True when a row's `[tmin, tmax]` overlaps the interval `q` (closed on both ends; a null row
 * bound means unknown and matches only when `includeUndated`).
 */
export function overlapsInterval(
  tmin: Date | null,
  tmax: Date | null,
  q: TimeInterval,
  includeUndated = false,
): boolean {
  if (tmin === null && tmax === null) return includeUndated;
  const lo = (tmin ?? tmax)!.getTime();
  const hi = (tmax ?? tmin)!.getTime();
  if (q.start && hi < q.start.getTime()) return false;
  if (q.end && lo > q.end.getTime()) return false;
  return true;
}
