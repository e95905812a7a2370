import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import proj4 from 'proj4';
import { GeoError } from '../errors.js';

/**
 * A CRS resolved through the offline EPSG registry and registered in proj4 under `code`.
 */
export interface ResolvedCrs {
  /** Canonical name, `"EPSG:n"` (OGC:CRS84 resolves to `"EPSG:4326"`, both lon/lat here), or the proj4 string itself for custom definitions. */
  code: string;
  /** The proj4 definition registered under `code`. */
  proj4: string;
  /** True for longitude/latitude CRSs (degrees). */
  geographic: boolean;
  /** Human-readable name from the EPSG registry, when known. */
  name?: string;
  /**
   * Set when the definition needs a datum-shift grid that is not installed (looked up in
   * `$PROJ_DATA`, `$PROJ_LIB`, `/usr/share/proj`, `/usr/local/share/proj`): the grid is dropped and
   * transforms are accurate to about 100 m only. Install the named grid to get exact results.
   */
  missingGrid?: string;
}

/**
 * Anything {@link resolveCrs} understands: `"EPSG:32633"`, `"epsg:4326"`, `32633`, `"32633"`,
 * `"OGC:CRS84"`, OGC URNs/URLs, a `"+proj=..."` string, or a PROJJSON object with an EPSG `id`.
 */
export type CrsInput = string | number | ProjJsonLike;

/**
 * The part of a PROJJSON CRS object {@link resolveCrs} reads: its `id` (or first `ids` entry).
 */
export interface ProjJsonLike {
  type?: string;
  name?: string;
  id?: { authority: string; code: number | string };
  ids?: { authority: string; code: number | string }[];
}

interface EpsgEntry {
  code: string;
  kind: string;
  name: string;
  proj4: string | null;
}

const cache = new Map<string, ResolvedCrs>();
const require = createRequire(import.meta.url);
let epsgDir: string | undefined;

function epsgIndexDir(): string {
  if (epsgDir === undefined) epsgDir = join(dirname(require.resolve('epsg-index/package.json')), 's');
  return epsgDir;
}

/**
 * Normalizes a CRS input to its canonical name, `"EPSG:n"` (or the proj4 string for custom
 * definitions), resolving it on the way. Throws {@link GeoError} `UNKNOWN_CRS` for unknown codes.
 */
export function normalizeCrs(crs: CrsInput): string {
  return resolveCrs(crs).code;
}

/**
 * Resolves any EPSG code offline (definitions from the `epsg-index` package, loaded lazily per code and
 * cached), registers it in proj4 under its canonical code and returns it. Throws {@link GeoError}
 * `UNKNOWN_CRS` when the input is not a CRS code, the code is not in the EPSG registry, or the CRS
 * has no proj4 definition (vertical, compound or geocentric CRSs).
 */
export function resolveCrs(crs: CrsInput): ResolvedCrs {
  const key = typeof crs === 'object' && crs !== null ? JSON.stringify(crs) : String(crs);
  const hit = cache.get(key);
  if (hit) return hit;
  const resolved = resolveUncached(crs);
  cache.set(key, resolved);
  cache.set(resolved.code, resolved);
  return resolved;
}

function unknown(crs: unknown, why: string): never {
  const shown = typeof crs === 'object' ? JSON.stringify(crs) : String(crs);
  throw new GeoError(
    'UNKNOWN_CRS',
    `unknown CRS ${shown}: ${why}. Use an EPSG code such as "EPSG:32633", a "+proj=..." string or a PROJJSON object with an EPSG id.`,
    { subject: shown },
  );
}

function resolveUncached(crs: CrsInput): ResolvedCrs {
  if (typeof crs === 'number') {
    if (!Number.isInteger(crs) || crs <= 0) unknown(crs, 'not a positive integer EPSG code');
    return fromEpsg(crs, crs);
  }
  if (typeof crs === 'object' && crs !== null) return fromProjJson(crs, crs);
  if (typeof crs !== 'string') unknown(crs, 'expected a string, number or PROJJSON object');
  const s = crs.trim();
  if (s.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      unknown(crs, 'looks like JSON but does not parse');
    }
    return fromProjJson(parsed as ProjJsonLike, crs);
  }
  if (s.startsWith('+proj=') || s.includes(' +proj=')) return fromProj4(s);
  if (
    /^(OGC:)?CRS:?84$/i.test(s) ||
    /^urn:ogc:def:crs:OGC:[\d.]*:CRS84$/i.test(s) ||
    /\/def\/crs\/OGC\/[\d.]+\/CRS84$/i.test(s) ||
    /^WGS ?84$/i.test(s)
  ) {
    return fromEpsg(4326, crs);
  }
  const m =
    /^(?:EPSG:{0,2})?(\d+)$/i.exec(s) ??
    /^urn:ogc:def:crs:EPSG:[\d.]*:(\d+)$/i.exec(s) ??
    /\/def\/crs\/EPSG\/[\d.]+\/(\d+)$/i.exec(s);
  if (m) return fromEpsg(Number(m[1]), crs);
  unknown(crs, 'not an EPSG code, OGC:CRS84, proj4 string or PROJJSON');
}

