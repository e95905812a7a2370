/**
 * The one table of TIFF, GeoTIFF and GDAL tag ids, field types and tag values that every part of
 * geoslice (IFD parser, layout reader, writer, COG checker) uses.
 */

/**
 * TIFF tag ids (TIFF 6.0, GeoTIFF 1.1, GDAL private tags, LERC).
 */
export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  DateTime: 306,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  ColorMap: 320,
  GdalNodata: 42113,
  LercParameters: 50674,
} as const;

/** Tag names by id, for error messages ("TileByteCounts", or "tag 12345" for others). */
const TAG_NAMES = new Map<number, string>(Object.entries(TAG).map(([name, id]) => [id, name]));

/**
 * The name of a tag id for messages: its {@link TAG} name, or `tag <id>`.
 */
export function tagName(tag: number): string {
  return TAG_NAMES.get(tag) ?? `tag ${tag}`;
}

/**
 * TIFF field types (TIFF 6.0 section 2 and BigTIFF).
 */
export const TIFF_TYPE = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  RATIONAL: 5,
  SBYTE: 6,
  UNDEFINED: 7,
  SSHORT: 8,
  SLONG: 9,
  SRATIONAL: 10,
  FLOAT: 11,
  DOUBLE: 12,
  IFD: 13,
  LONG8: 16,
  SLONG8: 17,
  IFD8: 18,
} as const;

/**
 * A TIFF field type id.
 */
export type TiffType = (typeof TIFF_TYPE)[keyof typeof TIFF_TYPE];

/**
 * Bytes per value of each field type; types not listed are unknown (their tags are skipped, like libtiff).
 */
export const TYPE_SIZE: Readonly<Record<number, number>> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};

/**
 * Compression tag values.
 */
export const COMPRESSION = {
  NONE: 1,
  LZW: 5,
  JPEG: 7,
  DEFLATE: 8,
  PACKBITS: 32773,
  /** The old Adobe/PKZIP DEFLATE code, read like DEFLATE. */
  DEFLATE_OLD: 32946,
  LERC: 34887,
  ZSTD: 50000,
  WEBP: 50001,
} as const;

/**
 * Predictor tag values.
 */
export const PREDICTOR = { NONE: 1, HORIZONTAL: 2, FLOAT: 3 } as const;

/**
 * SampleFormat tag values.
 */
export const SAMPLE_FORMAT = { UINT: 1, INT: 2, IEEE_FLOAT: 3 } as const;

/**
 * PhotometricInterpretation tag values.
 */
export const PHOTOMETRIC = { MIN_IS_WHITE: 0, MIN_IS_BLACK: 1, RGB: 2, PALETTE: 3, MASK: 4, YCBCR: 6 } as const;

/**
 * PlanarConfiguration tag values.
 */
export const PLANAR = { CHUNKY: 1, SEPARATE: 2 } as const;

/**
 * NewSubfileType bits.
 */
export const SUBFILE = { REDUCED: 1, PAGE: 2, MASK: 4 } as const;
