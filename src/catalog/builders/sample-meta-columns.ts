import type { CogLayout } from '../../tiff/cog-layout.js';

/**
 * Per-asset columns with what a raster's pixels mean, queryable in SQL: `<asset>_scale` and
 * `<asset>_offset` (one value per band: physical value = raw * scale + offset, GDAL's band
 * metadata; NULL when the file gives neither) and `<asset>_palette` (the colour table of a palette
 * raster as `[r, g, b, a]` per index, 0..255 as GDAL reports it; NULL when none). Catalogs written
 * before these columns existed read them as absent, which means the same as NULL: none.
 */
export function sampleMetaColumns(assetKey: string): { scale: string; offset: string; palette: string } {
  return { scale: `${assetKey}_scale`, offset: `${assetKey}_offset`, palette: `${assetKey}_palette` };
}

/**
 * `extrasTypes` of the sample metadata columns of these asset keys (declared, so that a first batch
 * of rows without any value still gets the right column types).
 */
export function sampleMetaTypes(assetKeys: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of assetKeys) {
    const c = sampleMetaColumns(k);
    out[c.scale] = 'DOUBLE[]';
    out[c.offset] = 'DOUBLE[]';
    out[c.palette] = 'INTEGER[][]';
  }
  return out;
}

/**
 * The sample metadata column values of one asset from its header layout.
 */
export function sampleMetaExtras(assetKey: string, layout: CogLayout): Record<string, unknown> {
  const c = sampleMetaColumns(assetKey);
  return {
    [c.scale]: layout.scaleOffset ? [...layout.scaleOffset.scale] : null,
    [c.offset]: layout.scaleOffset ? [...layout.scaleOffset.offset] : null,
    [c.palette]: layout.palette ? layout.palette.map((e) => [...e]) : null,
  };
}