function fromProjJson(p: ProjJsonLike, original: unknown): ResolvedCrs {
  const id = p.id ?? p.ids?.[0];
  if (id && String(id.authority).toUpperCase() === 'EPSG') return fromEpsg(Number(id.code), original);
  if (id && String(id.authority).toUpperCase() === 'OGC' && String(id.code).toUpperCase() === 'CRS84')
    return fromEpsg(4326, original);
  unknown(original, 'PROJJSON without an EPSG (or OGC CRS84) id');
}

function fromProj4(def: string): ResolvedCrs {
  const { def: usable, missingGrid } = withAvailableGrids(def);
  try {
    proj4.defs(def, usable);
    proj4(def, 'EPSG:4326');
  } catch (e) {
    unknown(def, `proj4 cannot parse it (${(e as Error).message})`);
  }
  return {
    code: def,
    proj4: usable,
    geographic: /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def),
    ...(missingGrid ? { missingGrid } : {}),
  };
}

function fromEpsg(code: number, original: unknown): ResolvedCrs {
  if (!Number.isInteger(code) || code <= 0) unknown(original, 'not a positive integer EPSG code');
  const file = join(epsgIndexDir(), `${code}.json`);
  if (!existsSync(file)) unknown(original, `EPSG:${code} is not in the EPSG registry (epsg-index)`);
  let entry: EpsgEntry;
  try {
    entry = JSON.parse(readFileSync(file, 'utf8')) as EpsgEntry;
  } catch (e) {
    throw new GeoError(
      'UNKNOWN_CRS',
      `cannot read the EPSG definition ${file}: ${(e as Error).message}; reinstall the epsg-index package`,
      { cause: e, subject: file },
    );
  }
  if (
    !entry.proj4 ||
    !/\+proj=/.test(entry.proj4) ||
    /\+proj=geocent\b/.test(entry.proj4) ||
    !/^CRS-(PROJCRS|GEOGCRS|GEOG3DCRS|COMPOUNDCRS|DRVDCRS)$/.test(entry.kind)
  ) {
    unknown(original, `EPSG:${code} (${entry.name}, ${entry.kind}) has no 2D proj4 definition`);
  }
  const name = `EPSG:${code}`;
  const { def, missingGrid } = withAvailableGrids(entry.proj4);
  try {
    proj4.defs(name, def);
  } catch (e) {
    unknown(original, `proj4 cannot use its definition "${def}" (${(e as Error).message})`);
  }
  return {
    code: name,
    proj4: def,
    geographic: entry.kind.startsWith('CRS-GEOG') || /\+proj=longlat\b/.test(def),
    name: entry.name,
    ...(missingGrid ? { missingGrid } : {}),
  };
}

const gridCache = new Map<string, boolean>();
const warnedGrids = new Set<string>();

/** Loads mandatory `+nadgrids` grids from the PROJ data directories, or drops them with a warning. */
function withAvailableGrids(def: string): { def: string; missingGrid?: string } {
  const m = /\+nadgrids=(\S+)/.exec(def);
  if (!m) return { def };
  const grids = m[1].split(',');
  const missing: string[] = [];
  for (const g of grids) {
    if (g.startsWith('@')) continue; // optional grid: proj4 skips it when absent
    if (!loadGrid(g)) missing.push(g);
  }
  if (missing.length === 0) return { def };
  const missingGrid = missing.join(',');
  if (!warnedGrids.has(missingGrid)) {
    warnedGrids.add(missingGrid);
    process.emitWarning(
      `datum grid ${missingGrid} is not installed (searched $PROJ_DATA, $PROJ_LIB, /usr/share/proj, /usr/local/share/proj); transforms of "${def}" ignore the datum shift and are accurate to about 100 m`,
      { code: 'GEOSLICE_MISSING_GRID' },
    );
  }
  return { def: def.replace(/\s*\+nadgrids=\S+/, ''), missingGrid };
}

function loadGrid(name: string): boolean {
  const known = gridCache.get(name);
  if (known !== undefined) return known;
  const dirs = [process.env.PROJ_DATA, process.env.PROJ_LIB, '/usr/share/proj', '/usr/local/share/proj'].filter(
    (d): d is string => !!d,
  );
  let ok = false;
  if (/\.gsb$/i.test(name)) {
    for (const dir of dirs.flatMap((d) => d.split(':'))) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      try {
        const buf = readFileSync(path);
        proj4.nadgrid(name, buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
        ok = true;
        break;
      } catch {
        // an unreadable grid counts as missing; the caller warns
      }
    }
  }
  gridCache.set(name, ok);
  return ok;
}
