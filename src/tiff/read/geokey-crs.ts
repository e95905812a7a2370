import proj4 from 'proj4';
import { RasterError } from '../../errors.js';
import { epsgDefinition, equivalentCrs, esriCodeByName } from '../../geo/crs.js';
import { GEOKEY as K, type GeoKeys } from '../geokeys.js';

const USER_DEFINED = 32767;

/** EPSG ellipsoid codes → [semi-major axis (m), inverse flattening (0 = sphere)]. */
const ELLIPSOIDS: Record<number, [number, number]> = {
  7001: [6377563.396, 299.3249646],
  7002: [6377340.189, 299.3249646],
  7003: [6378160, 298.25],
  7004: [6377397.155, 299.1528128],
  7005: [6377492.018, 299.1528128],
  7006: [6377483.865, 299.1528128],
  7007: [6378293.645208759, 294.2606763692654],
  7008: [6378206.4, 294.978698213898],
  7010: [6378300.789, 293.4663155389811],
  7011: [6378249.2, 293.4660212936269],
  7012: [6378249.145, 293.465],
  7013: [6378249.145, 293.4663077],
  7014: [6378249.2, 293.46598],
  7015: [6377276.345, 300.8017],
  7016: [6377298.556, 300.8017],
  7018: [6377304.063, 300.8017],
  7019: [6378137, 298.257222101],
  7020: [6378200, 298.3],
  7021: [6378160, 298.247],
  7022: [6378388, 297],
  7024: [6378245, 298.3],
  7025: [6378145, 298.25],
  7027: [6376523, 308.64],
  7028: [6378298.3, 294.73],
  7029: [6378300, 296],
  7030: [6378137, 298.257223563],
  7031: [6378137, 298.257223563],
  7032: [6378136.2, 298.257223563],
  7033: [6378136.3, 298.257223563],
  7034: [6378249.144808011, 293.4663076556349],
  7035: [6371000, 0],
  7036: [6378160, 298.247167427],
  7041: [6378135, 298.257],
  7043: [6378135, 298.26],
  7044: [6377301.243, 300.8017255],
  7045: [6377299.151, 300.8017255],
  7046: [6377397.155, 299.1528153513233],
  7048: [6371007, 0],
  7050: [6378160, 298.25],
  7052: [6370997, 0],
  7053: [6378270, 297],
  7054: [6378136, 298.257839303],
  7056: [6377295.664, 300.8017],
  7057: [6371228, 0],
  7058: [6378273, 298.279411123064],
};

/** EPSG prime meridian codes → longitude from Greenwich in degrees. */
const PRIME_MERIDIANS: Record<number, number> = {
  8901: 0,
  8902: -9.131906111111112,
  8903: 2.33722917,
  8904: -74.08091666666667,
  8905: -3.687938888888889,
  8906: 12.45233333333333,
  8907: 7.439583333333333,
  8908: 106.8077194444444,
  8909: -17.66666666666667,
  8910: 4.367975,
  8911: 18.05827777777778,
  8912: 23.7163375,
  8913: 10.72291666666667,
  8914: 2.337208333333333,
};

/** EPSG angular unit codes → degrees per unit (9110 sexagesimal DMS is handled apart). */
const ANGULAR_UNITS: Record<number, number> = {
  9101: 180 / Math.PI,
  9102: 1,
  9103: 1 / 60,
  9104: 1 / 3600,
  9105: 0.9,
  9106: 0.9,
  9109: 180e-6 / Math.PI,
  9122: 1,
};

/** EPSG linear unit codes → metres per unit. */
const LINEAR_UNITS: Record<number, number> = {
  9001: 1,
  9002: 0.3048,
  9003: 1200 / 3937,
  9005: 0.3047972654,
  9014: 1.8288,
  9030: 1852,
  9031: 1.0000135965,
  9033: 20.11684023368047,
  9034: 0.2011684023368047,
  9035: 1609.347218694437,
  9036: 1000,
  9037: 0.9143917962,
  9038: 20.1166195164,
  9039: 0.201166195164,
  9040: 0.914398414616029,
  9041: 0.304799471538676,
  9042: 20.1167651215526,
  9080: 0.304799510248147,
  9081: 0.30479841,
  9082: 0.3047996,
  9083: 0.3047995,
  9093: 1609.344,
  9094: 0.3047997101815088,
  9095: 0.3048007491,
  9096: 0.9144,
  9097: 20.1168,
  9098: 0.201168,
  9099: 0.914398,
};

