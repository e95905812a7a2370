/**
 * The vector layer types: one file of features (GeoParquet, GeoJSON, GeoJSON-seq or FlatGeobuf) with its
 * CRS, field names and a streaming, bbox-pruned feature iterator.
 */
import type { BBox } from '../geo/bbox.js';
import type { VectorGeometry } from './geometry.js';

/**
 * The file formats {@link openVectorLayer} reads.
 */
export type VectorFormat = 'geoparquet' | 'geojson' | 'geojsonseq' | 'flatgeobuf';

/**
 * One feature read from a layer: a stable id (`<layer>#<index in file>`), geometry in the layer's CRS, properties.
 */
export interface LayerFeature {
  id: string;
  geometry: VectorGeometry;
  properties: Record<string, unknown>;
}

/**
 * An opened vector file.
 */
export interface VectorLayer {
  /** The path or URL it was opened from. */
  readonly href: string;
  readonly format: VectorFormat;
  /** The layer name: the file's base name without extension. */
  readonly name: string;
  /** CRS of the coordinates, canonical (`EPSG:n`). */
  readonly crs: string;
  /** Property names, in file order. */
  readonly fields: string[];
  /** Feature count when the file declares it (FlatGeobuf, GeoParquet), else null. */
  readonly count: number | null;
  /**
   * Streams the features (with `bbox`, in the layer's CRS: those whose bounds intersect it, pruned by
   * the file's index or row-group statistics where it has them). Empty geometries are skipped.
   */
  features(opts?: { bbox?: BBox }): AsyncIterable<LayerFeature>;
}

/**
 * The layer name of a file: its base name without extension.
 */
export function layerName(href: string): string {
  const base =
    href
      .replace(/[?#].*$/, '')
      .split(/[\\/]/)
      .pop() ?? href;
  return base.replace(/\.[^.]+$/, '');
}

/**
 * True when a feature's bounds intersect `bbox` (no bbox: always).
 */
export function bboxHits(b: BBox | null, bbox: BBox | undefined): boolean {
  if (!bbox) return true;
  return !!b && b[0] <= bbox[2] && bbox[0] <= b[2] && b[1] <= bbox[3] && bbox[1] <= b[3];
}
