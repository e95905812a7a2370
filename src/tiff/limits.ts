/**
 * Sane maxima the TIFF parser and the block reader enforce, in the spirit of libtiff's and GDAL's
 * checks: a file beyond them is refused as corrupt (`CORRUPT_TIFF`) before anything is allocated.
 */
export const LIMITS = {
  /** IFDs in one chain. */
  maxIfds: 65_536,
  /** Entries in one IFD (classic TIFF cannot hold more). */
  maxIfdEntries: 65_535,
  /** Bytes of one tag's values. */
  maxTagBytes: 256 * 1024 * 1024,
  /** Image width or height, in pixels (GDAL's raster size is an int). */
  maxDimension: 2 ** 31 - 1,
  /** SamplesPerPixel (GDAL: at most 65535 bands). */
  maxSamplesPerPixel: 65_535,
  /** BitsPerSample. */
  maxBitsPerSample: 64,
  /** Decoded bytes of one tile or strip (GDAL refuses blocks of 2 GB and more). */
  maxBlockBytes: 2 ** 30,
  /**
   * Stored (compressed) bytes of one block, as a multiple of its decoded size plus
   * {@link LIMITS.storedBlockSlack}: no TIFF codec expands data that much.
   */
  storedBlockFactor: 2,
  storedBlockSlack: 1024 * 1024,
} as const;
