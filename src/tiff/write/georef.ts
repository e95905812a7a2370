import { StitchError } from '../../errors.js';
import { epsgEntry } from '../../geo/crs-table.js';
import { GEOKEY, geoKeyDirectory, MODEL_TYPE, RASTER_TYPE } from '../geokeys.js';
import { assertNorthUp, type GeoTransform, geoTransformTags } from '../geotransform.js';
import { TAG, TIFF_TYPE } from '../tags.js';
import type { TiffEntry } from './encode-ifd.js';

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
  const kind = epsgEntry(code)?.kind;
  if (kind === 'CRS-PROJCRS') return { code, geographic: false };
  if (kind === 'CRS-GEOGCRS') return { code, geographic: true };
  const why = kind === undefined ? 'is not in the EPSG registry' : `is a ${kind.replace('CRS-', '').toLowerCase()} CRS`;
  throw new StitchError('UNKNOWN_CRS', `${path}: EPSG:${code} ${why}; use a projected or geographic 2D CRS`, {
    subject: path,
  });
}

/**
 * The GeoTIFF tags for a north-up raster: ModelPixelScale, ModelTiepoint (pixel (0,0) corner at
 * the transform origin) and a GeoKeyDirectory with GTModelType, GTRasterType = PixelIsArea and
 * ProjectedCSType or GeographicType set to the EPSG code.
 */
export function geoTiffEntries(crs: string, transform: GeoTransform, path: string): TiffEntry[] {
  assertNorthUp(transform, path);
  const { code, geographic } = parseEpsg(crs, path);
  const directory = geoKeyDirectory([
    [GEOKEY.GTModelType, geographic ? MODEL_TYPE.GEOGRAPHIC : MODEL_TYPE.PROJECTED],
    [GEOKEY.GTRasterType, RASTER_TYPE.PIXEL_IS_AREA],
    [geographic ? GEOKEY.GeographicType : GEOKEY.ProjectedCSType, code],
  ]);
  const { pixelScale, tiepoints } = geoTransformTags(transform);
  return [
    { tag: TAG.ModelPixelScale, type: TIFF_TYPE.DOUBLE, values: pixelScale },
    { tag: TAG.ModelTiepoint, type: TIFF_TYPE.DOUBLE, values: tiepoints },
    { tag: TAG.GeoKeyDirectory, type: TIFF_TYPE.SHORT, values: directory },
  ];
}
