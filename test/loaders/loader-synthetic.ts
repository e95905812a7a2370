// In-memory rasters for loader tests: a RasterReader over plain arrays, with overviews made by
// decimation, nodata and a count of window reads.
import type { RasterLevel, RasterReader, RasterInfo, GeoTransform, WindowData } from '../../src/loaders/raster.js';

export interface SyntheticBand {
  levels: Float32Array[];
}

export interface SyntheticOptions {
  href: string;
  crs: string | null;
  transform: GeoTransform;
  width: number;
  height: number;
  /** value of band b at full-res pixel (x, y) */
  value: (b: number, x: number, y: number) => number;
  bands?: number;
  nodata?: number | null;
  /** overview factors, e.g. [2, 4] */
  overviews?: number[];
}

export interface SyntheticRaster {
  reader: RasterReader;
  reads: { level: number; x0: number; y0: number; w: number; h: number; bands: number[] }[];
  /** pixel of a level, as stored */
  pixel(level: number, b: number, x: number, y: number): number;
}

export function syntheticRaster(o: SyntheticOptions): SyntheticRaster {
  const bands = o.bands ?? 1;
  const factors = [1, ...(o.overviews ?? [])];
  const levels: RasterLevel[] = factors.map((f) => {
    const width = Math.ceil(o.width / f),
      height = Math.ceil(o.height / f);
    const t = o.transform;
    return {
      width,
      height,
      transform: [t[0], (t[1] * o.width) / width, 0, t[3], 0, (t[5] * o.height) / height] as GeoTransform,
      tileWidth: 16,
      tileHeight: 16,
    };
  });
  // level k pixel (x, y) = full-res pixel (x * f, y * f): nearest decimation
  const pixel = (k: number, b: number, x: number, y: number): number =>
    o.value(b, Math.min(o.width - 1, x * factors[k]), Math.min(o.height - 1, y * factors[k]));
  const info: RasterInfo = {
    href: o.href,
    width: o.width,
    height: o.height,
    bands,
    dtype: 'float64',
    nodata: o.nodata ?? null,
    crs: o.crs,
    transform: o.transform,
    levels,
    hasMask: false,
  };
  const reads: SyntheticRaster['reads'] = [];
  const reader: RasterReader = {
    info,
    async readWindow(level: number, x0: number, y0: number, w: number, h: number, bs: number[]): Promise<WindowData> {
      reads.push({ level, x0, y0, w, h, bands: bs });
      const L = levels[level];
      const mask = new Uint8Array(w * h);
      const data = bs.map(() => new Float64Array(w * h));
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = x0 + x,
            sy = y0 + y;
          if (sx < 0 || sy < 0 || sx >= L.width || sy >= L.height) continue;
          mask[y * w + x] = 1;
          bs.forEach((b, i) => {
            data[i][y * w + x] = pixel(level, b, sx, sy);
          });
        }
      }
      return { data, mask };
    },
    async close() {},
  } as RasterReader;
  return { reader, reads, pixel };
}

/** An opener over a set of synthetic rasters, keyed by href. */
export function openerOf(...rasters: SyntheticRaster[]) {
  const byHref = new Map(rasters.map((r) => [r.reader.info.href, r.reader]));
  return async (href: string) => {
    const r = byHref.get(href);
    if (!r) throw new Error(`no synthetic raster ${href}`);
    return r;
  };
}

/** A raster whose window reads wait, counting how many are in flight. */
export interface DelayedRaster {
  reader: RasterReader;
  /** The most reads in flight at once so far (set it to 0 to count again). */
  peak: number;
}

/**
 * A 100 x 100 single-band raster `mem://s` in EPSG:32633 (pixel (x, y) holds x + 1000 y) whose
 * `readWindow` first waits `delayMs(x0)` milliseconds.
 */
export function delayedRaster(delayMs: (x0: number) => number): DelayedRaster {
  const r = syntheticRaster({
    href: 'mem://s',
    crs: 'EPSG:32633',
    transform: [0, 1, 0, 100, 0, -1],
    width: 100,
    height: 100,
    value: (_b, x, y) => x + 1000 * y,
  });
  let inFlight = 0;
  const out: DelayedRaster = {
    peak: 0,
    reader: {
      ...r.reader,
      info: r.reader.info,
      close: r.reader.close,
      readWindow: async (...a: Parameters<RasterReader['readWindow']>) => {
        inFlight++;
        out.peak = Math.max(out.peak, inFlight);
        await new Promise((res) => setTimeout(res, delayMs(a[1])));
        inFlight--;
        return r.reader.readWindow(...a);
      },
    },
  };
  return out;
}
