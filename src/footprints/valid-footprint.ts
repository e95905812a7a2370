/**
 * The valid-data footprint of a raster, like `gdal_footprint`: its validity mask (nodata, NaN, internal
 * mask) read at a coarse overview, reduced to cells (a cell is valid when any of its pixels is),
 * polygonized, simplified, and mapped to EPSG:4326.
 */
import { RasterError } from '../errors.js';
import type { Geometry, Position } from '../geo/geometry.js';
import { transformPoint } from '../geo/transform.js';
import { openRaster, type RasterReader } from '../loaders/raster.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { polygonizeMask } from './polygonize.js';

/**
 * Options of {@link validFootprint}.
 */
export interface ValidFootprintOptions {
  /** The mask is reduced to at most this many cells along its longer side. Default 512. */
  maxCells?: number;
  /**
   * Douglas–Peucker tolerance in cells. Default 0: the exact outline of the valid cells (collinear
   * corners dropped), which keeps the guarantee below; larger values give fewer vertices.
   */
  simplify?: number;
}

/** The keys of {@link ValidFootprintOptions} (the compiler checks the list is complete). */
const VALID_FOOTPRINT_OPTION_KEYS = optionKeys<ValidFootprintOptions>()(['maxCells', 'simplify']);

/**
 * The EPSG:4326 polygon (MultiPolygon) of a raster's valid pixels, or null when it has none. Reads the
 * smallest overview that still has `maxCells` pixels along its longer side (the full resolution when
 * there is none), in strips, so memory stays small, and groups its pixels into at most `maxCells`
 * cells per side. A cell counts when all its pixels are valid, and the outline is inset by 1% of a
 * cell, so a chip that shares area with the footprint covers valid pixels of that level.
 */
export async function validFootprint(href: string, opts: ValidFootprintOptions = {}): Promise<Geometry | null> {
  checkOptionKeys(opts, VALID_FOOTPRINT_OPTION_KEYS, `validFootprint ${href}`, RasterError);
  const reader = await openRaster(href);
  try {
    return await footprintOf(reader, opts);
  } finally {
    await reader.close();
  }
}

async function footprintOf(reader: RasterReader, opts: ValidFootprintOptions): Promise<Geometry | null> {
  const info = reader.info;
  if (!info.crs) throw new RasterError('NO_CRS', `${info.href} has no EPSG CRS, so it has no EPSG:4326 footprint`);
  const maxCells = opts.maxCells ?? 512;
  // The coarsest level that keeps at least maxCells pixels on its longer side.
  let level = 0;
  info.levels.forEach((l, i) => {
    if (Math.max(l.width, l.height) >= maxCells) level = i;
  });
  const { width, height, transform } = info.levels[level];
  const factor = Math.max(1, Math.ceil(Math.max(width, height) / maxCells));
  const cw = Math.ceil(width / factor);
  const ch = Math.ceil(height / factor);
  // A cell is valid when every pixel of it is: start valid, clear on any invalid pixel.
  const cells = new Uint8Array(cw * ch).fill(1);
  const bands = Array.from({ length: info.bands }, (_, b) => b);
  const strip = factor * Math.max(1, Math.floor(256 / factor));
  for (let y0 = 0; y0 < height; y0 += strip) {
    const h = Math.min(strip, height - y0);
    const w = await reader.readWindow(level, 0, y0, width, h, bands);
    const mask = w.mask;
    for (let r = 0; r < h; r++) {
      const cr = Math.floor((y0 + r) / factor) * cw;
      if (mask) for (let c = 0; c < width; c++) if (!mask[r * width + c]) cells[cr + Math.floor(c / factor)] = 0;
    }
  }
  const polygons = polygonizeMask(cells, cw, ch, opts.simplify ?? 0, 0.01);
  if (polygons.length === 0) return null;
  const [x0, xres, , y0, , yres] = transform;
  const crs = info.crs;
  const toWgs = ([c, r]: Position): Position =>
    transformPoint(crs, 'EPSG:4326', [
      x0 + Math.min(c * factor, width) * xres,
      y0 + Math.min(r * factor, height) * yres,
    ]);
  // Cell corners map to the level's pixel corners (the last cell may be partial: clamp to the raster).
  const coords = polygons.map((rings) => rings.map((ring) => ring.map(toWgs)));
  return { type: 'MultiPolygon', coordinates: coords };
}
