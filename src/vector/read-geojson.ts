/**
 * GeoJSON (a FeatureCollection, one Feature or a bare geometry) and GeoJSON text sequences (one
 * feature per line, RFC 8142 record separators allowed). The CRS is the legacy `crs` member when
 * present (`{ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32616' } }`), else EPSG:4326.
 * A GeoJSON file is parsed whole (memory ~ file size); a sequence streams line by line.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { VectorError } from '../errors.js';
import { normalizeCrs } from '../geo/crs.js';
import { parseGeoJsonGeometry, vectorBBox } from './geometry.js';
import { bboxHits, layerName, type LayerFeature, type VectorLayer } from './types.js';

/** RFC 8142 puts this before each record. */
const RECORD_SEPARATOR = '\u001e';

function bad(href: string, why: string, cause?: unknown): never {
  throw new VectorError('BAD_FILE', `${href}: ${why}`, { subject: href, cause });
}

function crsOf(doc: unknown, href: string): string {
  const c = (doc as { crs?: { type?: string; properties?: { name?: unknown } } } | null)?.crs;
  if (c === undefined || c === null) return 'EPSG:4326';
  const name = c.properties?.name;
  if (c.type !== 'name' || typeof name !== 'string') bad(href, `unsupported "crs" member ${JSON.stringify(c)}`);
  try {
    return normalizeCrs(name);
  } catch (e) {
    return bad(href, `its "crs" ${JSON.stringify(name)} is not a known CRS`, e);
  }
}

/** A feature object (or a bare geometry) as a {@link LayerFeature}; null for a null geometry. */
function toFeature(o: unknown, id: string): LayerFeature | null {
  if (typeof o !== 'object' || o === null)
    throw new VectorError('BAD_FEATURE', `${id}: not a JSON object`, { subject: id });
  const f = o as { type?: unknown; geometry?: unknown; properties?: unknown };
  if (f.type !== 'Feature') return { id, geometry: parseGeoJsonGeometry(o, id), properties: {} };
  if (f.geometry === null || f.geometry === undefined) return null;
  const props = f.properties;
  if (props !== null && props !== undefined && (typeof props !== 'object' || Array.isArray(props)))
    throw new VectorError('BAD_FEATURE', `${id}: properties must be an object`, { subject: id });
  return { id, geometry: parseGeoJsonGeometry(f.geometry, id), properties: { ...((props as object) ?? {}) } };
}

function fieldsOf(features: Iterable<LayerFeature>): string[] {
  const seen = new Set<string>();
  for (const f of features) for (const k of Object.keys(f.properties)) seen.add(k);
  return [...seen];
}

/**
 * Opens a GeoJSON file (`seq = false`) or a GeoJSON sequence (`seq = true`). Throws
 * {@link VectorError} `BAD_FILE` / `BAD_FEATURE` naming the file and feature.
 */
export async function openGeoJson(href: string, seq: boolean): Promise<VectorLayer> {
  const name = layerName(href);
  if (!seq) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(href, 'utf8'));
    } catch (e) {
      bad(href, `is not valid JSON (${(e as Error).message})`, e);
    }
    const crs = crsOf(doc, href);
    const d = doc as { type?: unknown; features?: unknown };
    let items: unknown[];
    if (d?.type === 'FeatureCollection') {
      if (!Array.isArray(d.features)) bad(href, 'the FeatureCollection has no features array');
      items = d.features;
    } else items = [doc];
    const features: LayerFeature[] = [];
    items.forEach((o, i) => {
      const f = toFeature(o, `${href} feature ${i}`);
      if (f) features.push({ ...f, id: `${name}#${i}` });
    });
    return {
      href,
      format: 'geojson',
      name,
      crs,
      fields: fieldsOf(features),
      count: features.length,
      async *features(opts = {}) {
        for (const f of features) if (bboxHits(vectorBBox(f.geometry), opts.bbox)) yield f;
      },
    };
  }
  const fields = new Set<string>();
  let crs: string | null = null;
  let count = 0;
  for await (const { doc, feature } of sequence(href)) {
    crs ??= crsOf(doc, href);
    if (feature) {
      count++;
      for (const k of Object.keys(feature.properties)) fields.add(k);
    }
  }
  return {
    href,
    format: 'geojsonseq',
    name,
    crs: crs ?? 'EPSG:4326',
    fields: [...fields],
    count,
    async *features(opts = {}) {
      for await (const { feature, index } of sequence(href)) {
        if (feature && bboxHits(vectorBBox(feature.geometry), opts.bbox)) yield { ...feature, id: `${name}#${index}` };
      }
    },
  };
}

async function* sequence(href: string): AsyncGenerator<{ doc: unknown; feature: LayerFeature | null; index: number }> {
  const lines = createInterface({ input: createReadStream(href, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let index = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = (raw.startsWith(RECORD_SEPARATOR) ? raw.slice(1) : raw).trim();
    if (line === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      bad(`${href}:${lineNo}`, `is not valid JSON (${(e as Error).message})`, e);
    }
    yield { doc, feature: toFeature(doc, `${href}:${lineNo}`), index: index++ };
  }
}