/** The Earth's semi-major axis must fall in this range (metres) for a CRS to be an Earth CRS. */
const EARTH_AXIS: [number, number] = [6_300_000, 6_400_000];

/** Geodetic part of a CRS: proj4 tokens for datum/ellipsoid/prime meridian, and the axes. */
interface Geodetic {
  tokens: string;
  a: number;
  b: number;
}

/**
 * The CRS of a GeoKey directory, built the way libgeotiff's `GTIFGetDefn` and GDAL do: EPSG codes
 * for projected and geographic CRSs, overridden by any explicit key (datum, ellipsoid, axes,
 * prime meridian, angular and linear units, TOWGS84, projection method and parameters). Returns
 * `"EPSG:n"` when the result is equivalent to the EPSG code the keys name (or to a UTM zone or
 * WGS 84), else a complete proj4 definition, or null when the file has no CRS keys.
 *
 * Throws {@link RasterError} `NON_EARTH_CRS` for an ellipsoid that is not the Earth's (Mars, Moon),
 * `UNSUPPORTED_CRS` for a geocentric model, an unknown EPSG or unit code, or a projection method
 * that cannot be expressed (naming the key and the value).
 */
export function crsFromKeys(keys: GeoKeys, href: string): string | null {
  const model = num(keys, K.GTModelType);
  const pcs = num(keys, K.ProjectedCSType);
  const gcs = num(keys, K.GeographicType);
  const refuse = (why: string): never => {
    throw new RasterError('UNSUPPORTED_CRS', `${href}: ${why}; geoslice cannot place it on the Earth`, {
      subject: href,
    });
  };
  if (model === 3) refuse('the GeoKeys describe a geocentric model (GTModelTypeGeoKey = 3)');
  const esri = esriPeString(keys);
  if (esri !== null && (pcs === undefined || pcs === USER_DEFINED) && !keys.has(K.ProjCoordTrans)) {
    return fromEsriWkt(esri, href, refuse);
  }
  const projected =
    model === 1 || (model !== 2 && (pcs !== undefined || keys.has(K.ProjCoordTrans) || keys.has(K.Projection)));
  const hasGeog = [
    K.GeogGeodeticDatum,
    K.GeogEllipsoid,
    K.GeogSemiMajorAxis,
    K.GeogSemiMinorAxis,
    K.GeogInvFlattening,
    K.GeogPrimeMeridian,
    K.GeogTOWGS84,
    K.GeogAngularUnits,
  ].some((k) => keys.has(k));
  if (!projected && gcs === undefined && !hasGeog) return null;

  if (projected) {
    const explicit =
      hasGeog ||
      keys.has(K.ProjCoordTrans) ||
      (keys.has(K.ProjLinearUnits) && pcs !== undefined && pcs !== USER_DEFINED) ||
      (gcs !== undefined && pcs !== undefined && pcs !== USER_DEFINED && gcs !== USER_DEFINED && !pcsUsesGcs(pcs, gcs));
    if (pcs !== undefined && pcs !== USER_DEFINED && !explicit) return epsgCode(pcs, href, 'ProjectedCSTypeGeoKey');
    const seed = pcs !== undefined && pcs !== USER_DEFINED ? epsgProj4(pcs, href, 'ProjectedCSTypeGeoKey') : null;
    const geo = geodetic(keys, href, seed, refuse);
    const def = `${projection(keys, href, seed, refuse)} ${geo.tokens} ${linearUnits(keys, href, seed, refuse)} +no_defs`;
    return identify(def, [
      ...(seed ? [`EPSG:${pcs}`] : []),
      ...utmCandidates(def).map((c) => `EPSG:${c}`),
      ...esriCandidates(keys),
    ]);
  }
  if (gcs !== undefined && gcs !== USER_DEFINED && !hasGeog) return epsgCode(gcs, href, 'GeographicTypeGeoKey');
  const geo = geodetic(keys, href, null, refuse);
  const def = `+proj=longlat ${geo.tokens} +no_defs`;
  return identify(def, [...(gcs !== undefined && gcs !== USER_DEFINED ? [`EPSG:${gcs}`] : []), 'EPSG:4326']);
}

