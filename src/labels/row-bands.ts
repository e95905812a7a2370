/**
 * Which file and band each requested band of a catalog row comes from, and a cache of open readers,
 * for the reads by geometry (`samplePoints`, `readGeometries`).
 */
import type { CatalogRow } from '../catalog/types.js';
import { LabelError } from '../errors.js';
import type { BandSelector } from '../loaders/load-slice.js';
import { openRaster, type RasterReader } from '../loaders/raster.js';

/**
 * One band to read: the file and its 0-based band index.
 */
export interface RowBand {
  href: string;
  band: number;
}

/**
 * The bands of a row: with asset keys, those assets (each its `band`, default 1); with numbers, those
 * 1-based bands of the row's single asset; by default every band of a single-asset row (the reader is
 * asked) or every asset in key order. Throws {@link LabelError} `BAD_BAND` naming the row.
 */
export async function rowBands(
  row: CatalogRow,
  bands: BandSelector[] | undefined,
  readers: ReaderCache,
): Promise<RowBand[]> {
  const keys = Object.keys(row.assets).sort();
  const bad = (why: string): never => {
    throw new LabelError('BAD_BAND', `catalog row ${row.id}: ${why}`, { subject: row.id });
  };
  if (keys.length === 0) bad('has no assets');
  if (bands === undefined) {
    if (keys.length > 1) return keys.map((k) => ({ href: row.assets[k].href, band: (row.assets[k].band ?? 1) - 1 }));
    const href = row.assets[keys[0]].href;
    const n = (await readers.get(href)).info.bands;
    return Array.from({ length: n }, (_, b) => ({ href, band: b }));
  }
  return bands.map((sel) => {
    if (typeof sel === 'string') {
      const a = row.assets[sel];
      if (!a) bad(`has no asset ${JSON.stringify(sel)} (assets: ${keys.join(', ')})`);
      return { href: a.href, band: (a.band ?? 1) - 1 };
    }
    if (keys.length !== 1) bad(`band numbers need a single-asset row; name the assets (${keys.join(', ')}) instead`);
    if (!Number.isInteger(sel) || sel < 1) bad(`band ${sel} is not a 1-based band number`);
    return { href: row.assets[keys[0]].href, band: sel - 1 };
  });
}

/**
 * Open readers by href, closed together.
 */
export class ReaderCache {
  private readonly open = new Map<string, Promise<RasterReader>>();

  get(href: string): Promise<RasterReader> {
    let r = this.open.get(href);
    if (!r) {
      r = openRaster(href);
      this.open.set(href, r);
    }
    return r;
  }

  async close(): Promise<void> {
    for (const r of this.open.values()) await (await r.catch(() => null))?.close();
    this.open.clear();
  }
}
