import { basename, extname, resolve } from 'node:path';
import type { HttpSourceOptions } from '../../sources/http-source.js';
import { BuildError, GeosliceError } from '../../errors.js';
import { gridBounds } from '../../geo/bbox.js';
import { resolveCrs } from '../../geo/crs.js';
import { footprintWgs84 } from '../../geo/transform.js';
import { writeWkb } from '../../geo/wkb.js';
import { openSource } from '../../sources/open-source.js';
import { extractCogLayout, type CogLayout } from '../../tiff/cog-layout.js';
import { SUPPORTED_COMPRESSIONS } from '../../tiff/codecs/decode-block.js';
import { loadSharp } from '../../tiff/codecs/sharp.js';
import { readIfds, tagText } from '../../tiff/ifd.js';
import { COMPRESSION, TAG } from '../../tiff/tags.js';
import type { CatalogRow } from '../types.js';
import { cogColumn } from './cog-header-column.js';
import { sampleMetaExtras } from './sample-meta-columns.js';
import { parseFilenameTime, type DateFormat } from './filename-time.js';

/**
 * How one raster file becomes a catalog row (see {@link rasterRow}).
 */
export interface RasterRowOptions {
  /** Options for `http(s)://` files (timeouts, deadline, retries, headers). */
  http?: HttpSourceOptions;
  /** Asset key of the file in `assets`. Default `"image"`. */
  assetKey?: string;
  /** Regex over the file's base name with named groups `date`, or `start`/`end`. */
  filenameRegex?: RegExp;
  /** Layout of the matched dates. Default `"auto"`. */
  dateFormat?: DateFormat;
  /** Store the COG header cache (the loader's `CogLayout`) in the struct column `<assetKey>_cog`. Default false. */
  cogHeaders?: boolean;
  /**
   * When the file name gives no time, use the TIFF `DateTime` tag (`YYYY:MM:DD HH:MM:SS`, read as UTC).
   * It is often the processing time rather than the acquisition time. Default true.
   */
  tiffDateTime?: boolean;
}

/**
 * Resolves a local path to an absolute one; URLs stay as they are.
 */
export function normalizeHref(href: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(href) ? href : resolve(href);
}

/**
 * Reads a raster's header and returns its catalog row: footprint reprojected to EPSG:4326 (densified,
 * split at the antimeridian, reaching the pole for polar rasters), native CRS, bbox, times from the
 * file name, and extras `width`, `height`, `bands`, `dtype`, `nodata` (GDAL text), `transform`
 * (GDAL geotransform), `overviews` (count), `<assetKey>_scale`/`_offset`/`_palette` (see
 * `sampleMetaColumns`), plus `<assetKey>_cog` with `cogHeaders`.
 * Throws {@link BuildError} `UNREADABLE` (not a TIFF, truncated, unreadable — the cause is attached)
 * or `NO_GEOREFERENCING` (no EPSG CRS), each naming the file.
 */
export async function rasterRow(href: string, opts: RasterRowOptions = {}): Promise<CatalogRow> {
  const abs = normalizeHref(href);
  let layout: CogLayout;
  try {
    const source = await openSource(abs, { http: opts.http });
    try {
      layout = await extractCogLayout(source);
    } finally {
      await source.close();
    }
  } catch (e) {
    const code = e instanceof GeosliceError ? ` (${e.code})` : '';
    throw new BuildError('UNREADABLE', `cannot read the raster header of ${abs}${code}: ${(e as Error).message}`, {
      cause: e,
      subject: abs,
    });
  }
  await assertDecodable(abs, layout);
  const row = rowFromLayout(abs, layout, opts);
  if (row.tmin === null && row.tmax === null && opts.tiffDateTime !== false) {
    const t = await readTiffDateTime(abs, opts.http);
    row.tmin = t;
    row.tmax = t;
  }
  return row;
}

/**
 * Refuses at build time a file the loader could not decode later: a compression geoslice has no
 * decoder for, or WebP tiles without the optional sharp package (BuildError `UNSUPPORTED_CODEC`).
 */