/** The WKT of an "ESRI PE String = …" citation (how GDAL stores CRSs GeoKeys cannot express), or null. */
function esriPeString(keys: GeoKeys): string | null {
  for (const id of [K.PCSCitation, K.GTCitation, K.GeogCitation]) {
    const v = keys.get(id);
    if (typeof v !== 'string') continue;
    const m = /ESRI PE String = ((?:PROJCS|GEOGCS)\[.*\])/s.exec(v);
    if (m) return m[1];
  }
  return null;
}

/** A proj4 definition from an ESRI WKT (proj4's WKT parser; geostationary spelled out, since it does not map it). */
function fromEsriWkt(wkt: string, href: string, refuse: (why: string) => never): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = proj4.Proj(wkt) as unknown as Record<string, unknown>;
  } catch (e) {
    return refuse(`its ESRI PE String citation cannot be parsed (${(e as Error).message})`);
  }
  const a = Number(parsed.a);
  if (!(a >= EARTH_AXIS[0] && a <= EARTH_AXIS[1])) {
    throw new RasterError(
      'NON_EARTH_CRS',
      `${href}: its ellipsoid has a semi-major axis of ${a} m, which is not the Earth's (a Mars, Moon or other body CRS); geoslice places rasters on the Earth only`,
      { subject: href },
    );
  }
  const param = (name: string): number => {
    const m = new RegExp(`PARAMETER\\["${name}",([-+0-9.eE]+)\\]`, 'i').exec(wkt);
    return m ? Number(m[1]) : 0;
  };
  if (/PROJECTION\["Geostationary_Satellite"\]/i.test(wkt)) {
    const b = Number(parsed.b);
    const geo = `+a=${a} +b=${b}`;
    return `+proj=geos +h=${param('Height')} +lon_0=${param('Longitude_Of_Center')} +x_0=${param('False_Easting')} +y_0=${param('False_Northing')} +sweep=${param('Option') === 1 ? 'x' : 'y'} ${geo} +units=m +no_defs`;
  }
  try {
    const f = proj4('EPSG:4326', wkt);
    const p = f.forward([
      Number(parsed.long0 ?? 0) * (180 / Math.PI) || 0,
      Number(parsed.lat0 ?? 0) * (180 / Math.PI) || 0,
    ]);
    const back = f.inverse(p);
    if (![...p, ...back].every(Number.isFinite)) throw new Error('points do not round-trip');
  } catch (e) {
    return refuse(`its ESRI PE String projection cannot be used by proj4 (${(e as Error).message})`);
  }
  return wkt;
}

function num(keys: GeoKeys, id: number): number | undefined {
  const v = keys.get(id);
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length > 0) return v[0];
  return undefined;
}

function epsgCode(code: number, href: string, key: string): string {
  epsgProj4(code, href, key);
  return `EPSG:${code}`;
}

function epsgProj4(code: number, href: string, key: string): string {
  const def = epsgDefinition(code);
  if (!def)
    throw new RasterError(
      'UNSUPPORTED_CRS',
      `${href}: ${key} = ${code} is not an EPSG CRS with a proj4 definition (epsg-index); geoslice cannot place it on the Earth`,
      { subject: href },
    );
  return def;
}

/** True when the EPSG projected CRS `pcs` is based on the geographic CRS `gcs` (same geodetic tokens). */
function pcsUsesGcs(pcs: number, gcs: number): boolean {
  const p = epsgDefinition(pcs);
  const g = epsgDefinition(gcs);
  if (!p || !g) return false;
  return geodeticTokens(p) === geodeticTokens(g);
}

const GEODETIC_TOKEN = /^\+(datum|ellps|a|b|rf|f|R|towgs84|nadgrids|pm)=/;

function geodeticTokens(def: string): string {
  return def
    .split(/\s+/)
    .filter((t) => GEODETIC_TOKEN.test(t))
    .join(' ');
}

function projectionTokens(def: string): string {
  return def
    .split(/\s+/)
    .filter((t) => t.startsWith('+') && !GEODETIC_TOKEN.test(t) && !/^\+(units|to_meter|no_defs|type|wktext)\b/.test(t))
    .join(' ');
}

