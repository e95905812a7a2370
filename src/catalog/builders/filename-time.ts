import { basename } from 'node:path';
import { BuildError } from '../../errors.js';

/**
 * Date layouts {@link parseFilenameTime} understands: calendar dates with or without separators,
 * day-of-year (`YYYYDDD`), year-month and bare years; `auto` guesses from the matched text.
 */
export type DateFormat = 'auto' | 'YYYYMMDD' | 'YYYY-MM-DD' | 'YYYYMMDDTHHmmss' | 'YYYYDDD' | 'YYYYMM' | 'YYYY';

/**
 * Reads acquisition times from a file name with a regular expression whose named groups are `date`
 * (one instant, or a whole day/month/year for coarse formats) or `start` and `end`. Returns
 * `{ tmin, tmax }` in UTC, or nulls when the regex does not match the file's base name. Throws
 * {@link BuildError} `BAD_DATE` when a group matches text that is not a valid date of the format, and
 * `BAD_OPTION` when the regex has none of the groups.
 *
 * Coarse dates cover their period: `2024` gives 2024-01-01 .. 2024-12-31T23:59:59.999Z, a day gives
 * that day (tmin = tmax = midnight for `YYYYMMDD`, as STAC items with a date do).
 */
export function parseFilenameTime(
  path: string,
  regex: RegExp,
  dateFormat: DateFormat = 'auto',
): { tmin: Date | null; tmax: Date | null } {
  const name = basename(path);
  const m = regex.exec(name);
  regex.lastIndex = 0;
  if (!m) return { tmin: null, tmax: null };
  const g = m.groups ?? {};
  if (g.date !== undefined) {
    const [lo, hi] = parseDate(g.date, dateFormat, name);
    return { tmin: lo, tmax: hi };
  }
  if (g.start !== undefined || g.end !== undefined) {
    const tmin = g.start !== undefined ? parseDate(g.start, dateFormat, name)[0] : null;
    const tmax = g.end !== undefined ? parseDate(g.end, dateFormat, name)[1] : null;
    if (tmin && tmax && tmin.getTime() > tmax.getTime()) {
      throw new BuildError('BAD_DATE', `${name}: start ${tmin.toISOString()} is after end ${tmax.toISOString()}`, {
        subject: path,
      });
    }
    return { tmin, tmax };
  }
  throw new BuildError(
    'BAD_OPTION',
    `filenameRegex ${regex} has no named group "date", "start" or "end"; add one, e.g. /_(?<date>\\d{8})_/`,
  );
}

/** The [first, last] instants a date text covers. */
function parseDate(text: string, format: DateFormat, name: string): [Date, Date] {
  const bad = (why: string): never => {
    throw new BuildError(
      'BAD_DATE',
      `${name}: "${text}" is not a valid ${format === 'auto' ? '' : `${format} `}date (${why}); fix filenameRegex/dateFormat`,
      { subject: name },
    );
  };
  const digits = text.replace(/[-_.:/T]/g, '');
  let f = format;
  if (f === 'auto') {
    if (/^\d{8}T?\d{6}$/.test(text.replace(/[-:]/g, ''))) f = 'YYYYMMDDTHHmmss';
    else if (/^\d{4}$/.test(digits)) f = 'YYYY';
    else if (/^\d{6}$/.test(digits)) f = 'YYYYMM';
    else if (/^\d{7}$/.test(digits)) f = 'YYYYDDD';
    else if (/^\d{8}$/.test(digits)) f = 'YYYYMMDD';
    else bad('unrecognised layout; pass dateFormat');
  }
  const num = (s: string) => Number(s);
  const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date => {
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
      bad('out of range');
    return t;
  };
  switch (f) {
    case 'YYYY': {
      if (!/^\d{4}$/.test(digits)) bad('expected 4 digits');
      const y = num(digits);
      return [utc(y, 1, 1), new Date(Date.UTC(y + 1, 0, 1) - 1)];
    }
    case 'YYYYMM': {
      if (!/^\d{6}$/.test(digits)) bad('expected 6 digits');
      const y = num(digits.slice(0, 4));
      const mo = num(digits.slice(4, 6));
      const start = utc(y, mo, 1);
      return [start, new Date(Date.UTC(y, mo, 1) - 1)];
    }
    case 'YYYYDDD': {
      if (!/^\d{7}$/.test(digits)) bad('expected 7 digits');
      const y = num(digits.slice(0, 4));
      const doy = num(digits.slice(4));
      const t = new Date(Date.UTC(y, 0, doy));
      if (doy < 1 || t.getUTCFullYear() !== y) bad('day of year out of range');
      return [t, t];
    }
    case 'YYYYMMDD':
    case 'YYYY-MM-DD': {
      if (!/^\d{8}$/.test(digits)) bad('expected 8 digits');
      const t = utc(num(digits.slice(0, 4)), num(digits.slice(4, 6)), num(digits.slice(6, 8)));
      return [t, t];
    }
    case 'YYYYMMDDTHHmmss': {
      if (!/^\d{14}$/.test(digits)) bad('expected 14 digits');
      const t = utc(
        num(digits.slice(0, 4)),
        num(digits.slice(4, 6)),
        num(digits.slice(6, 8)),
        num(digits.slice(8, 10)),
        num(digits.slice(10, 12)),
        num(digits.slice(12, 14)),
      );
      return [t, t];
    }
    default:
      return bad(`unknown dateFormat ${String(format)}`);
  }
}
