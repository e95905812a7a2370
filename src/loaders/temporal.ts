import { LoaderError } from '../errors.js';
import { overlapsInterval, type TimeInterval } from '../geo/interval.js';

/**
 * How a loader combines the acquisitions that cover a slice: `'mosaic'` composites them into one
 * layer (first valid pixel wins, in the order given: pass rows most recent first for a latest-valid
 * composite); `'stack'` keeps one layer per acquisition date, oldest first (`[T, C, H, W]`).
 */
export type TemporalMode = 'mosaic' | 'stack';

/**
 * Anything with acquisition times (catalog rows, or a loader's internal sources).
 */
export interface Timed {
  tmin: Date | null;
  tmax: Date | null;
}

/**
 * Keeps the items whose `[tmin, tmax]` overlaps `interval` (all items when `interval` is undefined).
 * Items with no time at all match only when no interval is asked for.
 */
export function filterByInterval<T extends Timed>(items: readonly T[], interval: TimeInterval | undefined): T[] {
  if (!interval || (interval.start === null && interval.end === null)) return items.slice();
  return items.filter((r) => overlapsInterval(r.tmin, r.tmax, interval));
}

/**
 * One layer of a temporal stack: the acquisition date (the earliest time among its items) and its
 * items in the order given (they are mosaicked into that layer).
 */
export interface DateGroup<T> {
  time: Date;
  items: T[];
}

/**
 * Groups items by acquisition day (UTC calendar day of `tmin`, or `tmax` when `tmin` is unknown),
 * oldest first; items keep their relative order inside a day. Throws {@link LoaderError} `UNDATED`
 * naming the item (via `describe`) when one has no time, since it cannot be placed in a stack.
 */
export function groupByDate<T extends Timed>(items: readonly T[], describe: (item: T) => string): DateGroup<T>[] {
  const groups = new Map<string, DateGroup<T>>();
  for (const item of items) {
    const t = item.tmin ?? item.tmax;
    if (t === null) {
      throw new LoaderError(
        'UNDATED',
        `${describe(item)} has no acquisition time (tmin and tmax are null), so it cannot be a layer of a temporal stack; give it a time or use temporal: 'mosaic'`,
        { subject: describe(item) },
      );
    }
    const key = t.toISOString().slice(0, 10);
    const g = groups.get(key);
    if (!g) groups.set(key, { time: t, items: [item] });
    else {
      g.items.push(item);
      if (t.getTime() < g.time.getTime()) g.time = t;
    }
  }
  return [...groups.values()].sort((a, b) => a.time.getTime() - b.time.getTime());
}
