/**
 * The offline EPSG and ESRI CRS registry: `data/crs-epsg.tsv.gz` and `data/crs-esri.tsv.gz`,
 * generated from `epsg-index` and `@esri/proj-codes` by `scripts/build-crs-table.ts` (which describes
 * the lines). Each file is read once, on the first look-up of its authority; a line is split into
 * fields when its code is asked for.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

/** The table files: `../../data/` from both `src/geo/` and the built `dist/geo/`. */
const FILES = {
  epsg: new URL('../../data/crs-epsg.tsv.gz', import.meta.url),
  esri: new URL('../../data/crs-esri.tsv.gz', import.meta.url),
};

/** Each authority's lines by code, in the file's order. */
const lines: { epsg?: Map<number, string>; esri?: Map<number, string> } = {};

function read(url: URL): string[] {
  try {
    return gunzipSync(readFileSync(url)).toString('utf8').split('\n');
  } catch (e) {
    const path = fileURLToPath(url);
    throw new GeoError(
      'UNKNOWN_CRS',
      `cannot read the CRS table ${path}: ${(e as Error).message}; reinstall geoslice`,
      {
        cause: e,
        subject: path,
      },
    );
  }
}

/** The code of an `E` or `S` line (its second field). */
function codeOf(line: string): number {
  const end = line.indexOf('\t', 2);
  return Number(line.slice(2, end < 0 ? undefined : end));
}

function epsgLines(): Map<number, string> {
  if (!lines.epsg) {
    lines.epsg = new Map();
    for (const line of read(FILES.epsg)) if (line.startsWith('E\t')) lines.epsg.set(codeOf(line), line);
  }
  return lines.epsg;
}

function esriLines(): Map<number, string> {
  if (!lines.esri) {
    const map = new Map<number, string>();
    for (const line of read(FILES.esri)) {
      if (line.startsWith('S\t')) {
        map.set(codeOf(line), line);
      } else if (line.startsWith('A\t')) {
        const [, alias, target] = line.split('\t');
        const entry = map.get(Number(target));
        if (entry !== undefined) map.set(Number(alias), entry);
      }
    }
    lines.esri = map;
  }
  return lines.esri;
}

function area(s: string | undefined): AreaOfUse | undefined {
  if (!s) return undefined;
  const b = s.split(',').map(Number);
  return [b[0], b[1], b[2], b[3]];
}

/** The EPSG registry's entry for `code`, or undefined. */
export function epsgEntry(code: number): EpsgEntry | undefined {
  const line = epsgLines().get(code);
  if (line === undefined) return undefined;
  const [, , kind, name, proj4, bbox] = line.split('\t');
  const b = area(bbox);
  return { kind, name, proj4: proj4 || null, ...(b ? { bbox: b } : {}) };
}

/** ESRI's projection list entry for `code`, or undefined. */
export function esriEntry(code: number): EsriEntry | undefined {
  const line = esriLines().get(code);
  if (line === undefined) return undefined;
  const [, , name, wkt, bbox] = line.split('\t');
  const b = area(bbox);
  return { name, wkt, ...(b ? { bbox: b } : {}) };
}

/**
 * The ESRI code of a projected or geographic CRS by its exact ESRI name (e.g.
 * `"USA_Contiguous_Albers_Equal_Area_Conic_USGS_version"` → 102039), or null. Codes below 32768 are
 * EPSG codes in ESRI's list and are not returned.
 */
export function esriCodeByName(name: string): number | null {
  for (const [code, line] of esriLines()) if (code >= 32768 && line.split('\t', 3)[2] === name) return code;
  return null;
}
