import type { BBox } from '../geo/bbox.js';
import type { Geometry, Position } from '../geo/geometry.js';
import { geometryBBox } from '../geo/geometry.js';
import { StitchError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { frameMap } from './frame.js';
import { rampColor, writePng } from './png.js';

/** What {@link renderCoverageMap} drew. */
export interface CoverageMapInfo {
  /** Size of the PNG (the map with its title, legend and scale bar). */
  width: number;
  height: number;
  /** The map extent (EPSG:4326). */
  extent: BBox;
  /** The most footprints covering one pixel. */
  maxCount: number;
  footprints: number;
}

/** Options of {@link renderCoverageMap}. */
export interface CoverageMapOptions {
  /** Width of the map in pixels. Default 800. */
  width?: number;
  /** The map extent (EPSG:4326). Default: the footprints' extent, padded. */
  extent?: BBox;
  /** Default: the footprint count. */
  title?: string;
}

/** The keys of {@link CoverageMapOptions} (the compiler checks the list is complete). */
const COVERAGE_MAP_OPTION_KEYS = optionKeys<CoverageMapOptions>()(['width', 'extent', 'title']);

/**
 * Draws catalog footprints (EPSG:4326) as a PNG: each pixel is coloured by how many footprints cover
 * it (dark = one, bright = many; grey = none), with every footprint outlined in white; above it a
 * title (default: the footprint count), below it a colour bar of the counts and a scale bar (true
 * along the map's centre latitude; the map is plate carrée). The map is `width` pixels wide.
 * Memory is one counter per pixel, whatever the number of footprints.
 *
 * @example
 * ```ts
 * import { openCatalog } from 'geoslice';
 * import { readWkb } from 'geoslice/geo';
 * import { renderCoverageMap } from 'geoslice/quicklook';
 *
 * const catalog = await openCatalog('scenes.parquet');
 * const footprints = [];
 * for await (const row of catalog.rows()) footprints.push(readWkb(row.geometry));
 * const info = await renderCoverageMap(footprints, 'coverage.png', { width: 800 });
 * console.log(info.maxCount);
 * ```
 */
export async function renderCoverageMap(
  geometries: AsyncIterable<Geometry> | Iterable<Geometry>,
  path: string,
  opts: CoverageMapOptions = {},
): Promise<CoverageMapInfo> {
  checkOptionKeys(opts, COVERAGE_MAP_OPTION_KEYS, `renderCoverageMap ${path}`, StitchError);
  const geoms: Geometry[] = [];
  for await (const g of geometries) geoms.push(g);
  const extent = opts.extent ?? paddedExtent(geoms);
  const width = opts.width ?? 800;
  const height = Math.max(1, Math.round((width * (extent[3] - extent[1])) / Math.max(1e-12, extent[2] - extent[0])));
  const counts = new Uint32Array(width * height);
  const outline = new Uint8Array(width * height);
  const toPx = (p: Position): [number, number] => [
    ((p[0] - extent[0]) / (extent[2] - extent[0])) * width,
    ((extent[3] - p[1]) / (extent[3] - extent[1])) * height,
  ];
  for (const g of geoms) {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    const rings = polys.flat().map((ring) => ring.map(toPx));
    fillEvenOdd(rings, width, height, counts);
    for (const ring of rings) drawRing(ring, width, height, outline);
  }
  let maxCount = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > maxCount) maxCount = counts[i];
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < counts.length; i++) {
    if (outline[i]) {
      rgba.set([255, 255, 255, 255], i * 4);
    } else if (counts[i] > 0) {
      const c = rampColor(maxCount > 1 ? (counts[i] - 1) / (maxCount - 1) : 0.5);
      rgba.set([c[0], c[1], c[2], 255], i * 4);
    }
  }
  const centreLat = ((extent[1] + extent[3]) / 2) * (Math.PI / 180);
  const metresPerPixel = ((extent[2] - extent[0]) / width) * METRES_PER_DEGREE * Math.cos(centreLat);
  const framed = frameMap(rgba, width, height, {
    title: opts.title ?? `Catalog coverage: ${geoms.length} footprints`,
    legend: { kind: 'ramp', label: 'footprints per pixel', range: [Math.min(1, maxCount), maxCount] },
    metresPerPixel,
  });
  await writePng(path, framed.width, framed.height, framed.data);
  return { width: framed.width, height: framed.height, extent, maxCount, footprints: geoms.length };
}

/** Metres per degree of longitude on the equator (WGS 84 semi-major axis x pi / 180). */
const METRES_PER_DEGREE = (6_378_137 * Math.PI) / 180;

function paddedExtent(geoms: Geometry[]): BBox {
  let e: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const g of geoms) {
    const b = geometryBBox(g);
    e = [Math.min(e[0], b[0]), Math.min(e[1], b[1]), Math.max(e[2], b[2]), Math.max(e[3], b[3])];
  }
  if (!(e[0] <= e[2])) return [-180, -90, 180, 90];
  const pad = Math.max(e[2] - e[0], e[3] - e[1], 1e-6) * 0.05;
  return [e[0] - pad, e[1] - pad, e[2] + pad, e[3] + pad];
}

/** Adds 1 to every pixel whose centre is inside the polygon (even-odd over its rings). */
function fillEvenOdd(rings: [number, number][][], width: number, height: number, counts: Uint32Array): void {
  const xs: number[] = [];
  for (let row = 0; row < height; row++) {
    const y = row + 0.5;
    xs.length = 0;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > y !== yj > y) xs.push(xi + ((y - yi) * (xj - xi)) / (yj - yi));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const c0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const c1 = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      for (let c = c0; c <= c1; c++) counts[row * width + c]++;
    }
  }
}

function drawRing(ring: [number, number][], width: number, height: number, outline: Uint8Array): void {
  for (let i = 1; i < ring.length; i++) {
    const [x0, y0] = ring[i - 1];
    const [x1, y1] = ring[i];
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= steps; s++) {
      const c = Math.floor(x0 + ((x1 - x0) * s) / steps);
      const r = Math.floor(y0 + ((y1 - y0) * s) / steps);
      if (c >= 0 && c < width && r >= 0 && r < height) outline[r * width + c] = 1;
    }
  }
}
