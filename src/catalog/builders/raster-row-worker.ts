/**
 * Worker-thread entry of the raster builder's pool: reads one raster header and returns its catalog
 * row, or the typed error as plain data (errors do not survive structured cloning with their class).
 */
import type { HttpSourceOptions } from '../../sources/http-source.js';
import { GeosliceError } from '../../errors.js';
import { VALID_FOOTPRINT_COLUMN } from '../../footprints/use-footprint.js';
import { validFootprint } from '../../footprints/valid-footprint.js';
import { writeWkb } from '../../geo/wkb.js';
import type { CatalogRow } from '../types.js';
import type { DateFormat } from './filename-time.js';
import { rasterRow } from './raster-row.js';

/**
 * One unit of work: a file and the serialisable row options (the regex travels as source + flags).
 */
export interface RasterRowTask {
  href: string;
  assetKey?: string;
  regex?: { source: string; flags: string };
  dateFormat?: DateFormat;
  cogHeaders?: boolean;
  tiffDateTime?: boolean;
  /** HTTP options without `signRequest` (a function cannot cross to a worker). */
  http?: Omit<HttpSourceOptions, 'signRequest'>;
  /** 'valid': also record the valid-data footprint (EPSG:4326 WKB) in `valid_footprint`. */
  footprint?: 'bbox' | 'valid';
}

/**
 * What a worker sends back: the row, or the error's code, message and subject.
 */
export type RasterRowResult = { row: CatalogRow } | { error: { code: string; message: string; subject?: string } };

/**
 * Runs {@link rasterRow} for a task, catching every error into a {@link RasterRowResult}.
 */
export default async function rasterRowTask(task: RasterRowTask): Promise<RasterRowResult> {
  try {
    const row = await rasterRow(task.href, {
      assetKey: task.assetKey,
      filenameRegex: task.regex ? new RegExp(task.regex.source, task.regex.flags) : undefined,
      dateFormat: task.dateFormat,
      cogHeaders: task.cogHeaders,
      tiffDateTime: task.tiffDateTime,
      http: task.http,
    });
    if (task.footprint === 'valid') {
      const g = await validFootprint(task.href);
      row.extras[VALID_FOOTPRINT_COLUMN] = g ? writeWkb(g) : null;
    }
    return { row };
  } catch (e) {
    if (e instanceof GeosliceError) return { error: { code: e.code, message: e.message, subject: e.subject } };
    return {
      error: { code: 'UNREADABLE', message: `${task.href}: ${(e as Error)?.message ?? String(e)}`, subject: task.href },
    };
  }
}
