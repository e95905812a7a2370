import { RasterError } from '../errors.js';
import type { GeoTransform, RasterDtype } from '../loaders/raster.js';
import type { ByteSource } from '../sources/byte-source.js';
import { openSource } from '../sources/open-source.js';
import { readTiffLayout } from './read/header.js';

/**
 * The structure of one TIFF image (full resolution, an overview, or a mask) needed to read its
 * blocks without parsing the header again. Strips are blocks `width` wide and `RowsPerStrip` high.
 */
export interface CogImageLayout {
  width: number;
  height: number;
  /** True for tiled images, false for striped ones. */
  tiled: boolean;
  /** TileWidth, or the image width for strips. */
  blockWidth: number;
  /** TileLength, or RowsPerStrip for strips. */
  blockHeight: number;
  /** TileOffsets / StripOffsets, in block order (planes one after the other when planar). */
  offsets: number[];
  /** TileByteCounts / StripByteCounts. */
  byteCounts: number[];
  /** TIFF Compression code (1 none, 5 LZW, 7 JPEG, 8 DEFLATE, 32773 PackBits, 34887 LERC, 50000 ZSTD...). */
  compression: number;
  /** 1 none, 2 horizontal, 3 floating point. */
  predictor: number;
  bitsPerSample: number;
  /** 1 unsigned int, 2 signed int, 3 float. */
  sampleFormat: number;
  samplesPerPixel: number;
  /** 1 chunky (pixel interleaved), 2 planar (band interleaved). */
  planarConfiguration: 1 | 2;
  photometric: number;
  /** JPEGTables, base64, for JPEG-compressed images. */
  jpegTables: string | null;
  /** LercParameters tag values, for LERC-compressed images. */
  lercParameters: number[] | null;
}

/**
 * A JSON-serialisable header cache of a (Cloud Optimized) GeoTIFF: everything
 * {@link openRaster} needs, so that opening with it does no header I/O. `images[0]` is the full
 * resolution image, then the overviews from largest to smallest; `masks[i]` is the internal mask
 * of `images[i]` or null.
 */
export interface CogLayout {
  /** Format version of this structure. */
  version: 1;
  littleEndian: boolean;
  width: number;
  height: number;
  bands: number;
  dtype: RasterDtype;
  /** GDAL_NODATA text as written in the file (e.g. "0", "-32768", "nan"), or null. */
  nodata: string | null;
  /** "EPSG:n", or null when the file has no (or a user-defined) CRS. */
  crs: string | null;
  /** PixelIsArea geotransform of the full-resolution image. */
  transform: GeoTransform;
  images: CogImageLayout[];
  masks: (CogImageLayout | null)[];
}

/**
 * Reads the header of a GeoTIFF (a path, `file://` or `http(s)://` URL, or an open
 * {@link ByteSource}) and returns its {@link CogLayout}: every overview's and mask's tile offsets and
 * byte counts included. Throws {@link RasterError} (`BAD_MAGIC`, `TRUNCATED`, `UNSUPPORTED_DTYPE`,
 * `ROTATED_TRANSFORM`...) or SourceError.
 */
export async function extractCogLayout(href: string | ByteSource): Promise<CogLayout> {
  if (typeof href !== 'string') return readTiffLayout(href);
  const source = await openSource(href);
  try {
    return await readTiffLayout(source);
  } finally {
    await source.close();
  }
}

/**
 * Checks that a value (e.g. parsed from a catalog column) is a usable {@link CogLayout}; throws
 * {@link RasterError} `BAD_LAYOUT` naming `href` otherwise.
 */
export function assertCogLayout(v: unknown, href: string): CogLayout {
  const bad = (why: string): never => {
    throw new RasterError(
      'BAD_LAYOUT',
      `the cached COG layout of ${href} is unusable (${why}); re-extract it with extractCogLayout`,
      { subject: href },
    );
  };
  const l = v as CogLayout;
  if (!l || typeof l !== 'object') bad('not an object');
  if (l.version !== 1) bad(`version ${String(l.version)}, expected 1`);
  if (!Array.isArray(l.images) || l.images.length === 0) bad('no images');
  if (!Array.isArray(l.masks) || l.masks.length !== l.images.length) bad('masks do not match images');
  if (!Array.isArray(l.transform) || l.transform.length !== 6) bad('transform is not 6 numbers');
  for (const [i, im] of l.images.entries()) {
    const across = Math.ceil(im.width / im.blockWidth);
    const down = Math.ceil(im.height / im.blockHeight);
    const planes = im.planarConfiguration === 2 ? im.samplesPerPixel : 1;
    if (
      !Array.isArray(im.offsets) ||
      im.offsets.length < across * down * planes ||
      im.byteCounts?.length !== im.offsets.length
    ) {
      bad(`image ${i} has ${im.offsets?.length} block offsets, expected ${across * down * planes}`);
    }
  }
  return l;
}
