/**
 * Vector data: feature geometries of every GeoJSON type (from GeoJSON or WKB), reprojection with
 * densification, and layers read from GeoParquet, GeoJSON, GeoJSON-seq and FlatGeobuf files.
 *
 * @example
 * ```ts
 * import { openVectorLayer } from 'geoslice/vector';
 *
 * const layer = await openVectorLayer('buildings.fgb');
 * for await (const f of layer.features({ bbox: [10, 45, 11, 46] })) console.log(f.id, f.properties);
 * ```
 * @module
 */
export * from './geometry.js';
export { reprojectGeometry, type ReprojectOptions } from './reproject.js';
export { openVectorLayer, vectorFormatOf } from './open.js';
export { bboxHits, layerName, type LayerFeature, type VectorFormat, type VectorLayer } from './types.js';
export { clipToBox, geometryIntersectsBox } from './clip.js';
export { buildVectorCatalog, type BuildVectorOptions } from './build-vector-catalog.js';
export { loadVector, type LoadVectorOptions, type SliceFeature } from './load-vector.js';
