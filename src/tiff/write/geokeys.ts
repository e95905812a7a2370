import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StitchError } from '../../errors.js';
import { TAG, TIFF_TYPE, type TiffEntry } from './ifd.js';

/**
 * A GDAL geotransform `[originX, pixelWidth, rowRotation, originY, colRotation, pixelHeight]`;
 * the writer accepts north-up ones only (no rotation, `pixelWidth > 0`, `pixelHeight < 0`).
 */
export type GeoTransform = [number, number, number, number, number, number];

/** GeoKey ids (GeoTIFF 1.1, section 7). */
const KEY = { GTModelType: 1024, GTRasterType: 1025, GeographicType: 2048, ProjectedCSType: 3072 } as const;
const MODEL_PROJECTED = 1;
const MODEL_GEOGRAPHIC = 2;
const RASTER_PIXEL_IS_AREA = 1;

const require = createRequire(import.meta.url);

/**
 * Whether EPSG `code` is a projected or a geographic 2D CRS, from the offline EPSG index
 * (`epsg-index`); `undefined` when the code is unknown.
 */
function epsgKind(code: number): string | undefined {
  const file = join(dirname(require.resolve('epsg-index/package.json')), 's', `${code}.json`);
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { kind: string }).kind;
}

/**
 * Parses `"EPSG:n"` (case-insensitive) and returns the model type for it. Throws {@link StitchError}
 * `UNKNOWN_CRS` (naming `path`) for other strings, unknown codes and CRSs GeoTIFF cannot name by a
 * single EPSG code (compound, vertical, geocentric, engineering).
 */
export function parseEpsg(crs: unknown, path: string): { code: number; geographic: boolean } {
  const m = typeof crs === 'string' ? /^EPSG:(\d{1,6})$/i.exec(crs.trim()) : null;
  if (!m) {
    throw new StitchError('UNKNOWN_CRS', `${path}: crs must be "EPSG:<code>", got ${JSON.stringify(crs)}`, {
      subject: path,
    });
  }
  const code = Number(m[1]);
  if (code > 65535) {
    throw new StitchError('UNKNOWN_CRS', `${path}: EPSG:${code} does not fit a GeoTIFF key (max 65535)`, {
      subject: path,
    });
  }
  const kind = epsgKind(code);
  if (kind === 'CRS-PROJCRS') return { code, geographic: false };
  if (kind === 'CRS-GEOGCRS') return { code, geographic: true };
  const why = kind === undefined ? 'is not in the EPSG registry' : `is a ${kind.replace('CRS-', '').toLowerCase()} CRS`;
  throw new StitchError('UNKNOWN_CRS', `${path}: EPSG:${code} ${why}; use a projected or geographic 2D CRS`, {
    subject: path,
  });
}

/**
 * Throws {@link StitchError} `BAD_TRANSFORM` unless `t` is a finite north-up geotransform
 * (no rotation, positive pixel width, negative pixel height).
 */
export function assertNorthUp(t: unknown, path: string): asserts t is GeoTransform {
  const ok = Array.isArray(t) && t.length === 6 && t.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok || t[2] !== 0 || t[4] !== 0 || !(t[1] > 0) || !(t[5] < 0)) {
    throw new StitchError(
      'BAD_TRANSFORM',
      `${path}: transform must be a north-up GDAL geotransform [x0, xres>0, 0, y0, 0, -yres<0], got ${JSON.stringify(t)}`,
      { subject: path },
    );
  }
}

/**
 * The GeoTIFF tags for a north-up raster: ModelPixelScale, ModelTiepoint (pixel (0,0) corner at
 * the transform origin) and a GeoKeyDirectory with GTModelType, GTRasterType = PixelIsArea and
 * ProjectedCSType or GeographicType set to the EPSG code.
 */
export function geoTiffEntries(crs: string, transform: GeoTransform, path: string): TiffEntry[] {
  assertNorthUp(transform, path);
  const { code, geographic } = parseEpsg(crs, path);
  const keys: [number, number][] = [
    [KEY.GTModelType, geographic ? MODEL_GEOGRAPHIC : MODEL_PROJECTED],
    [KEY.GTRasterType, RASTER_PIXEL_IS_AREA],
    [geographic ? KEY.GeographicType : KEY.ProjectedCSType, code],
  ];
  const directory = [1, 1, 0, keys.length];
  for (const [id, value] of keys) directory.push(id, 0, 1, value);
  return [
    { tag: TAG.ModelPixelScale, type: TIFF_TYPE.DOUBLE, values: [transform[1], -transform[5], 0] },
    { tag: TAG.ModelTiepoint, type: TIFF_TYPE.DOUBLE, values: [0, 0, 0, transform[0], transform[3], 0] },
    { tag: TAG.GeoKeyDirectory, type: TIFF_TYPE.SHORT, values: directory },
  ];
}
