import { StitchError } from '../../errors.js';
import type { DTypeInfo, RasterDtype } from '../dtype.js';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The GDAL_METADATA (tag 42112) XML that gives each band a description (`gdalinfo` shows it as
 * "Description", rasterio as `descriptions`). Like GDAL, the text is stored as UTF-8 and escaped
 * twice (GDAL unescapes item values once more after parsing the XML). Names with control
 * characters, or a count other than `bands`, throw {@link StitchError} `BAD_BAND_NAMES`.
 */
export function bandNamesXml(names: readonly string[], bands: number, path: string): string {
  if (!Array.isArray(names) || names.length !== bands || !names.every((n) => typeof n === 'string')) {
    throw new StitchError(
      'BAD_BAND_NAMES',
      `${path}: bandNames must be ${bands} strings, got ${JSON.stringify(names)}`,
      { subject: path },
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
  const bad = names.find((n) => /[\x00-\x1f\x7f]/.test(n));
  if (bad !== undefined) {
    throw new StitchError('BAD_BAND_NAMES', `${path}: band name ${JSON.stringify(bad)} has control characters`, {
      subject: path,
    });
  }
  const items = names.map(
    (n, i) => `<Item name="DESCRIPTION" sample="${i}" role="description">${escapeXml(escapeXml(n))}</Item>`,
  );
  return `<GDALMetadata>\n${items.join('\n')}\n</GDALMetadata>`;
}

/**
 * The GDAL_NODATA (tag 42113) text for `nodata`, after checking that the dtype can store it
 * exactly. Throws {@link StitchError} `BAD_NODATA` otherwise (e.g. -1 for uint8, 0.5 for int16,
 * 1e40 for float32).
 */
export function nodataText(nodata: number, info: DTypeInfo, dtype: RasterDtype, path: string): string {
  if (typeof nodata !== 'number') {
    throw new StitchError('BAD_NODATA', `${path}: nodata must be a number or null, got ${JSON.stringify(nodata)}`, {
      subject: path,
    });
  }
  if (Number.isNaN(nodata)) {
    if (!info.float)
      throw new StitchError('BAD_NODATA', `${path}: nodata NaN needs a float dtype, not ${dtype}`, { subject: path });
    return 'nan';
  }
  if (!info.float && (!Number.isInteger(nodata) || nodata < info.min || nodata > info.max)) {
    throw new StitchError(
      'BAD_NODATA',
      `${path}: nodata ${nodata} is not a ${dtype} value (${info.min}..${info.max})`,
      { subject: path },
    );
  }
  if (dtype === 'float32' && Number.isFinite(nodata) && Math.fround(nodata) !== nodata) {
    throw new StitchError(
      'BAD_NODATA',
      `${path}: nodata ${nodata} is not exactly representable as float32; use Math.fround(${nodata}) = ${Math.fround(nodata)}`,
      { subject: path },
    );
  }
  if (nodata === Infinity) return 'inf';
  if (nodata === -Infinity) return '-inf';
  return String(nodata);
}
