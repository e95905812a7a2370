import { GeosliceError, RasterError } from '../errors.js';
import type { ByteSource } from '../sources/byte-source.js';
import { openSource } from '../sources/open-source.js';
import { type SampleDtype, tiffSamples } from './dtype.js';
import type { GeoTransform } from './geotransform.js';
import { geoTransformFromTags } from './geotransform.js';
import { readIfds, tagNumbers, tagText } from './ifd.js';
import { type CogImageLayout, imageProblem, readImage, type TiffImage } from './image.js';
import { crsFromGeoKeys } from './read/georef.js';
import { countRead } from './read/read-counters.js';
import { COMPRESSION, PREDICTOR, SUBFILE, TAG, tagName } from './tags.js';

/** Codecs whose decoders produce whole-byte samples only (JPEG, WebP, LERC). */
const BYTE_CODECS: ReadonlySet<number> = new Set([COMPRESSION.JPEG, COMPRESSION.WEBP, COMPRESSION.LERC]);

export type { CogImageLayout } from './image.js';

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
  dtype: SampleDtype;
  /** GDAL_NODATA text as written in the file (e.g. "0", "-32768", "nan"), or null. */
  nodata: string | null;
  /** "EPSG:n", or null when the file has no (or a user-defined) CRS. */
  crs: string | null;
  /** PixelIsArea geotransform of the full-resolution image. */
  transform: GeoTransform;
  images: CogImageLayout[];
  masks: (CogImageLayout | null)[];
  /** Per-band scale and offset from GDAL_METADATA (value = raw * scale + offset), when the file has them. */
  scaleOffset?: { scale: number[]; offset: number[] } | null;
  /** The ColorMap of a palette raster as `[r, g, b, 255]` entries (0..255, GDAL's 16→8-bit scaling), or null. */
  palette?: [number, number, number, number][] | null;
  /** 0-based band that ExtraSamples marks as alpha (associated or unassociated): GDAL's Alpha band; null/absent when none. */
  alphaBand?: number | null;
  /**
   * True when the alpha band is GDAL's per-dataset mask (`GetMaskFlags` = PER_DATASET | ALPHA: a 2-
   * or 4-band 8/16-bit unsigned raster without nodata or internal mask): valid where alpha > 0.
   */
  alphaMask?: boolean;
}

/**
 * Reads the header of a GeoTIFF (a path, `file://` or `http(s)://` URL, or an open
 * {@link ByteSource}) and returns its {@link CogLayout}: every overview's and mask's tile offsets and
 * byte counts included. Throws {@link RasterError} (`BAD_MAGIC`, `TRUNCATED`, `UNSUPPORTED_DTYPE`,
 * `GCP_ONLY`, `UNSUPPORTED_CRS`, `NON_EARTH_CRS`...) or SourceError.
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
  for (const [i, im] of [...l.images, ...l.masks].entries()) {
    const problem = im && imageProblem(im);
    if (problem)
      bad(
        `${i < l.images.length ? `image ${i}` : `mask ${i - l.images.length}`}: ${tagName(problem.tag)} ${problem.why}`,
      );
  }
  return l;
}

/**
 * Parses a TIFF header from a {@link ByteSource} with the one IFD parser ({@link readIfds}) and
 * returns its {@link CogLayout}: full resolution image, reduced-resolution images (overviews) sorted
 * from largest to smallest, and each one's internal mask. Throws {@link RasterError} `BAD_MAGIC`,
 * `TRUNCATED`, `CORRUPT_TIFF`, `UNSUPPORTED_DTYPE`, `UNSUPPORTED_LAYOUT`, `GCP_ONLY`, `UNSUPPORTED_CRS` or
 * `NON_EARTH_CRS`.
 */
export async function readTiffLayout(source: ByteSource): Promise<CogLayout> {
  const href = source.href;
  countRead('headerReads');
  try {
    const tiff = await readIfds(source);
    const images = tiff.ifds.map(readImage);
    const main = tiff.ifds[0];
    return assemble(images, href, tiff.littleEndian, {
      nodata: tagText(main, TAG.GdalNodata)?.trim() ?? null,
      geo: {
        pixelScale: tagNumbers(main, TAG.ModelPixelScale),
        tiepoints: tagNumbers(main, TAG.ModelTiepoint),
        transformation: tagNumbers(main, TAG.ModelTransformation),
        geoKeyDirectory: tagNumbers(main, TAG.GeoKeyDirectory),
        geoDoubleParams: tagNumbers(main, TAG.GeoDoubleParams),
        geoAsciiParams: tagText(main, TAG.GeoAsciiParams) ?? undefined,
      },
      extraSamples: tagNumbers(main, TAG.ExtraSamples) ?? [],
      gdalMetadata: tagText(main, TAG.GdalMetadata) ?? null,
      colorMap: tagNumbers(main, TAG.ColorMap) ?? null,
    });
  } catch (e) {
    if (e instanceof GeosliceError) throw e;
    throw new RasterError('CORRUPT_TIFF', `${href} has a header that could not be parsed: ${String(e)}`, {
      cause: e,
      subject: href,
    });
  }
}

