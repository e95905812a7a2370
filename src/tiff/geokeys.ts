/**
 * GeoKey ids and values (GeoTIFF 1.1, section 7) and the GeoKeyDirectory layout, for both reading
 * and writing.
 */
export const GEOKEY = {
  GTModelType: 1024,
  GTRasterType: 1025,
  GTCitation: 1026,
  GeographicType: 2048,
  GeogCitation: 2049,
  GeogGeodeticDatum: 2050,
  GeogPrimeMeridian: 2051,
  GeogLinearUnits: 2052,
  GeogLinearUnitSize: 2053,
  GeogAngularUnits: 2054,
  GeogAngularUnitSize: 2055,
  GeogEllipsoid: 2056,
  GeogSemiMajorAxis: 2057,
  GeogSemiMinorAxis: 2058,
  GeogInvFlattening: 2059,
  GeogPrimeMeridianLong: 2061,
  GeogTOWGS84: 2062,
  ProjectedCSType: 3072,
  PCSCitation: 3073,
  Projection: 3074,
  ProjCoordTrans: 3075,
  ProjLinearUnits: 3076,
  ProjLinearUnitSize: 3077,
  ProjStdParallel1: 3078,
  ProjStdParallel2: 3079,
  ProjNatOriginLong: 3080,
  ProjNatOriginLat: 3081,
  ProjFalseEasting: 3082,
  ProjFalseNorthing: 3083,
  ProjFalseOriginLong: 3084,
  ProjFalseOriginLat: 3085,
  ProjFalseOriginEasting: 3086,
  ProjFalseOriginNorthing: 3087,
  ProjCenterLong: 3088,
  ProjCenterLat: 3089,
  ProjCenterEasting: 3090,
  ProjCenterNorthing: 3091,
  ProjScaleAtNatOrigin: 3092,
  ProjScaleAtCenter: 3093,
  ProjAzimuthAngle: 3094,
  ProjStraightVertPoleLong: 3095,
  ProjRectifiedGridAngle: 3096,
  VerticalCSType: 4096,
} as const;

/**
 * GTModelTypeGeoKey values.
 */
export const MODEL_TYPE = { PROJECTED: 1, GEOGRAPHIC: 2 } as const;

/**
 * GTRasterTypeGeoKey values.
 */
export const RASTER_TYPE = { PIXEL_IS_AREA: 1, PIXEL_IS_POINT: 2 } as const;

/**
 * A short-valued (inline) GeoKey from a GeoKeyDirectory, or undefined.
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
 */
export function geoKeyDirectory(keys: readonly (readonly [number, number])[]): number[] {
  const dir = [1, 1, 0, keys.length];
  for (const [id, value] of [...keys].sort((a, b) => a[0] - b[0])) dir.push(id, 0, 1, value);
  return dir;
}

/**
 * A parsed GeoKeyDirectory: key id → value. Short keys are numbers, double keys are numbers or
 * number arrays (TOWGS84), ASCII keys are strings (the trailing `|` removed).
 */
export type GeoKeys = Map<number, number | number[] | string>;

/** TIFF tag holding GeoKey double values. */
const GEO_DOUBLE_PARAMS = 34736;
/** TIFF tag holding GeoKey ASCII values. */
const GEO_ASCII_PARAMS = 34737;
/** The GeoKeyDirectory tag itself (short values stored after the key entries). */
const GEO_KEY_DIRECTORY = 34735;

/**
 * Parses a GeoKeyDirectory (tag 34735) with its GeoDoubleParams (34736) and GeoAsciiParams (34737)
 * as libgeotiff does: entries that point outside their tag are skipped, never guessed.
 */
export function parseGeoKeys(dir: readonly number[] | undefined, doubles?: readonly number[], ascii?: string): GeoKeys {
  const keys: GeoKeys = new Map();
  if (!dir || dir.length < 4) return keys;
  const n = dir[3];
  for (let k = 0; k < n; k++) {
    const e = 4 + k * 4;
    if (e + 3 >= dir.length) break;
    const [id, loc, count, value] = [dir[e], dir[e + 1], dir[e + 2], dir[e + 3]];
    if (loc === 0) keys.set(id, value);
    else if (loc === GEO_DOUBLE_PARAMS && doubles && value + count <= doubles.length && count > 0) {
      keys.set(id, count === 1 ? doubles[value] : doubles.slice(value, value + count));
    } else if (loc === GEO_ASCII_PARAMS && ascii !== undefined && value + count <= ascii.length + 1) {
      keys.set(id, ascii.slice(value, value + count).replace(/[|\0]+$/, ''));
    } else if (loc === GEO_KEY_DIRECTORY && value + count <= dir.length && count > 0) {
      keys.set(id, count === 1 ? dir[value] : dir.slice(value, value + count));
    }
  }
  return keys;
}
