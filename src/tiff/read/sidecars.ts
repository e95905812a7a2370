import { existsSync } from 'node:fs';
import type { RasterInfo, RasterReader, WindowData } from '../raster-reader.js';
import type { BlockCache } from '../../sources/block-cache.js';
import { openSource } from '../../sources/open-source.js';
import { readTiffLayout } from '../cog-layout.js';
import { TiffRasterReader } from './tiff-reader.js';

/**
 * The local sidecar files GDAL looks for next to a GeoTIFF: `<file>.ovr` (external overviews, used
 * when the file has no internal ones) and `<file>.msk` (external mask, used when it has no
 * internal mask, nodata or alpha mask). Remote files are not probed.
 */
export function sidecarsOf(href: string, info: RasterInfo): { ovr?: string; msk?: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href) && !href.startsWith('file://')) return {};
  const path = href.replace(/^file:\/\//, '');
  const out: { ovr?: string; msk?: string } = {};
  if (info.levels.length === 1 && existsSync(`${path}.ovr`)) out.ovr = `${path}.ovr`;
  if (!info.hasMask && info.nodata === null && !info.alphaMask && existsSync(`${path}.msk`)) out.msk = `${path}.msk`;
  return out;
}

/**
 * A {@link RasterReader} that adds a GeoTIFF's external sidecars like GDAL: the levels of
 * `<file>.ovr` after the file's own (geotransforms scaled from the full resolution, the file's
 * nodata applied to them), and the mask of `<file>.msk` (valid where its first band is > 0) on
 * every level it has an image of the same size for.
 */
export async function withSidecars(
  main: RasterReader,
  files: { ovr?: string; msk?: string },
  cache?: BlockCache,
): Promise<RasterReader> {
  const open = async (file: string, nodata: string | null) => {
    const source = await openSource(file);
    try {
      const layout = await readTiffLayout(source);
      // GDAL gives the sidecar the main file's nodata and georeferencing
      const fixed = { ...layout, nodata, crs: main.info.crs, transform: main.info.transform };
      return new TiffRasterReader(file, source, fixed, true, cache);
    } catch (e) {
      await source.close();
      throw e;
    }
  };
  const nodata = main.info.nodata === null ? null : String(main.info.nodata);
  const ovr = files.ovr ? await open(files.ovr, nodata) : null;
  const msk = files.msk ? await open(files.msk, null) : null;
  return new SidecarReader(main, ovr, msk);
}

class SidecarReader implements RasterReader {
  readonly info: RasterInfo;
  private readonly own: number;

  constructor(
    private readonly main: RasterReader,
    private readonly ovr: RasterReader | null,
    private readonly msk: RasterReader | null,
  ) {
    const i = main.info;
    const t = i.transform;
    this.own = i.levels.length;
    const extra = (ovr?.info.levels ?? []).map((l) => ({
      ...l,
      transform: [
        t[0],
        (t[1] * i.width) / l.width,
        (t[2] * i.height) / l.height,
        t[3],
        (t[4] * i.width) / l.width,
        (t[5] * i.height) / l.height,
      ] as RasterInfo['transform'],
    }));
    this.info = { ...i, levels: [...i.levels, ...extra], hasMask: i.hasMask || msk !== null };
  }

  async readWindow(level: number, x0: number, y0: number, w: number, h: number, bands: number[]): Promise<WindowData> {
    const own = level < this.own;
    const got =
      own || !this.ovr
        ? await this.main.readWindow(level, x0, y0, w, h, bands)
        : await this.ovr.readWindow(level - this.own, x0, y0, w, h, bands);
    if (this.msk) {
      const { width, height } = this.info.levels[level];
      const k = this.msk.info.levels.findIndex((l) => l.width === width && l.height === height);
      if (k >= 0) {
        const m = await this.msk.readWindow(k, x0, y0, w, h, [0]);
        const mask = got.mask ?? new Uint8Array(w * h).fill(1);
        const v = m.data[0];
        for (let p = 0; p < mask.length; p++) if (!(v[p] > 0) || m.mask?.[p] === 0) mask[p] = 0;
        return { data: got.data, mask };
      }
    }
    return got;
  }

  async close(): Promise<void> {
    await Promise.all([this.main.close(), this.ovr?.close(), this.msk?.close()]);
  }
}
