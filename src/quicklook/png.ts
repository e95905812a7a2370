import { writeFile, rename } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { StitchError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';

/** An RGB colour, each channel 0..255. */
export type Rgb = [number, number, number];

/**
 * A continuous colour ramp from dark blue through teal and green to yellow, for values scaled to 0..1.
 * Colours are linearly interpolated between the stops.
 */
export function rampColor(t: number): Rgb {
  const stops: Rgb[] = [
    [40, 20, 90],
    [40, 90, 140],
    [30, 150, 130],
    [120, 200, 80],
    [250, 230, 40],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f].map(Math.round) as Rgb;
}

/** A palette of distinct colours for class maps (index = class id). */
export const CLASS_PALETTE: Rgb[] = [
  [31, 119, 180],
  [44, 160, 44],
  [214, 164, 90],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
];

/**
 * Writes an RGBA PNG atomically (temp file + rename).
 */
export async function writePng(path: string, width: number, height: number, rgba: Uint8Array): Promise<void> {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, PNG.sync.write(png));
  await rename(tmp, path);
}

/** Options of {@link renderContinuous}. */
export interface ContinuousOptions {
  /** Values mapped to the ends of the ramp. Default: the 2nd and 98th percentiles. */
  range?: [number, number];
  /** Pixels where this is 0 are transparent. */
  valid?: ArrayLike<number>;
}

/** The keys of {@link ContinuousOptions} (the compiler checks the list is complete). */
const CONTINUOUS_OPTION_KEYS = optionKeys<ContinuousOptions>()(['range', 'valid']);

/**
 * Renders a single band of values to RGBA with {@link rampColor}, stretched between the 2nd and 98th
 * percentiles (or `range`). Pixels where `valid` is 0 or the value is NaN are transparent.
 */
export function renderContinuous(
  values: ArrayLike<number>,
  width: number,
  height: number,
  opts: ContinuousOptions = {},
): Uint8Array {
  checkOptionKeys(opts, CONTINUOUS_OPTION_KEYS, 'renderContinuous', StitchError);
  const n = width * height;
  const [lo, hi] = opts.range ?? percentileRange(values, opts.valid, 0.02, 0.98);
  const out = new Uint8Array(n * 4);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if ((opts.valid && !opts.valid[i]) || Number.isNaN(v)) continue;
    setOpaque(out, i, rampColor((v - lo) / span));
  }
  return out;
}

/**
 * Renders class ids to RGBA with {@link CLASS_PALETTE}; pixels where `valid` is 0 are transparent.
 */
export function renderClasses(
  classes: ArrayLike<number>,
  width: number,
  height: number,
  valid?: ArrayLike<number>,
): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) continue;
    setOpaque(out, i, CLASS_PALETTE[Math.abs(Math.round(classes[i])) % CLASS_PALETTE.length]);
  }
  return out;
}

/** Writes colour `c` as the opaque RGBA pixel `i` of `out`. */
function setOpaque(out: Uint8Array, i: number, c: readonly number[]): void {
  out[i * 4] = c[0];
  out[i * 4 + 1] = c[1];
  out[i * 4 + 2] = c[2];
  out[i * 4 + 3] = 255;
}

/**
 * Low and high percentiles of the valid, finite values (for contrast stretching).
 */
export function percentileRange(
  values: ArrayLike<number>,
  valid: ArrayLike<number> | undefined,
  lo: number,
  hi: number,
): [number, number] {
  const xs: number[] = [];
  const step = Math.max(1, Math.floor(values.length / 200_000));
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if ((!valid || valid[i]) && Number.isFinite(v)) xs.push(v);
  }
  if (xs.length === 0) return [0, 1];
  xs.sort((a, b) => a - b);
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.round(q * (xs.length - 1))))];
  return [at(lo), at(hi)];
}