async function assertDecodable(href: string, layout: CogLayout): Promise<void> {
  for (const im of [...layout.images, ...layout.masks]) {
    if (!im) continue;
    const c = im.compression;
    const missing = !SUPPORTED_COMPRESSIONS.has(c)
      ? `TIFF compression ${c}, which geoslice cannot decode (convert it, e.g. gdal_translate -co COMPRESS=DEFLATE)`
      : c === COMPRESSION.WEBP && !(await loadSharp())
        ? 'WebP tiles, which need the optional package sharp (npm install sharp)'
        : null;
    if (missing) throw new BuildError('UNSUPPORTED_CODEC', `${href} uses ${missing}`, { subject: href });
  }
}

/**
 * The TIFF `DateTime` tag of a file's first image as a UTC date, or null when absent, malformed or
 * unreadable.
 */
export async function readTiffDateTime(href: string, http?: HttpSourceOptions): Promise<Date | null> {
  let v: string | undefined;
  try {
    const source = await openSource(href, { http });
    try {
      v = tagText((await readIfds(source)).ifds[0], TAG.DateTime);
    } finally {
      await source.close();
    }
  } catch {
    return null; // the header was read already; a second read failing only means no tag time
  }
  const m = v ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v.trim()) : null;
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? t : null;
}

/**
 * The catalog row of a raster from its already-read {@link CogLayout} (see {@link rasterRow}).
 */
export function rowFromLayout(href: string, layout: CogLayout, opts: RasterRowOptions = {}): CatalogRow {
  if (!layout.crs) {
    throw new BuildError(
      'NO_GEOREFERENCING',
      `${href} has no coordinate reference system (no GeoKeys); assign one with gdal_edit.py -a_srs EPSG:n or skip it with onError: 'skip'`,
      { subject: href },
    );
  }
  const bounds = gridBounds(layout.transform, layout.width, layout.height);
  if (!(bounds[0] < bounds[2] && bounds[1] < bounds[3])) {
    throw new BuildError(
      'NO_GEOREFERENCING',
      `${href} has a degenerate geotransform ${JSON.stringify(layout.transform)}; fix its georeferencing`,
      { subject: href },
    );
  }
  const crs = resolveCrs(layout.crs);
  const slack = Math.hypot(layout.transform[4], layout.transform[5]);
  if (crs.geographic && (bounds[1] < -90 - slack || bounds[3] > 90 + slack)) {
    throw new BuildError(
      'BAD_GEOREFERENCING',
      `${href} spans latitudes ${bounds[1]}..${bounds[3]} in the geographic CRS ${layout.crs}, outside -90..90: its geotransform ${JSON.stringify(layout.transform)} is not a real georeferencing (e.g. an identity transform next to RPCs); rectify it first (gdalwarp -rpc)`,
      { subject: href },
    );
  }
  let footprint: ReturnType<typeof footprintWgs84>;
  try {
    const t = layout.transform;
    const { width: w, height: h } = layout;
    // a rotated grid: densify its own edges, not those of its bounding box
    const corners =
      t[2] !== 0 || t[4] !== 0
        ? ([
            [0, h],
            [w, h],
            [w, 0],
            [0, 0],
          ].map(([c, r]) => [t[0] + c * t[1] + r * t[2], t[3] + c * t[4] + r * t[5]]) as [number, number][])
        : undefined;
    footprint = footprintWgs84(bounds, crs.code, corners);
  } catch (e) {
    throw new BuildError(
      'NO_GEOREFERENCING',
      `${href}: cannot compute its EPSG:4326 footprint from ${layout.crs} bounds ${JSON.stringify(bounds)}: ${(e as Error).message}`,
      { cause: e, subject: href },
    );
  }
  const key = opts.assetKey ?? 'image';
  const times = opts.filenameRegex
    ? parseFilenameTime(href, opts.filenameRegex, opts.dateFormat)
    : { tmin: null, tmax: null };
  const extras: Record<string, unknown> = {
    width: layout.width,
    height: layout.height,
    bands: layout.bands,
    dtype: layout.dtype,
    nodata: layout.nodata,
    transform: [...layout.transform],
    overviews: layout.images.length - 1,
  };
  Object.assign(extras, sampleMetaExtras(key, layout));
  if (opts.cogHeaders) extras[cogColumn(key)] = layout;
  return {
    id: basename(href, extname(href)),
    assets: { [key]: { href } },
    geometry: writeWkb(footprint.geometry),
    bbox: footprint.bbox,
    tmin: times.tmin,
    tmax: times.tmax,
    crs: resolveCrs(layout.crs).code,
    backend: 'raster',
    extras,
  };
}
