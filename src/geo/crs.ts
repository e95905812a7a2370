import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proj4 from 'proj4';
import { GeoError } from '../errors.js';
import { epsgEntry, esriEntry } from './crs-table.js';

export { esriCodeByName } from './crs-table.js';

/**
 * A CRS resolved through the offline EPSG registry and registered in proj4 under `code`.
 */
export interface ResolvedCrs {
  /** Canonical name, `"EPSG:n"` or `"ESRI:n"` (OGC:CRS84 resolves to `"EPSG:4326"`, both lon/lat here), or the definition itself (proj4 string, WKT, PROJJSON text) for CRSs without a code. */
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
 * `"ESRI:102039"`, `"OGC:CRS84"`, OGC URNs/URLs, a `"+proj=..."` string, a WKT1 or WKT2 string
 * (its EPSG/ESRI code when the top-level object carries one), or a PROJJSON object or text.
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

const cache = new Map<string, ResolvedCrs>();

/**
 * Normalizes a CRS input to its canonical name, `"EPSG:n"` (or the proj4 string for custom
 * definitions), resolving it on the way. Throws {@link GeoError} `UNKNOWN_CRS` for unknown codes.
 */
export function normalizeCrs(crs: CrsInput): string {
  return resolveCrs(crs).code;
}

/**
 * Resolves a CRS offline (EPSG and ESRI definitions from geoslice's CRS table, generated from
 * `epsg-index` and `@esri/proj-codes`, loaded lazily and cached; WKT and PROJJSON through proj4's parser), registers
 * it in proj4 under its canonical code and returns it. Throws {@link GeoError} `UNKNOWN_CRS` when
 * the input is not a CRS, the code is not in the registry, or the CRS has no proj4 definition
 * (vertical, compound or geocentric CRSs).
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
    `unknown CRS ${shown}: ${why}. Use an EPSG or ESRI code such as "EPSG:32633", a "+proj=..." string, a WKT string or a PROJJSON object.`,
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
    /^(PROJCS|GEOGCS|GEOCCS|COMPD_CS|PROJCRS|PROJECTEDCRS|GEOGCRS|GEOGRAPHICCRS|GEODCRS|GEODETICCRS|BOUNDCRS|COMPOUNDCRS)\s*\[/i.test(
      s,
    )
  )
    return fromWkt(s, crs);
  const esri = /^ESRI:{1,2}(\d+)$/i.exec(s) ?? /^urn:ogc:def:crs:ESRI:[\d.]*:(\d+)$/i.exec(s);
  if (esri) return fromEsri(Number(esri[1]), crs);
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
  unknown(crs, 'not an EPSG or ESRI code, OGC:CRS84, proj4 string, WKT or PROJJSON');
}

function fromProjJson(p: ProjJsonLike, original: unknown): ResolvedCrs {
  const id = p.id ?? p.ids?.[0];
  if (id && String(id.authority).toUpperCase() === 'EPSG') return fromEpsg(Number(id.code), original);
  if (id && String(id.authority).toUpperCase() === 'OGC' && String(id.code).toUpperCase() === 'CRS84')
    return fromEpsg(4326, original);
  if (id && /^esri$/i.test(String(id.authority))) return fromEsri(Number(id.code), original);
  if (typeof p !== 'object' || p === null || !p.type) unknown(original, 'not a PROJJSON CRS object (no "type")');
  return registerDefinition(JSON.stringify(p), p, original);
}

/** A WKT1/WKT2 string: its EPSG or ESRI code when the top-level object names one, else the WKT itself. */
function fromWkt(wkt: string, original: unknown): ResolvedCrs {
  const tail = /(?:AUTHORITY|ID)\[\s*"(EPSG|ESRI)"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(wkt);
  if (tail)
    return tail[1].toUpperCase() === 'EPSG' ? fromEpsg(Number(tail[2]), original) : fromEsri(Number(tail[2]), original);
  return registerDefinition(wkt, wkt, original);
}

/** Registers a WKT or PROJJSON definition in proj4 under `code` and checks that it transforms. */
function registerDefinition(code: string, def: string | object, original: unknown): ResolvedCrs {
  let projName: string | undefined;
  try {
    proj4.defs(code, def as string);
    projName = (proj4.defs(code) as { projName?: string } | undefined)?.projName;
    proj4(code, 'EPSG:4326');
  } catch (e) {
    unknown(original, `proj4 cannot use it (${(e as Error).message})`);
  }
  if (!projName) unknown(original, 'proj4 cannot read a projection from it');
  return { code, proj4: code, geographic: projName === 'longlat' };
}

function fromEsri(code: number, original: unknown): ResolvedCrs {
  const entry = esriEntry(code);
  if (!entry) unknown(original, `ESRI:${code} is not in the ESRI projection list (@esri/proj-codes)`);
  if (code < 32768) return fromEpsg(code, original);
  const r = registerDefinition(`ESRI:${code}`, entry.wkt, original);
  return { ...r, name: entry.name };
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
  const entry = epsgEntry(code);
  if (!entry) unknown(original, `EPSG:${code} is not in the EPSG registry (epsg-index)`);
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

/**
 * The proj4 definition of an EPSG projected or geographic CRS from the offline registry, or null
 * when the code is unknown or has no 2D proj4 definition.
 */
export function epsgDefinition(code: number): string | null {
  if (!Number.isInteger(code) || code <= 0) return null;
  try {
    return resolveCrs(code).proj4;
  } catch (e) {
    if (e instanceof GeoError) return null;
    throw e;
  }
}

/**
 * True when the CRS `def` maps points exactly like the CRS `code` (an EPSG number, or any
 * {@link CrsInput}), within 1 mm or 1e-9 degree: 25 WGS 84 points spread over the code's area of
 * use are transformed with both. This is how a CRS built from explicit GeoKeys is identified as an
 * EPSG or ESRI code, like GDAL does.
 */
export function equivalentCrs(def: CrsInput, code: number | string): boolean {
  let a: ResolvedCrs;
  let b: ResolvedCrs;
  try {
    a = resolveCrs(def);
    b = resolveCrs(code);
  } catch (e) {
    if (e instanceof GeoError) return false;
    throw e;
  }
  if (a.geographic !== b.geographic) return false;
  const esri = /^ESRI:(\d+)$/.exec(b.code);
  const epsg = /^EPSG:(\d+)$/.exec(b.code);
  const area = esri ? esriEntry(Number(esri[1]))?.bbox : epsg ? epsgEntry(Number(epsg[1]))?.bbox : undefined;
  const [north, west, south, east] = area ?? [60, -30, -60, 30];
  const span = east >= west ? east - west : east + 360 - west;
  const fa = proj4('EPSG:4326', a.code);
  const fb = proj4('EPSG:4326', b.code);
  const tol = a.geographic ? 1e-9 : 1e-3;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      let lon = west + (span * (i + 0.5)) / 5;
      if (lon > 180) lon -= 360;
      const p: [number, number] = [lon, south + ((north - south) * (j + 0.5)) / 5];
      let pa: number[];
      let pb: number[];
      try {
        pa = fa.forward([...p]) as number[];
        pb = fb.forward([...p]) as number[];
      } catch {
        return false;
      }
      if (!pa.every(Number.isFinite) || !pb.every(Number.isFinite)) return false;
      if (Math.abs(pa[0] - pb[0]) > tol || Math.abs(pa[1] - pb[1]) > tol) return false;
    }
  }
  return true;
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
