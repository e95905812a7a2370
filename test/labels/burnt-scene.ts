// A synthetic scene for the label tests: three polygons (one with a hole) drawn in UTM metres and
// stored as GeoJSON in EPSG:4326, burnt by gdal_rasterize into a 256 × 256 UTM 33N image at 2 m
// (background 10, inside value 100 + 50 × class), with a raster catalog of the image and a per-feature
// vector catalog of the polygons.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import type { GeoCatalog } from '../../src/catalog/types.js';
import { transformPoint } from '../../src/geo/transform.js';
import { buildVectorCatalog } from '../../src/vector/build-vector-catalog.js';

/** Origin (top-left, EPSG:32633), pixel size and side of the image. */
export const [X0, Y0, RES, N] = [500000, 5760000, 2, 256];

export interface BurntScene {
  imagery: GeoCatalog;
  labels: GeoCatalog;
  /** Outer rings in metres from the image's bottom-left corner, with their class. */
  polygons: { cls: number; ring: [number, number][] }[];
}

/** Writes the scene into `dir` and opens its catalogs (the caller closes them). */
export async function burntScene(dir: string): Promise<BurntScene> {
  // Three polygons (one with a hole) drawn in UTM metres, stored in EPSG:4326.
  const polygons: { cls: number; ring: [number, number][] }[] = [];
  const shapes: { cls: number; rings: [number, number][][] }[] = [
    {
      cls: 1,
      rings: [
        [
          [20, 30],
          [180, 50],
          [150, 200],
          [40, 170],
          [20, 30],
        ],
      ],
    },
    {
      cls: 2,
      rings: [
        [
          [300, 300],
          [480, 310],
          [470, 480],
          [310, 470],
          [300, 300],
        ],
        [
          [360, 360],
          [420, 360],
          [420, 420],
          [360, 420],
          [360, 360],
        ],
      ],
    },
    {
      cls: 3,
      rings: [
        [
          [60, 380],
          [200, 330],
          [230, 470],
          [60, 380],
        ],
      ],
    },
  ];
  const toWgs = (p: [number, number]) => transformPoint('EPSG:32633', 'EPSG:4326', [X0 + p[0], Y0 - 512 + p[1]]);
  const features = shapes.map((s) => {
    polygons.push({ cls: s.cls, ring: s.rings[0] });
    return {
      type: 'Feature',
      properties: { class_id: s.cls },
      geometry: { type: 'Polygon', coordinates: s.rings.map((r) => r.map(toWgs)) },
    };
  });
  const geojson = join(dir, 'labels.geojson');
  writeFileSync(geojson, JSON.stringify({ type: 'FeatureCollection', features }));
  const tif = join(dir, 'image.tif');
  execFileSync('gdal_create', [
    '-q',
    '-of',
    'GTiff',
    '-outsize',
    String(N),
    String(N),
    '-bands',
    '1',
    '-ot',
    'Byte',
    '-burn',
    '10',
    '-a_srs',
    'EPSG:32633',
    '-a_ullr',
    String(X0),
    String(Y0),
    String(X0 + N * RES),
    String(Y0 - N * RES),
    tif,
  ]);
  // Image value = 100 + 50 * class inside the polygons (GDAL reprojects the EPSG:4326 features).
  const withValue = join(dir, 'value.geojson');
  writeFileSync(
    withValue,
    JSON.stringify({
      type: 'FeatureCollection',
      features: features.map((f) => ({ ...f, properties: { v: 100 + 50 * f.properties.class_id } })),
    }),
  );
  execFileSync('gdal_rasterize', ['-q', '-a', 'v', withValue, tif]);
  const imagery = (await buildRasterCatalog([tif], { out: join(dir, 'images.parquet'), workers: 0, progress: false }))
    .catalog;
  const labels = (await buildVectorCatalog(geojson, { out: join(dir, 'labels.parquet'), granularity: 'feature' }))
    .catalog;
  return { imagery, labels, polygons };
}
