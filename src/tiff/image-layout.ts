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