function assemble(
  ifds: TiffImage[],
  href: string,
  littleEndian: boolean,
  main: {
    nodata: string | null;
    geo: Parameters<typeof geoTransformFromTags>[0];
    extraSamples: number[];
    gdalMetadata: string | null;
    colorMap: number[] | null;
  },
): CogLayout {
  const isMask = (p: TiffImage) => (p.subfileType & SUBFILE.MASK) !== 0;
  if (isMask(ifds[0]))
    throw new RasterError(
      'UNSUPPORTED_LAYOUT',
      `${href}: the first image is a mask; this is not a raster geoslice can read`,
      { subject: href },
    );
  const first = ifds[0];
  const m = first.layout;
  const mixed = (v: number[]) => !v.every((x) => x === v[0]);
  if (mixed(first.bitsPerSample) || mixed(first.sampleFormat)) {
    throw new RasterError(
      'UNSUPPORTED_DTYPE',
      `${href} mixes sample types (BitsPerSample ${first.bitsPerSample}, SampleFormat ${first.sampleFormat}); convert it with gdal_translate -ot`,
      { subject: href },
    );
  }
  const stored = tiffSamples(m.bitsPerSample, m.sampleFormat);
  if (!stored) {
    throw new RasterError(
      'UNSUPPORTED_DTYPE',
      `${href} has ${m.bitsPerSample}-bit samples of SampleFormat ${m.sampleFormat}; supported are 8/16/32/64-bit integers, unsigned integers of 1..16 bits and 16/32/64-bit floats (convert with gdal_translate -ot)`,
      { subject: href },
    );
  }
  if (stored.packed && m.predictor !== PREDICTOR.NONE) {
    // libtiff refuses horizontal differencing on samples that are not whole bytes, and so does GDAL
    throw new RasterError(
      'UNSUPPORTED_DTYPE',
      `${href} has ${m.bitsPerSample}-bit samples with Predictor ${m.predictor}, which TIFF readers (libtiff, GDAL) do not decode`,
      { subject: href },
    );
  }
  if ((stored.packed || stored.half) && BYTE_CODECS.has(m.compression)) {
    throw new RasterError(
      'UNSUPPORTED_DTYPE',
      `${href} has ${m.bitsPerSample}-bit samples of SampleFormat ${m.sampleFormat} in compression ${m.compression}, which geoslice decodes only for 8-bit samples (convert with gdal_translate -ot)`,
      { subject: href },
    );
  }
  const dtype = stored.dtype;
  const sameKind = (p: TiffImage) =>
    p.layout.bitsPerSample === m.bitsPerSample &&
    p.layout.sampleFormat === m.sampleFormat &&
    p.layout.samplesPerPixel === m.samplesPerPixel;
  const overviews = ifds
    .slice(1)
    .filter((p) => !isMask(p) && (p.subfileType & SUBFILE.REDUCED) !== 0 && sameKind(p) && p.layout.width < m.width)
    .sort((a, b) => b.layout.width - a.layout.width);
  const images = [first, ...overviews].map((p) => p.layout);
  const maskIfds = ifds.filter((p) => isMask(p) && p.layout.bitsPerSample === 1 && p.layout.samplesPerPixel === 1);
  const masks = images.map(
    (im) => maskIfds.find((p) => p.layout.width === im.width && p.layout.height === im.height)?.layout ?? null,
  );
  return {
    version: 1,
    littleEndian,
    width: m.width,
    height: m.height,
    bands: m.samplesPerPixel,
    dtype,
    nodata: main.nodata,
    crs: crsFromGeoKeys(main.geo, href),
    transform: geoTransformFromTags(main.geo, href),
    images,
    masks,
    scaleOffset: scaleOffsetOf(main.gdalMetadata, m.samplesPerPixel),
    palette: paletteOf(main.colorMap, m.bitsPerSample),
    alphaBand: alphaBandOf(main.extraSamples, m.samplesPerPixel),
    alphaMask: main.nodata === null && masks[0] === null && alphaIsMask(m, main.extraSamples),
  };
}

/**
 * Per-band scale/offset from GDAL's metadata XML (`<Item name="SCALE" sample="0" role="scale">`),
 * defaults 1 and 0, or null when the file gives neither.
 */
function scaleOffsetOf(xml: string | null, bands: number): { scale: number[]; offset: number[] } | null {
  if (!xml) return null;
  const scale = new Array<number>(bands).fill(1);
  const offset = new Array<number>(bands).fill(0);
  let any = false;
  for (const m of xml.matchAll(/<Item\s+([^>]*)>([^<]*)<\/Item>/g)) {
    const attrs = m[1];
    const role = /role="(scale|offset)"/.exec(attrs)?.[1];
    const sample = Number(/sample="(\d+)"/.exec(attrs)?.[1]);
    const v = Number(m[2].trim());
    if (!role || !Number.isInteger(sample) || sample >= bands || !Number.isFinite(v)) continue;
    (role === 'scale' ? scale : offset)[sample] = v;
    any = true;
  }
  return any ? { scale, offset } : null;
}

/** A ColorMap (3 × 2^bits 16-bit values, reds then greens then blues) as 8-bit RGBA entries, like GDAL. */
function paletteOf(map: number[] | null, bits: number): [number, number, number, number][] | null {
  const n = 2 ** bits;
  if (!map || bits > 16 || map.length < 3 * n) return null;
  return Array.from({ length: n }, (_, i): [number, number, number, number] => [
    Math.floor(map[i] / 257),
    Math.floor(map[n + i] / 257),
    Math.floor(map[2 * n + i] / 257),
    255,
  ]);
}

/** The band ExtraSamples marks as alpha (the last one, after the colour channels), or null. */
function alphaBandOf(extra: number[], samples: number): number | null {
  const last = extra[extra.length - 1];
  return extra.length > 0 && (last === 1 || last === 2) ? samples - 1 : null;
}

/**
 * GDAL's `GetMaskFlags` rule for an alpha band: the mask of a 2-band or 4-band raster whose last
 * band is alpha, when samples are 8- or 16-bit unsigned.
 */
function alphaIsMask(m: CogImageLayout, extra: number[]): boolean {
  const n = m.samplesPerPixel;
  return (
    (n === 2 || n === 4) &&
    m.sampleFormat === 1 &&
    (m.bitsPerSample === 8 || m.bitsPerSample === 16) &&
    alphaBandOf(extra, n) === n - 1
  );
}
