/**
 * Seeded random catalogs and queries shared by the memory-backend and differential tests.
 * Footprints mix axis-aligned rectangles, triangles, rotated rectangles (whose bbox corners are empty,
 * so bbox-only filtering is wrong there) and MultiPolygons; times mix ranges, instants, NULLs and
 * half-NULL ranges.
 */
import seedrandom from 'seedrandom';
import type { BBox } from '../../src/geo/bbox.js';
import { geometryBBox, type Geometry, type Position } from '../../src/geo/geometry.js';
import type { TimeInterval } from '../../src/geo/interval.js';
import { writeWkb } from '../../src/geo/wkb.js';
import type { CatalogQuery, CatalogRow } from '../../src/catalog/types.js';

export type Rng = () => number;

export function rng(seed: string): Rng {
  return seedrandom(seed);
}

const DAY = 86_400_000;
const T0 = Date.UTC(2023, 0, 1);
/** Region of the random catalogs: inside UTM zone 33N (EPSG:32633) so projected queries make sense. */
export const REGION: BBox = [12, 44, 18, 50];

function closeRing(pts: Position[]): Position[] {
  return [...pts, [pts[0][0], pts[0][1]]];
}

function rotatedRect(cx: number, cy: number, w: number, h: number, angle: number): Position[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const corners: Position[] = [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ];
  return closeRing(corners.map(([x, y]) => [cx + x * c - y * s, cy + x * s + y * c]));
}

function triangle(r: Rng, cx: number, cy: number, size: number): Position[] {
  const pts: Position[] = [];
  for (let k = 0; k < 3; k++) {
    const a = (k * 2 * Math.PI) / 3 + r() * 1.5;
    pts.push([cx + Math.cos(a) * size * (0.4 + r() * 0.6), cy + Math.sin(a) * size * (0.4 + r() * 0.6)]);
  }
  return closeRing(pts);
}

/** A random footprint of one of the four kinds around (cx, cy). */
export function randomGeometry(r: Rng, cx: number, cy: number): Geometry {
  const size = 0.05 + r() * 0.4;
  const kind = r();
  if (kind < 0.3) return { type: 'Polygon', coordinates: [rotatedRect(cx, cy, size, size * (0.5 + r()), 0)] };
  if (kind < 0.55) return { type: 'Polygon', coordinates: [triangle(r, cx, cy, size)] };
  if (kind < 0.85)
    return {
      type: 'Polygon',
      coordinates: [rotatedRect(cx, cy, size, size * (0.1 + r() * 0.5), Math.PI / 8 + r() * (Math.PI / 4))],
    };
  return {
    type: 'MultiPolygon',
    coordinates: [
      [rotatedRect(cx, cy, size / 2, size / 2, r() * Math.PI)],
      [triangle(r, cx + size, cy + size * (r() - 0.5), size / 2)],
    ],
  };
}

function randomTimes(r: Rng): { tmin: Date | null; tmax: Date | null } {
  const k = r();
  const start = T0 + Math.floor(r() * 730) * DAY + Math.floor(r() * DAY);
  if (k < 0.1) return { tmin: null, tmax: null };
  if (k < 0.14) return { tmin: new Date(start), tmax: null };
  if (k < 0.18) return { tmin: null, tmax: new Date(start) };
  if (k < 0.5) return { tmin: new Date(start), tmax: new Date(start) };
  return { tmin: new Date(start), tmax: new Date(start + Math.floor(r() * 60) * DAY) };
}

/** `n` seeded random rows inside {@link REGION}, ids `r0`, `r1`... */
export function randomRows(n: number, seed: string, idPrefix = 'r'): CatalogRow[] {
  const r = rng(seed);
  const rows: CatalogRow[] = [];
  for (let i = 0; i < n; i++) {
    const cx = REGION[0] + 0.3 + r() * (REGION[2] - REGION[0] - 0.8);
    const cy = REGION[1] + 0.3 + r() * (REGION[3] - REGION[1] - 0.8);
    const g = randomGeometry(r, cx, cy);
    const splitDraw = r();
    rows.push({
      id: `${idPrefix}${i}`,
      assets: {
        B04: { href: `s3://bucket/${idPrefix}${i}/B04.tif` },
        ...(r() < 0.5 ? { B08: { href: `s3://bucket/${idPrefix}${i}/B08.tif`, band: 1 } } : {}),
      },
      geometry: writeWkb(g),
      bbox: geometryBBox(g),
      ...randomTimes(r),
      crs: r() < 0.5 ? 'EPSG:32633' : 'EPSG:32634',
      backend: 'raster',
      extras: {
        cloud_pct: r() < 0.05 ? null : Math.round(r() * 1000) / 10,
        split: splitDraw < 0.7 ? 'train' : splitDraw < 0.85 ? 'val' : 'test',
        tile: `T${Math.floor(cx)}${Math.floor(cy)}`,
      },
    });
  }
  return rows;
}

/** A random interval in the catalogs' two years (sometimes open on one side). */
export function randomInterval(r: Rng): TimeInterval {
  const a = T0 + Math.floor(r() * 760 - 15) * DAY;
  const b = a + Math.floor(r() * 120) * DAY;
  const k = r();
  return { start: k < 0.1 ? null : new Date(a), end: k > 0.9 ? null : new Date(b) };
}

/** A random small EPSG:4326 box inside the region (0.01..0.5 degrees wide). */
export function randomBox(r: Rng): BBox {
  const w = 0.01 + r() * 0.5;
  const h = 0.01 + r() * 0.5;
  const x = REGION[0] + r() * (REGION[2] - REGION[0] - w);
  const y = REGION[1] + r() * (REGION[3] - REGION[1] - h);
  return [x, y, x + w, y + h];
}

/** A random query without SQL: bbox (4326 or UTM 33N), interval, includeUndated, each sometimes absent. */
export function randomQuery(r: Rng): CatalogQuery {
  const q: CatalogQuery = {};
  if (r() < 0.85) {
    if (r() < 0.5) q.bbox = randomBox(r);
    else {
      const x = 200_000 + r() * 500_000;
      const y = 4_900_000 + r() * 600_000;
      const w = 1_000 + r() * 40_000;
      q.bbox = [x, y, x + w, y + w * (0.5 + r())];
      q.crs = 'EPSG:32633';
    }
  }
  if (r() < 0.6) {
    q.interval = randomInterval(r);
    if (r() < 0.4) q.includeUndated = true;
  }
  return q;
}
