/**
 * The COG header cache column: one struct column `<asset>_cog` per asset holding the loader's
 * `CogLayout` (every overview's and mask's tile offsets and byte counts included), so that a load
 * does no header I/O and SQL can read header fields (`SELECT B04_cog.width FROM catalog`).
 */

const IMAGE_FIELDS =
  'width INTEGER, height INTEGER, tiled BOOLEAN, blockWidth INTEGER, blockHeight INTEGER, offsets DOUBLE[], byteCounts DOUBLE[], ' +
  'compression INTEGER, predictor INTEGER, bitsPerSample INTEGER, sampleFormat INTEGER, samplesPerPixel INTEGER, ' +
  'planarConfiguration INTEGER, photometric INTEGER, jpegTables VARCHAR, lercParameters DOUBLE[]';

/**
 * The DuckDB/Parquet type of a `<asset>_cog` column (offsets as doubles: exact below 2^53 bytes).
 */
export const COG_LAYOUT_SQL_TYPE =
  `STRUCT(version INTEGER, littleEndian BOOLEAN, width INTEGER, height INTEGER, bands INTEGER, dtype VARCHAR, nodata VARCHAR, crs VARCHAR, ` +
  `transform DOUBLE[], images STRUCT(${IMAGE_FIELDS})[], masks STRUCT(${IMAGE_FIELDS})[], alphaBand INTEGER, alphaMask BOOLEAN, scaleOffset STRUCT(scale DOUBLE[], "offset" DOUBLE[]), palette INTEGER[][])`;

/**
 * The header cache column name of an asset.
 */
export function cogColumn(assetKey: string): string {
  return `${assetKey}_cog`;
}

/**
 * `extrasTypes` for the header cache columns of these asset keys.
 */
export function cogColumnTypes(assetKeys: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of assetKeys) out[cogColumn(k)] = COG_LAYOUT_SQL_TYPE;
  return out;
}
