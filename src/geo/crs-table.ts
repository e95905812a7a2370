/**
 * The offline EPSG and ESRI CRS registry: `data/crs-table.tsv.gz`, generated from `epsg-index` and
 * `@esri/proj-codes` by `scripts/build-crs-table.ts` (its header describes the lines), read and
 * parsed once, on the first look-up.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { GeoError } from '../errors.js';

/** Area of use `[north, west, south, east]` in degrees. */
export type AreaOfUse = [number, number, number, number];

/** An EPSG CRS as epsg-index describes it. */
export interface EpsgEntry {
  /** epsg-index's kind: `CRS-PROJCRS`, `CRS-GEOGCRS`, `CRS-GEOG3DCRS`, `CRS-VERTCRS`, `CRS-COMPOUNDCRS`... */
  kind: string;
  name: string;
  /** The proj4 definition, or null when there is none. */
  proj4: string | null;
  bbox?: AreaOfUse;
}

/** An ESRI CRS from ESRI's projection list (codes below 32768 are EPSG codes). */
export interface EsriEntry {
  name: string;
  wkt: string;
  bbox?: AreaOfUse;
}

/** The table file: `../../data/` from both `src/geo/` and the built `dist/geo/`. */
const TABLE_URL = new URL('../../data/crs-table.tsv.gz', import.meta.url);

interface Table {
  epsg: Map<number, EpsgEntry>;
  esri: Map<number, EsriEntry>;
}

let table: Table | undefined;

function area(s: string | undefined): AreaOfUse | undefined {
  if (!s) return undefined;
  const b = s.split(',').map(Number);
  return [b[0], b[1], b[2], b[3]];
}

function load(): Table {
  let text: string;
  try {
    text = gunzipSync(readFileSync(TABLE_URL)).toString('utf8');
  } catch (e) {
    const path = decodeURIComponent(TABLE_URL.pathname);
    throw new GeoError(
      'UNKNOWN_CRS',
      `cannot read the CRS table ${path}: ${(e as Error).message}; reinstall geoslice`,
      {
        cause: e,
        subject: path,
      },
    );
  }
  const epsg = new Map<number, EpsgEntry>();
  const esri = new Map<number, EsriEntry>();
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'E') {
      const bbox = area(f[5]);
      epsg.set(Number(f[1]), { kind: f[2], name: f[3], proj4: f[4] || null, ...(bbox ? { bbox } : {}) });
    } else if (f[0] === 'S') {
      const bbox = area(f[4]);
      esri.set(Number(f[1]), { name: f[2], wkt: f[3], ...(bbox ? { bbox } : {}) });
    } else if (f[0] === 'A') {
      const target = esri.get(Number(f[2]));
      if (target) esri.set(Number(f[1]), target);
    }
  }
  return { epsg, esri };
}

function get(): Table {
  table ??= load();
  return table;
}

/** The EPSG registry's entry for `code`, or undefined. */
export function epsgEntry(code: number): EpsgEntry | undefined {
  return get().epsg.get(code);
}

/** ESRI's projection list entry for `code`, or undefined. */
export function esriEntry(code: number): EsriEntry | undefined {
  return get().esri.get(code);
}

/**
 * The ESRI code of a projected or geographic CRS by its exact ESRI name (e.g.
 * `"USA_Contiguous_Albers_Equal_Area_Conic_USGS_version"` → 102039), or null. Codes below 32768 are
 * EPSG codes in ESRI's list and are not returned.
 */
export function esriCodeByName(name: string): number | null {
  for (const [code, e] of get().esri) if (code >= 32768 && e.name === name) return code;
  return null;
}