/** Degrees per unit of the angular unit the keys give (default degree), or 'dms' for 9110. */
function angularUnit(keys: GeoKeys, href: string, refuse: (why: string) => never): number | 'dms' {
  const code = num(keys, K.GeogAngularUnits);
  if (code === undefined) return 1;
  if (code === 9110) return 'dms';
  if (code === USER_DEFINED) {
    const size = num(keys, K.GeogAngularUnitSize);
    if (size === undefined || !(size > 0)) refuse('GeogAngularUnitsGeoKey is user-defined without a unit size');
    return ((size as number) * 180) / Math.PI;
  }
  const f = ANGULAR_UNITS[code];
  if (f === undefined) refuse(`GeogAngularUnitsGeoKey = ${code} is not a known angular unit`);
  void href;
  return f;
}

function toDegrees(v: number, unit: number | 'dms'): number {
  if (unit !== 'dms') return v * unit;
  // packed DDD.MMSSsss
  const sign = v < 0 ? -1 : 1;
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 100 + 1e-9);
  const s = ((a - d) * 100 - m) * 100;
  return sign * (d + m / 60 + s / 3600);
}

/** The geodetic tokens after libgeotiff's override order: GCS → datum → ellipsoid → axes → PM → TOWGS84. */
function geodetic(keys: GeoKeys, href: string, pcsSeed: string | null, refuse: (why: string) => never): Geodetic {
  const gcs = num(keys, K.GeographicType);
  const unit = angularUnit(keys, href, refuse);
  let seed: string | null = null;
  if (gcs !== undefined && gcs !== USER_DEFINED) seed = epsgProj4(gcs, href, 'GeographicTypeGeoKey');
  else if (gcs === undefined && pcsSeed) seed = pcsSeed;
  const datum = num(keys, K.GeogGeodeticDatum);
  if (datum !== undefined && datum !== USER_DEFINED && (seed === null || (gcs !== undefined && datum !== gcs + 2000))) {
    // EPSG datum 6xxx belongs to geographic CRS 4xxx
    seed = epsgDefinition(datum - 2000);
    if (!seed) refuse(`GeogGeodeticDatumGeoKey = ${datum} is not a datum geoslice knows`);
  } else if (datum === USER_DEFINED) seed = null;
  let tokens = seed ? geodeticTokens(seed) : '';
  let [a, b] = seed ? axesOf(seed) : [Number.NaN, Number.NaN];
  /** Inverse flattening as the keys or the table give it (printed as is), or undefined. */
  let rf: number | undefined;
  let changed = seed === null;

  const ellipsoid = num(keys, K.GeogEllipsoid);
  if (ellipsoid !== undefined && ellipsoid !== USER_DEFINED) {
    const e = ELLIPSOIDS[ellipsoid];
    if (!e) refuse(`GeogEllipsoidGeoKey = ${ellipsoid} is not an ellipsoid geoslice knows`);
    const [ea, erf] = e as [number, number];
    const eb = erf === 0 ? ea : ea * (1 - 1 / erf);
    if (!close(ea, a) || !close(eb, b)) {
      [a, b] = [ea, eb];
      rf = e[1] === 0 ? undefined : e[1];
      changed = true;
    }
  }
  const semiMajor = num(keys, K.GeogSemiMajorAxis);
  const semiMinor = num(keys, K.GeogSemiMinorAxis);
  const invF = num(keys, K.GeogInvFlattening);
  if (semiMajor !== undefined && !close(semiMajor, a)) {
    a = semiMajor;
    changed = true;
  }
  if (invF !== undefined) {
    const nb = invF === 0 ? a : a * (1 - 1 / invF);
    if (!close(nb, b)) changed = true;
    b = nb;
    rf = invF === 0 ? undefined : invF;
  } else if (semiMinor !== undefined) {
    if (!close(semiMinor, b)) changed = true;
    b = semiMinor;
    rf = undefined;
  } else if (changed && !(b > 0)) b = a;
  if (!(a > 0) || !(b > 0)) refuse('the GeoKeys give no ellipsoid (no EPSG datum, ellipsoid or semi-major axis)');
  if (a < EARTH_AXIS[0] || a > EARTH_AXIS[1]) {
    throw new RasterError(
      'NON_EARTH_CRS',
      `${href}: its ellipsoid has a semi-major axis of ${a} m, which is not the Earth's (a Mars, Moon or other body CRS); geoslice places rasters on the Earth only`,
      { subject: href },
    );
  }

  let pm = seed ? pmOf(seed) : 0;
  const pmCode = num(keys, K.GeogPrimeMeridian);
  const pmLong = num(keys, K.GeogPrimeMeridianLong);
  if (pmCode !== undefined || pmLong !== undefined) {
    let v: number;
    if (pmCode === undefined || pmCode === USER_DEFINED) v = toDegrees(pmLong ?? 0, unit);
    else {
      const known = PRIME_MERIDIANS[pmCode];
      if (known === undefined) refuse(`GeogPrimeMeridianGeoKey = ${pmCode} is not a prime meridian geoslice knows`);
      v = known as number;
    }
    if (Math.abs(v - pm) > 1e-10) changed = true;
    pm = v;
  }
  let towgs84 = seed ? /\+towgs84=(\S+)/.exec(seed)?.[1] : undefined;
  const t = keys.get(K.GeogTOWGS84);
  if (t !== undefined) {
    const v = (Array.isArray(t) ? t : [t]).map(Number);
    const text = (v.length === 3 || v.length === 7 ? v : v.slice(0, 3)).join(',');
    if (text !== towgs84) changed = true;
    towgs84 = text;
  }
  if (changed) {
    const flat = close(a, b) ? '' : ` +rf=${rf ?? round(a / (a - b))}`;
    tokens = `+a=${a}${flat || ` +b=${b}`}${towgs84 ? ` +towgs84=${towgs84}` : ''}${pm !== 0 ? ` +pm=${pm}` : ''}`;
  }
  return { tokens, a, b };
}

