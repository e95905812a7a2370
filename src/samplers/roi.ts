import { SamplerError } from '../errors.js';
import { type BBox, bboxToPolygon, type CrsInput, type Geometry, geometryBBox, pointInGeometry } from '../geo/index.js';
import { toEqualArea } from '../geo/equal-area.js';
import { intersectionArea } from '../geo/intersection-area.js';
import { checkCrs } from './options.js';
import { densifiedBox, geometryToCrs } from '../geo/reproject.js';

/**
 * A region of interest prepared once per sampler: the user's box or polygon in its own CRS, in
 * EPSG:4326 (for catalog pruning), in the equal-area plane (for area weights) and, lazily, in every
 * slice CRS the sampler meets.
 */
export interface PreparedRoi {
  crs: string;
  bbox: BBox;
  wgs84: Geometry;
  equalArea: Geometry;
  inCrs(crs: string): Geometry;
}

/**
 * Validates and prepares the `roi` option (a box or a Polygon/MultiPolygon in `roiCrs`, default
 * EPSG:4326). Returns undefined when there is no roi.
 */
export function prepareRoi(roi: BBox | Geometry | undefined, roiCrs: CrsInput | undefined): PreparedRoi | undefined {
  if (roi === undefined) return undefined;
  const crs = checkCrs(roiCrs, 'roiCrs') ?? 'EPSG:4326';
  let geometry: Geometry;
  if (Array.isArray(roi)) {
    if (roi.length !== 4 || !roi.every(Number.isFinite) || roi[0] >= roi[2] || roi[1] >= roi[3]) {
      throw new SamplerError(
        'BAD_OPTION',
        `sampler option "roi" is ${JSON.stringify(roi)}; pass [xmin, ymin, xmax, ymax] with xmin < xmax and ymin < ymax, or a Polygon`,
        { subject: 'roi' },
      );
    }
    geometry = crs === 'EPSG:4326' ? bboxToPolygon(roi) : densifiedBox(roi);
  } else if (roi && (roi.type === 'Polygon' || roi.type === 'MultiPolygon')) {
    geometry = roi;
  } else {
    throw new SamplerError(
      'BAD_OPTION',
      `sampler option "roi" is a ${(roi as { type?: string })?.type ?? typeof roi}; pass a bbox or a Polygon/MultiPolygon geometry`,
      { subject: 'roi' },
    );
  }
  const bbox = geometryBBox(geometry);
  const wgs84 = geometryToCrs(geometry, crs, 'EPSG:4326');
  const byCrs = new Map<string, Geometry>([[crs, geometry]]);
  return {
    crs,
    bbox,
    wgs84,
    equalArea: toEqualArea(wgs84),
    inCrs(to: string): Geometry {
      let g = byCrs.get(to);
      if (!g) {
        g = geometryToCrs(geometry, crs, to);
        byCrs.set(to, g);
      }
      return g;
    },
  };
}

/**
 * True when an EPSG:4326 footprint shares area with the roi (a point footprint: lies in it).
 */
export function footprintOverlapsRoi(footprint: Geometry, roi: PreparedRoi): boolean {
  if (footprint.type === 'Point') return pointInGeometry(roi.wgs84, footprint.coordinates[0], footprint.coordinates[1]);
  return intersectionArea(toEqualArea(footprint), roi.equalArea) > 0;
}
