/**
 * GeoKey ids and values (GeoTIFF 1.1, section 7) and the GeoKeyDirectory layout, for both reading
 * and writing.
 *
 * @example
 * ```ts
 * GEOKEY.ProjectedCSType; // 3072
 * ```
 */
export const GEOKEY = {
  GTModelType: 1024,
  GTRasterType: 1025,
  GeographicType: 2048,
  ProjectedCSType: 3072,
} as const;

/**
 * GTModelTypeGeoKey values.
 *
 * @example
 * ```ts
 * MODEL_TYPE.GEOGRAPHIC; // 2
 * ```
 */
export const MODEL_TYPE = { PROJECTED: 1, GEOGRAPHIC: 2 } as const;

/**
 * GTRasterTypeGeoKey values.
 *
 * @example
 * ```ts
 * RASTER_TYPE.PIXEL_IS_POINT; // 2
 * ```
 */
export const RASTER_TYPE = { PIXEL_IS_AREA: 1, PIXEL_IS_POINT: 2 } as const;

/**
 * A short-valued (inline) GeoKey from a GeoKeyDirectory, or undefined.
 *
 * @example
 * ```ts
 * geoKey([1, 1, 0, 1, 3072, 0, 1, 32633], GEOKEY.ProjectedCSType); // 32633
 * ```
 */
export function geoKey(dir: readonly number[] | undefined, id: number): number | undefined {
  if (!dir || dir.length < 4) return undefined;
  const n = dir[3];
  for (let k = 0; k < n; k++) {
    const e = 4 + k * 4;
    if (e + 3 >= dir.length) break;
    if (dir[e] === id && dir[e + 1] === 0) return dir[e + 3];
  }
  return undefined;
}

/**
 * A GeoKeyDirectory (version 1.1.0) holding short-valued keys, sorted by key id as GeoTIFF requires.
 *
 * @example
 * ```ts
 * geoKeyDirectory([[GEOKEY.ProjectedCSType, 32633]]); // [1, 1, 0, 1, 3072, 0, 1, 32633]
 * ```
 */
export function geoKeyDirectory(keys: readonly (readonly [number, number])[]): number[] {
  const dir = [1, 1, 0, keys.length];
  for (const [id, value] of [...keys].sort((a, b) => a[0] - b[0])) dir.push(id, 0, 1, value);
  return dir;
}