function round(v: number): number {
  return Number(v.toPrecision(15));
}

function close(u: number, v: number): boolean {
  return Math.abs(u - v) <= 1e-6;
}

function axesOf(def: string): [number, number] {
  const p = new proj4.Proj(def) as unknown as { a: number; b: number };
  return [p.a, p.b];
}

function pmOf(def: string): number {
  const p = new proj4.Proj(def) as unknown as { from_greenwich?: number };
  return ((p.from_greenwich ?? 0) * 180) / Math.PI;
}

/** `+units=…` / `+to_meter=…` from ProjLinearUnitsGeoKey, else from the EPSG seed, else metres. */
function linearUnits(keys: GeoKeys, href: string, seed: string | null, refuse: (why: string) => never): string {
  const f = linearFactor(keys, href, seed, refuse);
  if (f === 1) return '+units=m';
  if (f === 0.3048) return '+units=ft';
  if (f === 1200 / 3937) return '+units=us-ft';
  return `+to_meter=${f}`;
}

function linearFactor(keys: GeoKeys, _href: string, seed: string | null, refuse: (why: string) => never): number {
  const code = num(keys, K.ProjLinearUnits);
  if (code === undefined) {
    if (!seed) return 1;
    const m = /\+to_meter=(\S+)/.exec(seed);
    if (m) return Number(m[1]);
    const u = /\+units=(\S+)/.exec(seed)?.[1];
    return u === 'ft' ? 0.3048 : u === 'us-ft' ? 1200 / 3937 : u === 'km' ? 1000 : 1;
  }
  if (code === USER_DEFINED) {
    const size = num(keys, K.ProjLinearUnitSize);
    if (size === undefined || !(size > 0)) refuse('ProjLinearUnitsGeoKey is user-defined without a unit size');
    return size as number;
  }
  const f = LINEAR_UNITS[code];
  if (f === undefined) refuse(`ProjLinearUnitsGeoKey = ${code} is not a known linear unit`);
  return f as number;
}

