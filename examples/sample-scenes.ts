/**
 * The setup the examples share: the sample archive, a GeoParquet catalog of its scenes (with the COG
 * header cache, dates from the file names), the July scenes kept in memory (each epoch's sampler pass
 * then reads no file), and a loader of their four bands that skips chips in a scene's no-data corner.
 */
import { join } from 'node:path';
import { ensureSampleArchive, type SampleArchive } from './sample-archive.js';
import { buildRasterCatalog, createLoader, interval, type GeoCatalog, type Loader } from 'geoslice';

/** What {@link openSampleScenes} returns; `close()` releases the loader and the catalog. */
export interface SampleScenes {
  archive: SampleArchive;
  /** The catalog of every scene, written to `<outDir>/catalog.parquet`. */
  catalog: GeoCatalog;
  /** Rows of the catalog written. */
  rows: number;
  /** The July 2024 scenes over the archive's region, in memory. */
  july: GeoCatalog;
  /** Loads bands 1-4 of the July scenes; slices without data are skipped (reported to `onError`). */
  loader: Loader;
  close(): Promise<void>;
}

/**
 * Creates (or reuses) the sample archive, catalogs it into `outDir` and opens the July scenes.
 *
 * @example
 * ```ts
 * const { july, loader, close } = await openSampleScenes('examples-output/train');
 * for await (const chip of loader.chips(randomSampler(july, { crs: 'EPSG:32632', size: 32, resolution: [30, 30], length: 8, seed: 1 }))) console.log(chip.shape);
 * await close();
 * ```
 */
export async function openSampleScenes(outDir: string): Promise<SampleScenes> {
  const archive = await ensureSampleArchive();
  const { catalog, rows } = await buildRasterCatalog(archive.scenes, {
    out: join(outDir, 'catalog.parquet'),
    filenameRegex: /_(?<date>\d{8})\.tif$/,
    dateFormat: 'YYYYMMDD',
    cogHeaders: true,
    progress: false,
  });
  const july = await catalog
    .query({ bbox: archive.region, interval: interval('2024-07-01', '2024-07-31T23:59:59Z') })
    .materialize();
  const loader = createLoader({ catalog: july, bands: [1, 2, 3, 4], concurrency: 4, onError: () => undefined });
  return {
    archive,
    catalog,
    rows,
    july,
    loader,
    close: async () => {
      await loader.close();
      await july.close();
      await catalog.close();
    },
  };
}
