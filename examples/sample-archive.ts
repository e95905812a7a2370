/**
 * The built-in sample archive used by `npm run demo`, the examples and their tests: a synthetic
 * landscape near the UTM zone 32/33 boundary (about 11.75..12.25°E, 47.1..47.35°N) observed by twelve
 * 4-band uint16 scenes (six footprints, three in EPSG:32632 and three in EPSG:32633, two dates each,
 * with a no-data swath edge like real Sentinel-2 tiles), plus a uint8 label raster (0 water,
 * 1 vegetation, 2 bare ground; 255 = no data) in EPSG:32632. Every file is written by geoslice's own
 * COG writer. The landscape is a deterministic function of longitude/latitude, so scenes in both
 * zones agree with the labels wherever they overlap.
 */
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { transformPoint } from '../src/geo/transform.js';
import { writeCog } from '../src/stitch/cog-writer.js';

/** Class names of the label raster, by class id. */
export const SAMPLE_CLASSES = ['water', 'vegetation', 'bare'] as const;

/** Where the archive lives and what it holds. */
export interface SampleArchive {
  dir: string;
  /** Scene files (`<footprint>_<yyyymmdd>.tif`). */
  scenes: string[];
  /** The label raster. */
  labels: string;
  /** Region of interest used by the demo, EPSG:4326. */
  region: [number, number, number, number];
}

const VERSION = 'sample-archive-v1';
const SIZE = 400; // pixels per scene side
const RES = 30; // metres
const DATES = ['2024-05-12', '2024-07-21'];
const CENTRES: [number, number][] = [
  [11.84, 47.17], [11.91, 47.27], [11.98, 47.19], [12.04, 47.26], [12.11, 47.17], [12.17, 47.27],
];
const REGION: [number, number, number, number] = [11.75, 47.1, 12.25, 47.35];

/**
 * The landscape class at a longitude/latitude: a sum of seeded sinusoids thresholded into water,
 * vegetation and bare ground (deterministic, no randomness at call time).
 *
 * @example
 * ```ts
 * landscapeClass(12, 47.2); // 0, 1 or 2
 * ```
 */
export function landscapeClass(lon: number, lat: number): number {
  const x = (lon - 12) * 75; // ~km east of 12°E
  const y = (lat - 47.2) * 111; // ~km north
  const v = Math.sin(x / 3.1 + 0.7) + Math.sin(y / 2.3 - 1.1) + 0.8 * Math.sin((x + y) / 4.7 + 2.0) + 0.6 * Math.sin((x - 2 * y) / 1.9);
  if (v < -0.9) return 0;
  if (v < 1.0) return 1;
  return 2;
}

// Mean reflectance (x10000) of each class per band (blue, green, red, nir), per date.
const SIGNATURES: number[][][] = [
  [[600, 500, 300, 150], [900, 1000, 1200, 1300], [1500, 1400, 1600, 1900]],
  [[650, 550, 350, 180], [700, 900, 800, 3600], [1600, 1500, 1700, 2000]],
];

/**
 * Creates the sample archive under `dir` (default `.cache/sample-archive`), or reuses it when a
 * previous run completed it (a stamp file records the version). Returns the file list.
 *
 * @example
 * ```ts
 * const archive = await ensureSampleArchive();
 * console.log(archive.scenes.length); // 12
 * ```
 */
export async function ensureSampleArchive(dir = join('.cache', 'sample-archive')): Promise<SampleArchive> {
  const scenes: string[] = [];
  CENTRES.forEach((_, f) => DATES.forEach((d) => scenes.push(join(dir, `fp${f}_${d.replaceAll('-', '')}.tif`))));
  const archive: SampleArchive = { dir, scenes, labels: join(dir, 'labels.tif'), region: REGION };
  const stamp = join(dir, 'COMPLETE');
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')).trim() === VERSION) return archive;
  await mkdir(dir, { recursive: true });
  await writeLabels(archive.labels);
  for (let f = 0; f < CENTRES.length; f++) {
    for (let d = 0; d < DATES.length; d++) await writeScene(join(dir, `fp${f}_${DATES[d].replaceAll('-', '')}.tif`), f, d);
  }
  await writeFile(`${stamp}.tmp`, VERSION);
  await rename(`${stamp}.tmp`, stamp);
  return archive;
}

async function writeLabels(path: string): Promise<void> {
  const crs = 'EPSG:32632';
  const [x0, y1] = snap(transformPoint('EPSG:4326', crs, [REGION[0], REGION[3]]));
  const [x1, y0] = snap(transformPoint('EPSG:4326', crs, [REGION[2], REGION[1]]));
  const width = Math.round((x1 - x0) / RES);
  const height = Math.round((y1 - y0) / RES);
  const data = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const [lon, lat] = transformPoint(crs, 'EPSG:4326', [x0 + (c + 0.5) * RES, y1 - (r + 0.5) * RES]);
      data[r * width + c] = landscapeClass(lon, lat);
    }
  }
  await writeCog(path, { width, height, bands: 1, dtype: 'uint8', data: [data], crs, transform: [x0, RES, 0, y1, 0, -RES], nodata: 255, bandNames: ['label'] },
    { compression: 'deflate', overviews: false });
}

async function writeScene(path: string, footprint: number, date: number): Promise<void> {
  const [lon, lat] = CENTRES[footprint];
  const crs = lon < 12 ? 'EPSG:32632' : 'EPSG:32633';
  const [cx, cy] = snap(transformPoint('EPSG:4326', crs, [lon, lat]));
  const x0 = cx - (SIZE / 2) * RES;
  const y1 = cy + (SIZE / 2) * RES;
  const rng = seedrandom(`${VERSION}:${footprint}:${date}`);
  const bands = [0, 1, 2, 3].map(() => new Uint16Array(SIZE * SIZE));
  const edge = 0.35 + 0.3 * rng(); // a diagonal swath edge cuts one corner: no data there
  for (let r = 0; r < SIZE; r++) {
    for (let c = 0; c < SIZE; c++) {
      const i = r * SIZE + c;
      if ((c / SIZE) + (1 - r / SIZE) < edge) continue; // 0 = nodata
      const [plon, plat] = transformPoint(crs, 'EPSG:4326', [x0 + (c + 0.5) * RES, y1 - (r + 0.5) * RES]);
      const sig = SIGNATURES[date][landscapeClass(plon, plat)];
      for (let b = 0; b < 4; b++) bands[b][i] = Math.max(1, Math.round(sig[b] * (1 + 0.12 * gauss(rng))));
    }
  }
  await writeCog(path, { width: SIZE, height: SIZE, bands: 4, dtype: 'uint16', data: bands, crs, transform: [x0, RES, 0, y1, 0, -RES], nodata: 0,
    bandNames: ['blue', 'green', 'red', 'nir'] }, { compression: 'deflate', predictor: 2 });
}

function snap(p: [number, number]): [number, number] {
  return [Math.round(p[0] / RES) * RES, Math.round(p[1] / RES) * RES];
}

function gauss(rng: () => number): number {
  const u = Math.max(1e-12, rng());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