/** The projection tokens from ProjCoordTransGeoKey and its parameters (GTIFFetchProjParms), or from the EPSG seed. */
function projection(keys: GeoKeys, href: string, seed: string | null, refuse: (why: string) => never): string {
  const ct = num(keys, K.ProjCoordTrans);
  if (ct === undefined) {
    if (seed) return projectionTokens(seed);
    const proj = num(keys, K.Projection);
    if (proj !== undefined && ((proj > 16000 && proj <= 16060) || (proj > 16100 && proj <= 16160))) {
      const zone = proj % 100;
      return `+proj=utm +zone=${zone}${proj > 16100 ? ' +south' : ''}`;
    }
    return refuse(
      proj !== undefined
        ? `ProjectionGeoKey = ${proj} is not a projection geoslice knows and there is no ProjCoordTransGeoKey`
        : 'its projected CRS is user-defined but has no ProjCoordTransGeoKey (projection method)',
    );
  }
  // GDAL reads projection angles in degrees whatever GeogAngularUnitsGeoKey says (only the prime
  // meridian longitude follows the angular unit)
  const lin = linearFactor(keys, href, seed, refuse);
  const angle = (...ids: number[]): number => {
    for (const id of ids) {
      const v = num(keys, id);
      if (v !== undefined) return v;
    }
    return 0;
  };
  const plain = (dflt: number, ...ids: number[]): number => {
    for (const id of ids) {
      const v = num(keys, id);
      if (v !== undefined) return v;
    }
    return dflt;
  };
  const lat0 = () => angle(K.ProjNatOriginLat, K.ProjFalseOriginLat, K.ProjCenterLat);
  const lon0 = () => angle(K.ProjNatOriginLong, K.ProjFalseOriginLong, K.ProjCenterLong);
  const centerLat = () => angle(K.ProjCenterLat, K.ProjNatOriginLat, K.ProjFalseOriginLat);
  const centerLon = () => angle(K.ProjCenterLong, K.ProjNatOriginLong, K.ProjFalseOriginLong);
  const scale = () => plain(1, K.ProjScaleAtNatOrigin, K.ProjScaleAtCenter);
  const fe = () => plain(0, K.ProjFalseEasting, K.ProjCenterEasting, K.ProjFalseOriginEasting) * lin;
  const fn = () => plain(0, K.ProjFalseNorthing, K.ProjCenterNorthing, K.ProjFalseOriginNorthing) * lin;
  const feOrigin = () => plain(0, K.ProjFalseOriginEasting, K.ProjFalseEasting) * lin;
  const fnOrigin = () => plain(0, K.ProjFalseOriginNorthing, K.ProjFalseNorthing) * lin;
  const xy = () => `+x_0=${fe()} +y_0=${fn()}`;
  const sp1 = () => angle(K.ProjStdParallel1);
  const sp2 = () => angle(K.ProjStdParallel2);
  switch (ct) {
    case 1: // Transverse Mercator
      return `+proj=tmerc +lat_0=${lat0()} +lon_0=${lon0()} +k=${scale()} ${xy()}`;
    case 3: // Oblique Mercator (Hotine variant A)
    case 9815: // Hotine variant B (azimuth at centre)
      return `+proj=omerc +lat_0=${centerLat()} +lonc=${centerLon()} +alpha=${angle(K.ProjAzimuthAngle)} +gamma=${keys.has(K.ProjRectifiedGridAngle) ? angle(K.ProjRectifiedGridAngle) : angle(K.ProjAzimuthAngle)} +k=${plain(1, K.ProjScaleAtCenter, K.ProjScaleAtNatOrigin)} ${xy()}${ct === 3 ? ' +no_uoff' : ''}`;
    case 7: {
      // Mercator: 2SP when a standard parallel is given, else 1SP (origin latitude must be 0)
      if (keys.has(K.ProjStdParallel1)) return `+proj=merc +lat_ts=${sp1()} +lon_0=${lon0()} ${xy()}`;
      const lat = lat0();
      const k = scale();
      if (lat !== 0 || !(k > 0))
        refuse(
          `its Mercator (1SP) projection has latitude of origin ${lat} and scale ${k}; PROJ accepts only latitude 0 and a positive scale`,
        );
      return `+proj=merc +lon_0=${lon0()} +k=${k} ${xy()}`;
    }
    case 8: // Lambert conformal conic 2SP
      return `+proj=lcc +lat_0=${angle(K.ProjFalseOriginLat, K.ProjNatOriginLat, K.ProjCenterLat)} +lon_0=${angle(K.ProjFalseOriginLong, K.ProjNatOriginLong, K.ProjCenterLong)} +lat_1=${sp1()} +lat_2=${sp2()} +x_0=${feOrigin()} +y_0=${fnOrigin()}`;
    case 9: {
      // Lambert conformal conic 1SP
      const lat = lat0();
      return `+proj=lcc +lat_1=${lat} +lat_0=${lat} +lon_0=${lon0()} +k_0=${scale()} ${xy()}`;
    }
    case 10: // Lambert azimuthal equal-area
      return `+proj=laea +lat_0=${centerLat()} +lon_0=${centerLon()} ${xy()}`;
    case 11: // Albers equal-area
      return `+proj=aea +lat_0=${lat0()} +lon_0=${lon0()} +lat_1=${sp1()} +lat_2=${sp2()} +x_0=${feOrigin()} +y_0=${fnOrigin()}`;
    case 12: // Azimuthal equidistant
      return `+proj=aeqd +lat_0=${centerLat()} +lon_0=${centerLon()} ${xy()}`;
    case 13: // Equidistant conic
      return `+proj=eqdc +lat_0=${lat0()} +lon_0=${lon0()} +lat_1=${sp1()} +lat_2=${sp2()} ${xy()}`;
    case 14: // Stereographic
      return `+proj=stere +lat_0=${centerLat()} +lon_0=${centerLon()} +k=${scale()} ${xy()}`;
    case 15: {
      // Polar stereographic: variant A (scale at the pole) or B (latitude of true scale)
      const lat = angle(K.ProjNatOriginLat, K.ProjStdParallel1, K.ProjCenterLat);
      const lon = angle(K.ProjStraightVertPoleLong, K.ProjNatOriginLong, K.ProjCenterLong);
      const pole = lat < 0 ? -90 : 90;
      if (Math.abs(lat) === 90) return `+proj=stere +lat_0=${pole} +lon_0=${lon} +k=${scale()} ${xy()}`;
      return `+proj=stere +lat_0=${pole} +lat_ts=${lat} +lon_0=${lon} ${xy()}`;
    }
    case 16: // Oblique stereographic
      return `+proj=sterea +lat_0=${lat0()} +lon_0=${lon0()} +k=${scale()} ${xy()}`;
    case 17: // Equirectangular
      return `+proj=eqc +lat_ts=${sp1()} +lat_0=${centerLat()} +lon_0=${centerLon()} ${xy()}`;
    case 18: // Cassini-Soldner
      return `+proj=cass +lat_0=${lat0()} +lon_0=${lon0()} ${xy()}`;
    case 20: // Miller cylindrical
      return `+proj=mill +lat_0=${centerLat()} +lon_0=${centerLon()} ${xy()}`;
    case 21: // Orthographic
      return `+proj=ortho +lat_0=${centerLat()} +lon_0=${centerLon()} ${xy()}`;
    case 22: // Polyconic
      return `+proj=poly +lat_0=${lat0()} +lon_0=${lon0()} ${xy()}`;
    case 24: // Sinusoidal
      return `+proj=sinu +lon_0=${centerLon()} ${xy()}`;
    case 25: // Van der Grinten
      return `+proj=vandg +lon_0=${centerLon()} ${xy()}`;
    case 26: // New Zealand map grid
      return `+proj=nzmg +lat_0=${lat0()} +lon_0=${lon0()} ${xy()}`;
    case 28: // Cylindrical equal area
      return `+proj=cea +lat_ts=${sp1()} +lon_0=${lon0()} ${xy()}`;
    default:
      return refuse(`ProjCoordTransGeoKey = ${ct} is a projection method geoslice does not support`);
  }
}

