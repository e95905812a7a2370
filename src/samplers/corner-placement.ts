import { GeoError } from '../errors.js';
import { type BBox, bboxIntersection, type Geometry, type Position } from '../geo/index.js';
import { drawChip, type PixelGrid } from './chip-placement.js';
import type { FlatPolygons } from '../geo/flat-polygons.js';
import { convexInsidePolygons, rectInsideGeometry } from '../geo/rect-geometry.js';
import { pointTransformer } from '../geo/point-converter.js';

/**
 * How many positions {@link placeByCorners} tries before it gives up: each try transforms 4 corners,
 * so 16 tries cost about what transforming a densified scene footprint (~90 vertices) costs.
 */
export const CORNER_ATTEMPTS = 16;

/**
 * Margin added on each side of the footprint's box transformed to the slice CRS, as a share of its
 * width and height: covers the curvature of the transformed box's edges between the 3 points per
 * edge that are transformed (far below 1% for scene-sized boxes).
 */
const BOX_MARGIN = 0.02;

const isTransformFailure = (e: unknown): boolean => e instanceof GeoError && e.code === 'TRANSFORM_FAILED';

/**
 * The box, in the target CRS of `forward`, of an EPSG:4326 box's corners and edge midpoints (3 points
 * per edge, see BOX_MARGIN); null when a point does not transform.
 */
function boxInCrs(b: BBox, forward: (p: Position) => Position): BBox | null {
  const xs = [b[0], (b[0] + b[2]) / 2, b[2]];
  const ys = [b[1], (b[1] + b[3]) / 2, b[3]];
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (i === 1 && j === 1) continue;
      let p: Position;
      try {
        p = forward([xs[i], ys[j]]);
      } catch (e) {
        if (isTransformFailure(e)) return null;
        throw e;
      }
      if (p[0] < xmin) xmin = p[0];
      if (p[0] > xmax) xmax = p[0];
      if (p[1] < ymin) ymin = p[1];
      if (p[1] > ymax) ymax = p[1];
    }
  }
  return [xmin, ymin, xmax, ymax];
}

/**
 * Places a chip inside an EPSG:4326 footprint (polygon or multipolygon, see {@link flatPolygons}) on
 * a grid in another CRS without transforming the footprint: grid-aligned positions are drawn
 * uniformly (see {@link drawChip}) over the footprint's box transformed to `crs` (plus a margin) ∩
 * `clips`, and a chip is accepted when its 4 corners,
 * transformed to EPSG:4326, form a quadrilateral inside the footprint as stored
 * ({@link convexInsidePolygons}) and the chip lies inside `roi` (given in `crs`). The chip's edges
 * are taken as straight between its transformed corners; their true images curve away from those
 * lines by L²·tan(lat)/(8R) or so in UTM (about 0.1 m for a 2.56 km chip at 45°) — where the
 * footprint itself, with its EPSG:4326 edges taken as straight lines, is the stored geometry exactly.
 *
 * Returns null — the caller then transforms the footprint and places the chip exactly — when this
 * cannot decide: a footprint spanning 180° of longitude or more (antimeridian, poles), a box that
 * does not transform, a chip that does not fit the box, or no accepted position in
 * {@link CORNER_ATTEMPTS} tries (footprints about a chip wide, thin or ragged ones).
 */
export function placeByCorners(
  footprint: FlatPolygons,
  crs: string,
  roi: Geometry | undefined,
  clips: readonly (BBox | undefined)[],
  grid: PixelGrid,
  size: [number, number],
  rng: () => number,
): BBox | null {
  const box = footprint.bbox;
  if (!(box[2] - box[0] < 180)) return null;
  let bbox: BBox | null = boxInCrs(box, pointTransformer('EPSG:4326', crs));
  if (!bbox) return null;
  const mx = (bbox[2] - bbox[0]) * BOX_MARGIN;
  const my = (bbox[3] - bbox[1]) * BOX_MARGIN;
  bbox = [bbox[0] - mx, bbox[1] - my, bbox[2] + mx, bbox[3] + my];
  for (const clip of clips) if (bbox && clip) bbox = bboxIntersection(bbox, clip);
  if (!bbox) return null;
  const toWgs84 = pointTransformer(crs, 'EPSG:4326');
  const quad: Position[] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  return drawChip(bbox, grid, size, rng, CORNER_ATTEMPTS, (r) => {
    if (roi && !rectInsideGeometry(r, roi)) return false;
    try {
      quad[0] = toWgs84([r[0], r[1]]);
      quad[1] = toWgs84([r[2], r[1]]);
      quad[2] = toWgs84([r[2], r[3]]);
      quad[3] = toWgs84([r[0], r[3]]);
    } catch (e) {
      if (isTransformFailure(e)) return false;
      throw e;
    }
    return convexInsidePolygons(quad, footprint);
  });
}
