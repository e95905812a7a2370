/**
 * Opening a vector file: {@link openVectorLayer} picks the reader from the extension.
 */
import { existsSync, statSync } from 'node:fs';
import { atBoundary, iterateAtBoundary, VectorError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';
import { openFlatGeobuf } from './read-flatgeobuf.js';
import { openGeoJson } from './read-geojson.js';
import { openGeoParquetLayer } from './read-geoparquet.js';
import type { VectorFormat, VectorLayer } from './types.js';

/** The keys of the options of {@link VectorLayer.features} (the compiler checks the list is complete). */
const FEATURES_OPTION_KEYS = optionKeys<NonNullable<Parameters<VectorLayer['features']>[0]>>()(['bbox']);

const EXTENSIONS: [RegExp, VectorFormat][] = [
  [/\.(geo)?parquet$/i, 'geoparquet'],
  [/\.(geojsonl|geojsonseq|geojsons|ndgeojson|geojsonld)$/i, 'geojsonseq'],
  [/\.(geo)?json$/i, 'geojson'],
  [/\.fgb$/i, 'flatgeobuf'],
];

/**
 * The format of a vector file from its extension, or null.
 */
export function vectorFormatOf(href: string): VectorFormat | null {
  const path = href.replace(/[?#].*$/, '');
  for (const [re, f] of EXTENSIONS) if (re.test(path)) return f;
  return null;
}

/**
 * Opens a vector file (local path; FlatGeobuf also over HTTP(S) with range requests). Throws
 * {@link VectorError} `NOT_FOUND`, `UNSUPPORTED_FORMAT` or `BAD_FILE` naming the file.
 */
export async function openVectorLayer(href: string, format?: VectorFormat): Promise<VectorLayer> {
  const layer = await atBoundary(VectorError, `openVectorLayer ${String(href)}`, () =>
    openVectorLayerUnguarded(href, format),
  );
  return {
    ...layer,
    features: (opts) => {
      checkOptionKeys(opts, FEATURES_OPTION_KEYS, `features of ${layer.href}`, VectorError);
      return iterateAtBoundary(VectorError, `features of ${layer.href}`, layer.features(opts));
    },
  };
}

async function openVectorLayerUnguarded(href: string, format?: VectorFormat): Promise<VectorLayer> {
  if (typeof href !== 'string' || href.length === 0)
    throw new VectorError('NOT_FOUND', `openVectorLayer needs a path or URL, got ${String(href)}`);
  const fmt = format ?? vectorFormatOf(href);
  if (!fmt) {
    throw new VectorError(
      'UNSUPPORTED_FORMAT',
      `${href}: unknown vector format; use .parquet (GeoParquet), .geojson/.json, .geojsonl/.geojsonseq or .fgb, or pass the format`,
      { subject: href },
    );
  }
  const remote = /^https?:\/\//i.test(href);
  if (remote && fmt !== 'flatgeobuf') {
    throw new VectorError('UNSUPPORTED_FORMAT', `${href}: only FlatGeobuf is read over HTTP; download the file first`, {
      subject: href,
    });
  }
  if (!remote && !(existsSync(href) && statSync(href).isFile()))
    throw new VectorError('NOT_FOUND', `${href} does not exist or is not a file; check the path`, { subject: href });
  if (fmt === 'geoparquet') return openGeoParquetLayer(href);
  if (fmt === 'flatgeobuf') return openFlatGeobuf(href);
  return openGeoJson(href, fmt === 'geojsonseq');
}
