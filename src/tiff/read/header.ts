import { GeoTIFF, type ImageFileDirectory } from 'geotiff';
import { GeosliceError, RasterError } from '../../errors.js';
import type { CogImageLayout, CogLayout } from '../cog-layout.js';
import type { ByteSource } from '../../sources/byte-source.js';
import { tiffDtype } from './dtype.js';
import { crsFromGeoKeys, geoTransformFromTags } from './georef.js';

const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  JPEGTables: 347,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GdalNodata: 42113,
  LercParameters: 50674,
} as const;

/** Header reads go through this many bytes at a time (IFDs of a COG sit together at the start). */
const HEADER_CHUNK = 65_536;

/**
 * Parses a TIFF header with geotiff.js (IFDs, tags, GeoKeys) from a {@link ByteSource} and returns
 * its {@link CogLayout}: full resolution image, reduced-resolution images (overviews) sorted from
 * largest to smallest, and each one's internal mask. Header reads are made in 64 KiB chunks.
 */
export async function readTiffLayout(source: ByteSource): Promise<CogLayout> {
  const href = source.href;
  const size = await source.size();
  if (size < 8)
    throw new RasterError(
      'TRUNCATED',
      `${href} has only ${size} bytes, too few for a TIFF header; the file is truncated`,
      { subject: href },
    );
  const chunks = new Map<number, Promise<Uint8Array>>();
  const chunk = (i: number): Promise<Uint8Array> => {
    let p = chunks.get(i);
    if (!p) {
      const off = i * HEADER_CHUNK;
      p = source.read(off, Math.min(HEADER_CHUNK, size - off));
      chunks.set(i, p);
    }
    return p;
  };
  const fetchRange = async (offset: number, length: number): Promise<ArrayBuffer> => {
    const end = Math.min(size, offset + length);
    const out = new Uint8Array(Math.max(0, end - offset));
    for (let i = Math.floor(offset / HEADER_CHUNK); i * HEADER_CHUNK < end; i++) {
      const c = await chunk(i);
      const cOff = i * HEADER_CHUNK;
      const from = Math.max(offset, cOff);
      const to = Math.min(end, cOff + c.length);
      out.set(c.subarray(from - cOff, to - cOff), from - offset);
    }
    return out.buffer;
  };
  const adapter = {
    fetch: (slices: { offset: number; length: number }[]) =>
      Promise.all(slices.map((s) => fetchRange(s.offset, s.length))),
    get fileSize() {
      return size;
    },
    close: async () => undefined,
  };

  let tiff: GeoTIFF;
  try {
    tiff = await GeoTIFF.fromSource(adapter as unknown as Parameters<typeof GeoTIFF.fromSource>[0]);
  } catch (e) {
    throw wrap(e, href, 'BAD_MAGIC', 'is not a TIFF file (bad byte order or magic number)');
  }
  const ifds: ImageFileDirectory[] = [];
  try {
    const n = await tiff.getImageCount();
    for (let i = 0; i < n; i++) ifds.push((await tiff.getImage(i)).fileDirectory);
    const parsed = await Promise.all(ifds.map((ifd, i) => parseIfd(ifd, i, href)));
    return assemble(parsed, href, tiff.littleEndian);
  } catch (e) {
    throw wrap(e, href, 'TRUNCATED', 'has a header that could not be parsed (truncated or corrupt)');
  }
}

interface ParsedIfd {
  layout: CogImageLayout;
  subfileType: number;
  nodata: string | null;
  geo: { pixelScale?: number[]; tiepoints?: number[]; transformation?: number[]; geoKeyDirectory?: number[] };
}

