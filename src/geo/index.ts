/**
 * Geometry and coordinate-system building blocks: boxes, time intervals, slices, the offline CRS
 * registry, transforms, GeoJSON-like geometries, WKB and Hilbert keys.
 *
 * @example
 * ```ts
 * import { footprintWgs84, writeWkb } from 'geoslice/geo';
 *
 * const { geometry, bbox } = footprintWgs84([500000, 5760000, 510000, 5770000], 'EPSG:32633');
 * console.log(bbox, writeWkb(geometry).length);
 * ```
 */
export * from './bbox.js';
export * from './interval.js';
export * from './slice.js';
export * from './crs.js';
export * from './transform.js';
export * from './geometry.js';
export * from './wkb.js';
export * from './hilbert.js';
