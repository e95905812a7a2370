/**
 * The built-in sample archive used by `npm run demo`, the examples and their tests: a synthetic
 * landscape near the UTM zone 32/33 boundary (about 11.75..12.25°E, 47.1..47.35°N) observed by twelve
 * 4-band uint16 scenes (six footprints, three in EPSG:32632 and three in EPSG:32633, two dates each,
 * with a no-data swath edge like real Sentinel-2 tiles), plus a uint8 label raster (0 water,
 * 1 vegetation, 2 bare ground; 255 = no data) in EPSG:32632. Every file is written by geoslice's own
 * COG writer. The landscape is a deterministic function of longitude/latitude, so scenes in both
 * zones agree with the labels wherever they overlap.
 *
 * The pixels are made hard enough that learning means something: the class spectra overlap, each scene
 * has its own per-band gain and offset (calibration) and a smooth haze field that brightens the
 * visible bands, and every pixel carries a brightness factor shared by its bands (illumination) plus
 * independent per-band noise. A per-pixel classifier therefore confuses the classes often; a model
 * that also looks at a pixel's neighbours (the noise is independent between pixels, the landscape is
 * not) does much better. Everything is seeded, so the archive is identical on every machine.
 */
import { mkdir, mkdtemp, readFile, writeFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import seedrandom from 'seedrandom';
import { transformPoint } from 'geoslice/geo';
import { writeCog } from 'geoslice/tiff';

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

const VERSION = 'sample-archive-v2';
const SIZE = 400; // pixels per scene side
const RES = 30; // metres
const DATES = ['2024-05-12', '2024-07-21'];
const CENTRES: [number, number][] = [
  [11.84, 47.17],
  [11.91, 47.27],
  [11.98, 47.19],
  [12.04, 47.26],
  [12.11, 47.17],
  [12.17, 47.27],
];
const REGION: [number, number, number, number] = [11.75, 47.1, 12.25, 47.35];

/**
 * The landscape class at a longitude/latitude: a sum of fixed sinusoids thresholded into water,
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
  const v =
    Math.sin(x / 3.1 + 0.7) +
    Math.sin(y / 2.3 - 1.1) +
    0.8 * Math.sin((x + y) / 4.7 + 2.0) +
    0.6 * Math.sin((x - 2 * y) / 1.9);
  if (v < -0.9) return 0;
  if (v < 1.0) return 1;
  return 2;
}

// Mean reflectance (x10000) of each class (water, vegetation, bare) per band (blue, green, red, nir),
// per date. Close on purpose: in May vegetation is sparse and near bare ground; water is dark but
// haze and calibration push it towards the others.
const SIGNATURES: number[][][] = [
  [
    [700, 680, 560, 520],
    [760, 860, 820, 1800],
    [1000, 1060, 1150, 1750],
  ],
  [
    [700, 660, 520, 480],
    [680, 880, 720, 2300],
    [1050, 1100, 1250, 1900],
  ],
];
const HAZE = [550, 420, 280, 120]; // peak additive haze per band (x10000)
const ILLUMINATION_SIGMA = 0.2; // per-pixel brightness factor, shared by the bands (log-normal)
const NOISE_SIGMA = 0.3; // per-pixel, per-band noise (log-normal)

/**
 * Creates the sample archive under `dir` (default `.cache/sample-archive`), or reuses it when a
 * previous run completed it (a stamp file records the version). Safe to call from several processes
 * at once: each builds its files in a private staging directory and renames them into place (same
 * content whoever wins), the stamp last. Returns the file list.
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
  const staging = await mkdtemp(join(dir, '.staging-'));
  try {
    await writeLabels(join(staging, 'labels.tif'));
    for (let f = 0; f < CENTRES.length; f++) {
      for (let d = 0; d < DATES.length; d++)
        await writeScene(join(staging, basename(scenes[f * DATES.length + d])), f, d);
    }
    for (const path of [archive.labels, ...scenes]) await rename(join(staging, basename(path)), path);
    await writeFile(join(staging, 'COMPLETE'), VERSION);
    await rename(join(staging, 'COMPLETE'), stamp);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
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
  await writeCog(
    path,
    {
      width,
      height,
      bands: 1,
      dtype: 'uint8',
      data: [data],
      crs,
      transform: [x0, RES, 0, y1, 0, -RES],
      nodata: 255,
      bandNames: ['label'],
    },
    { compression: 'deflate', overviews: false },
  );
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
  // calibration of this scene: per-band gain (±12%) and offset (0..200)
  const gain = [0, 1, 2, 3].map(() => 0.88 + 0.24 * rng());
  const offset = [0, 1, 2, 3].map(() => 200 * rng());
  // haze: a smooth wave across the scene, strength 30..100% of HAZE
  const hazeStrength = 0.3 + 0.7 * rng();
  const [fx, fy, phase] = [1 + 2 * rng(), 1 + 2 * rng(), 2 * Math.PI * rng()];
  for (let r = 0; r < SIZE; r++) {
    for (let c = 0; c < SIZE; c++) {
      const i = r * SIZE + c;
      if (c / SIZE + (1 - r / SIZE) < edge) continue; // 0 = nodata
      const [plon, plat] = transformPoint(crs, 'EPSG:4326', [x0 + (c + 0.5) * RES, y1 - (r + 0.5) * RES]);
      const sig = SIGNATURES[date][landscapeClass(plon, plat)];
      const haze = hazeStrength * (0.5 + 0.5 * Math.sin((2 * Math.PI * (fx * c + fy * r)) / SIZE + phase));
      const light = Math.exp(ILLUMINATION_SIGMA * gauss(rng));
      for (let b = 0; b < 4; b++) {
        const v = (sig[b] * light * Math.exp(NOISE_SIGMA * gauss(rng)) + HAZE[b] * haze) * gain[b] + offset[b];
        bands[b][i] = Math.min(65535, Math.max(1, Math.round(v)));
      }
    }
  }
  await writeCog(
    path,
    {
      width: SIZE,
      height: SIZE,
      bands: 4,
      dtype: 'uint16',
      data: bands,
      crs,
      transform: [x0, RES, 0, y1, 0, -RES],
      nodata: 0,
      bandNames: ['blue', 'green', 'red', 'nir'],
    },
    { compression: 'deflate', predictor: 2 },
  );
}

function snap(p: [number, number]): [number, number] {
  return [Math.round(p[0] / RES) * RES, Math.round(p[1] / RES) * RES];
}

function gauss(rng: () => number): number {
  const u = Math.max(1e-12, rng());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
