/**
 * Restricting sampling to where labels exist: image rows whose footprint is cut down to the parts
 * covered by labels (the spatial intersection of an image catalog with a label catalog).
 */
import * as clippingModule from 'polygon-clipping';
import { memoryCatalogFromRows } from '../catalog/from-rows.js';
import type { CatalogRow, GeoCatalog } from '../catalog/types.js';
import type { BBox } from '../geo/bbox.js';
import type { Position } from '../geo/geometry.js';
import { readWkb, writeWkb } from '../geo/wkb.js';

type Rings = Position[][][];

// polygon-clipping is CommonJS (module.exports = { union, intersection, ... }): its functions are on `default`.
const clipping = ((clippingModule as unknown as { default?: typeof clippingModule }).default ??
  clippingModule) as typeof clippingModule;

function polygonsOf(wkb: Uint8Array): Rings {
  const g = readWkb(wkb);
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

/**
 * An in-memory catalog of the image rows, each with its footprint replaced by the part of it that
 * label rows cover (the union of the label footprints intersecting it; point labels do not count),
 * and rows without any label dropped. Samplers over it draw chips where labels exist. Reads both
 * catalogs' matching rows into memory (use it on the region you train on).
 */
export async function restrictToLabels(images: GeoCatalog, labels: GeoCatalog): Promise<GeoCatalog> {
  const out: CatalogRow[] = [];
  for await (const img of images.rows()) {
    const fp = polygonsOf(img.geometry);
    const parts: Rings[] = [];
    for await (const l of labels.query({ bbox: img.bbox }).rows()) {
      const p = polygonsOf(l.geometry);
      if (p.length) parts.push(p);
    }
    if (parts.length === 0) continue;
    const covered = clipping.union(parts[0], ...parts.slice(1)) as Rings;
    const cut = clipping.intersection(fp, covered) as Rings;
    if (cut.length === 0) continue;
    const bbox: BBox = [Infinity, Infinity, -Infinity, -Infinity];
    for (const poly of cut)
      for (const [x, y] of poly[0]) {
        bbox[0] = Math.min(bbox[0], x);
        bbox[1] = Math.min(bbox[1], y);
        bbox[2] = Math.max(bbox[2], x);
        bbox[3] = Math.max(bbox[3], y);
      }
    out.push({ ...img, geometry: writeWkb({ type: 'MultiPolygon', coordinates: cut }), bbox });
  }
  return memoryCatalogFromRows(out, { source: `${images.source} where ${labels.source} has labels` });
}
