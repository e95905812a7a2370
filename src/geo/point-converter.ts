/**
 * The one cache of proj4 point converters: one per pair of resolved CRS codes, shared by
 * `transformPoint`/`transformBBox` and the samplers' geometry reprojection (looking a pair up in proj4
 * per point dominated the sampler's time).
 */
import proj4 from 'proj4';
import { GeoError } from '../errors.js';
import { resolveCrs, type CrsInput } from './crs.js';
import type { Position } from './geometry.js';

/** A point converter: `[x, y]` in, `[x, y]` out. */
export type PointConverter = (p: Position) => [number, number];

interface Converters {
  /** `[NaN, NaN]` for points outside the projection's valid area. */
  lenient: PointConverter;
  /** Throws {@link GeoError} `TRANSFORM_FAILED` for points outside the projection's valid area. */
  strict: PointConverter;
}

const cache = new Map<string, Converters>();

function converters(from: CrsInput, to: CrsInput): Converters {
  const a = resolveCrs(from).code;
  const b = resolveCrs(to).code;
  const key = `${a}\u0000${b}`;
  let c = cache.get(key);
  if (!c) {
    let lenient: PointConverter;
    if (a === b) {
      lenient = (p) => [p[0], p[1]];
    } else {
      const proj = proj4(a, b);
      lenient = (p) => {
        try {
          const r = proj.forward([p[0], p[1]]) as number[];
          return [r[0], r[1]];
        } catch {
          return [NaN, NaN];
        }
      };
    }
    const strict: PointConverter = (p) => {
      const r = lenient(p);
      if (!Number.isFinite(r[0]) || !Number.isFinite(r[1])) {
        throw new GeoError(
          'TRANSFORM_FAILED',
          `cannot transform (${p[0]}, ${p[1]}) from ${a} to ${b}: the point is outside the projection's valid area`,
        );
      }
      return r;
    };
    c = { lenient, strict };
    cache.set(key, c);
  }
  return c;
}

/**
 * The cached converter from `from` to `to` (the identity when both resolve to the same code) that
 * returns `[NaN, NaN]` for a point outside the projection's valid area.
 */
export function lenientConverter(from: CrsInput, to: CrsInput): PointConverter {
  return converters(from, to).lenient;
}

/**
 * The cached converter from `from` to `to` (the identity when both resolve to the same code) that
 * throws {@link GeoError} `TRANSFORM_FAILED` for a point outside the projection's valid area.
 */
export function pointTransformer(from: CrsInput, to: CrsInput): PointConverter {
  return converters(from, to).strict;
}
