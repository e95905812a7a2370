import type { GeoSlice, TimeInterval } from '../geo/index.js';
import { badOption } from './bad-option.js';

/**
 * A length of time: milliseconds, a fixed duration, or a calendar period (UTC months/years, which
 * vary in length and align to month starts).
 */
export type Duration =
  | number
  | { days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number }
  | { years?: number; months?: number };

/**
 * The temporal half of a spatio-temporal sampler. Every spatial slice gets an `interval`:
 * - `'random'`: one window of length `window`. For a slice drawn from a catalog row with a time, the
 *   window is uniform among the windows that contain the row's time (`tmin`, else `tmax`) — calendar
 *   windows among the month-aligned ones; otherwise (grid tiles, undated rows) uniform inside `extent`.
 * - `'sequential'`: the slice is repeated for consecutive windows `window` long, `stride` apart
 *   (default `window`), from the start of `extent` (month-aligned for calendar periods) to its end, in
 *   time order: a time series for one place, so the loader can stack `[T, C, H, W]`.
 * `extent` defaults to the sampler's `interval` when both ends are set, else to the time range of the
 * rows the sampler streamed.
 */
export interface TemporalOptions {
  mode: 'random' | 'sequential';
  window: Duration;
  stride?: Duration;
  extent?: TimeInterval;
}

interface ParsedDuration {
  months: number;
  ms: number;
}

const MS = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000, milliseconds: 1 } as const;

function parseDuration(d: Duration, option: string): ParsedDuration {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d <= 0)
      badOption(option, d, 'pass a positive number of milliseconds or e.g. { days: 7 } / { months: 1 }');
    return { months: 0, ms: d };
  }
  if (typeof d !== 'object' || d === null) badOption(option, d, 'pass milliseconds, { days: n } or { months: n }');
  let months = 0;
  let ms = 0;
  for (const [k, v] of Object.entries(d)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      badOption(`${option}.${k}`, v, 'pass a non-negative number');
    if (k === 'years' || k === 'months') {
      if (!Number.isInteger(v)) badOption(`${option}.${k}`, v, 'calendar periods count whole months/years');
      months += k === 'years' ? 12 * v : v;
    } else if (k in MS) ms += v * MS[k as keyof typeof MS];
    else badOption(option, d, `unknown field "${k}"; use years, months, days, hours, minutes, seconds or milliseconds`);
  }
  if (months > 0 && ms > 0)
    badOption(option, d, 'use either calendar fields (years, months) or fixed ones (days...), not both');
  if (months === 0 && ms <= 0) badOption(option, d, 'the duration must be positive');
  return { months, ms };
}

function addMonths(t: number, months: number): number {
  const d = new Date(t);
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() + months,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function monthStart(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/**
 * A validated temporal composition, ready to turn a spatial slice into timed ones.
 */
export interface TemporalPlan {
  mode: 'random' | 'sequential';
  /** The extent fixed by the options, or undefined when it comes from the rows. */
  extent?: TimeInterval;
  /** Sequential windows covering `extent`. */
  windows(extent: TimeInterval): TimeInterval[];
  /** One random window (see {@link TemporalOptions}); `anchor` is the row's time in ms, when known. */
  random(rng: () => number, anchor: number | null, extent: TimeInterval | undefined): TimeInterval;
}

/** Windows per slice above which sequential mode refuses (a sign of a wrong unit). */
const MAX_WINDOWS = 100_000;

/**
 * Validates `temporal` and builds its {@link TemporalPlan}. `interval` is the sampler's interval
 * option, used as the default extent when both its ends are set.
 */
export function planTemporal(t: TemporalOptions, interval: TimeInterval | undefined): TemporalPlan {
  if (t.mode !== 'random' && t.mode !== 'sequential')
    badOption('temporal.mode', t.mode, "pass 'random' or 'sequential'");
  const window = parseDuration(t.window, 'temporal.window');
  const stride = t.stride === undefined ? window : parseDuration(t.stride, 'temporal.stride');
  const extent = t.extent ?? (interval?.start && interval.end ? interval : undefined);
  if (extent && !(extent.start && extent.end && extent.start.getTime() <= extent.end.getTime())) {
    badOption('temporal.extent', extent, 'pass { start, end } with both dates set and start <= end');
  }
  const add = (s: number, d: ParsedDuration, times: number): number =>
    d.months > 0 ? addMonths(s, d.months * times) : s + d.ms * times;
  const make = (s: number): TimeInterval => ({ start: new Date(s), end: new Date(add(s, window, 1) - 1) });
  const bounded = (e: TimeInterval | undefined): [number, number] => {
    if (!e?.start || !e.end) {
      badOption(
        'temporal.extent',
        e ?? null,
        'no time extent is known: pass temporal.extent or an interval with both ends, or sample rows that have times',
      );
    }
    return [e.start.getTime(), e.end.getTime()];
  };
  const windows = (e: TimeInterval): TimeInterval[] => {
    const [s, end] = bounded(e);
    const first = window.months > 0 ? monthStart(s) : s;
    const out: TimeInterval[] = [];
    for (let k = 0; ; k++) {
      const ws = add(first, stride, k);
      if (ws > end) break;
      if (out.length >= MAX_WINDOWS)
        badOption(
          'temporal.window',
          t.window,
          `the extent holds more than ${MAX_WINDOWS} windows; use a longer window or stride`,
        );
      out.push(make(ws));
    }
    return out;
  };
  return {
    mode: t.mode,
    extent,
    windows,
    random(rng, anchor, e) {
      if (anchor !== null) {
        if (window.months > 0) return make(addMonths(monthStart(anchor), -Math.floor(rng() * window.months)));
        return make(anchor - Math.floor(rng() * window.ms));
      }
      const [s, end] = bounded(e);
      if (window.months > 0) {
        const all = windows({ start: new Date(s), end: new Date(end) });
        return all[Math.floor(rng() * all.length)];
      }
      return make(s + Math.floor(rng() * Math.max(0, end - s - window.ms + 1)));
    },
  };
}

/**
 * Attaches a slice's interval: its sequential `window`, else a random window from `plan` (anchored at
 * `anchor`, the row's time in ms, when known), else the sampler's `fallback` interval, else none.
 */
export function timedSlice(
  slice: GeoSlice,
  plan: TemporalPlan | undefined,
  window: TimeInterval | undefined,
  rng: () => number,
  anchor: number | null,
  extent: TimeInterval | undefined,
  fallback: TimeInterval | undefined,
): GeoSlice {
  if (window) return { ...slice, interval: window };
  if (plan) return { ...slice, interval: plan.random(rng, anchor, extent) };
  return fallback ? { ...slice, interval: fallback } : slice;
}