/** UTM EPSG codes whose definition could equal a user-defined Transverse Mercator (like GDAL's AutoIdentifyEPSG). */
function utmCandidates(def: string): number[] {
  if (!/\+proj=tmerc\b/.test(def) || !/\+k=0\.9996\b/.test(def) || !/\+x_0=500000\b/.test(def)) return [];
  const lon = Number(/\+lon_0=(\S+)/.exec(def)?.[1]);
  const zone = (lon + 183) / 6;
  if (!Number.isInteger(zone) || zone < 1 || zone > 60) return [];
  return /\+y_0=10000000\b/.test(def) ? [32700 + zone] : [32600 + zone, 26900 + zone, 25800 + zone];
}

/** ESRI codes named by the citation keys (GDAL identifies e.g. ESRI:102039 from its name). */
function esriCandidates(keys: GeoKeys): string[] {
  const out: string[] = [];
  for (const id of [K.PCSCitation, K.GTCitation]) {
    const v = keys.get(id);
    if (typeof v !== 'string' || v.length > 200) continue;
    const name = v
      .replace(/^.*?=\s*/s, '')
      .split('|')[0]
      .trim()
      .replace(/\s+/g, '_');
    const code = name ? esriCodeByName(name) : null;
    if (code !== null) out.push(`ESRI:${code}`);
  }
  return out;
}

/** The first candidate code (`"EPSG:n"`, `"ESRI:n"`) equivalent to `def`, else `def` itself. */
function identify(def: string, candidates: string[]): string {
  const clean = def.replace(/\s+/g, ' ').trim();
  for (const code of candidates) if (equivalentCrs(clean, code)) return code;
  return clean;
}