async function parseIfd(ifd: ImageFileDirectory, index: number, href: string): Promise<ParsedIfd> {
  const num = async (tag: number, dflt: number): Promise<number> => {
    const v = await ifd.loadValue(tag);
    if (v === undefined || v === null) return dflt;
    return Number(ArrayBuffer.isView(v) || Array.isArray(v) ? (v as ArrayLike<number>)[0] : v);
  };
  const arr = async (tag: number): Promise<number[] | undefined> => {
    const v = await ifd.loadValue(tag);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
    return Array.from(v as ArrayLike<number | bigint>, Number);
  };
  const width = await num(TAG.ImageWidth, 0);
  const height = await num(TAG.ImageLength, 0);
  const tiled = ifd.hasTag(TAG.TileWidth);
  const bits = (await arr(TAG.BitsPerSample)) ?? [1];
  const formats = (await arr(TAG.SampleFormat)) ?? [1];
  const samplesPerPixel = await num(TAG.SamplesPerPixel, 1);
  if (!bits.every((b) => b === bits[0]) || !formats.every((f) => f === formats[0])) {
    throw new RasterError(
      'UNSUPPORTED_DTYPE',
      `${href} image ${index} mixes sample types (BitsPerSample ${bits}, SampleFormat ${formats}); convert it with gdal_translate -ot`,
      { subject: href },
    );
  }
  const offsets = (await arr(tiled ? TAG.TileOffsets : TAG.StripOffsets)) ?? [];
  const byteCounts = (await arr(tiled ? TAG.TileByteCounts : TAG.StripByteCounts)) ?? [];
  const jpeg = await ifd.loadValue(TAG.JPEGTables);
  const nodataRaw = await ifd.loadValue(TAG.GdalNodata);
  const layout: CogImageLayout = {
    width,
    height,
    tiled,
    blockWidth: tiled ? await num(TAG.TileWidth, 0) : width,
    blockHeight: tiled ? await num(TAG.TileLength, 0) : Math.min(height, await num(TAG.RowsPerStrip, height)),
    offsets,
    byteCounts,
    compression: await num(TAG.Compression, 1),
    predictor: await num(TAG.Predictor, 1),
    bitsPerSample: bits[0],
    sampleFormat: formats[0],
    samplesPerPixel,
    planarConfiguration: (await num(TAG.PlanarConfiguration, 1)) === 2 ? 2 : 1,
    photometric: await num(TAG.Photometric, 1),
    jpegTables: jpeg ? Buffer.from(jpeg as Uint8Array).toString('base64') : null,
    lercParameters: (await arr(TAG.LercParameters)) ?? null,
  };
  if (!(width > 0 && height > 0 && layout.blockWidth > 0 && layout.blockHeight > 0)) {
    throw new RasterError(
      'TRUNCATED',
      `${href} image ${index} has invalid dimensions ${width}x${height} (block ${layout.blockWidth}x${layout.blockHeight}); the header is corrupt`,
      { subject: href },
    );
  }
  return {
    layout,
    subfileType: await num(TAG.NewSubfileType, 0),
    nodata: typeof nodataRaw === 'string' ? nodataRaw.replace(/\0+$/, '').trim() : null,
    geo: {
      pixelScale: await arr(TAG.ModelPixelScale),
      tiepoints: await arr(TAG.ModelTiepoint),
      transformation: await arr(TAG.ModelTransformation),
      geoKeyDirectory: await arr(TAG.GeoKeyDirectory),
    },
  };
}

function assemble(ifds: ParsedIfd[], href: string, littleEndian: boolean): CogLayout {
  const isMask = (p: ParsedIfd) => (p.subfileType & 4) !== 0;
  const main = ifds[0];
  if (isMask(main))
    throw new RasterError(
      'UNSUPPORTED_LAYOUT',
      `${href}: the first image is a mask; this is not a raster geoslice can read`,
      { subject: href },
    );
  const m = main.layout;
  const dtype = tiffDtype(m.bitsPerSample, m.sampleFormat);
  if (!dtype) {
    throw new RasterError(
      'UNSUPPORTED_DTYPE',
      `${href} has ${m.bitsPerSample}-bit samples of SampleFormat ${m.sampleFormat}; supported are 8/16/32-bit integers and 32/64-bit floats (convert with gdal_translate -ot)`,
      { subject: href },
    );
  }
  const sameKind = (p: ParsedIfd) =>
    p.layout.bitsPerSample === m.bitsPerSample &&
    p.layout.sampleFormat === m.sampleFormat &&
    p.layout.samplesPerPixel === m.samplesPerPixel;
  const overviews = ifds
    .slice(1)
    .filter((p) => !isMask(p) && (p.subfileType & 1) !== 0 && sameKind(p) && p.layout.width < m.width)
    .sort((a, b) => b.layout.width - a.layout.width);
  const images = [main, ...overviews].map((p) => p.layout);
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
    crs: crsFromGeoKeys(main.geo.geoKeyDirectory),
    transform: geoTransformFromTags(main.geo, href),
    images,
    masks,
  };
}

function wrap(e: unknown, href: string, code: string, what: string): GeosliceError {
  if (e instanceof GeosliceError) return e;
  return new RasterError(code, `${href} ${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e, subject: href });
}
