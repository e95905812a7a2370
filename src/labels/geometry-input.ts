/**
 * The geometry inputs of the reads by geometry: features given in JS (WKB or GeoJSON geometries) or a
 * vector file (GeoParquet, GeoJSON, GeoJSON-seq, FlatGeobuf), streamed with their CRS.
 */
import { LabelError } from '../errors.js';
import { resolveCrs, type CrsInput } from '../geo/crs.js';
import { toVectorGeometry, type VectorFeature, type VectorGeometry } from '../vector/geometry.js';
import { openVectorLayer } from '../vector/open.js';

/**
 * Features to read at: an (async) iterable of `{ geometry, properties }` or the path of a vector file.
 */
export type GeometryInput = Iterable<VectorFeature> | AsyncIterable<VectorFeature> | string;

/** One input feature, parsed, with its index in the input and its CRS. */
export interface InputFeature {
  index: number;
  geometry: VectorGeometry;
  properties: Record<string, unknown>;
  crs: string;
}

/**
 * Streams the features of an input with their CRS: `crs` when given, else the file's, else EPSG:4326.
 */
export async function* inputFeatures(input: GeometryInput, crs?: CrsInput): AsyncGenerator<InputFeature> {
  if (typeof input === 'string') {
    const layer = await openVectorLayer(input);
    const c = crs === undefined ? layer.crs : resolveCrs(crs).code;
    let index = 0;
    for await (const f of layer.features())
      yield { index: index++, geometry: f.geometry, properties: f.properties, crs: c };
    return;
  }
  if (
    !input ||
    typeof input !== 'object' ||
    !(Symbol.iterator in input || Symbol.asyncIterator in (input as AsyncIterable<VectorFeature>))
  )
    throw new LabelError(
      'BAD_OPTION',
      `features must be a vector file path or an (async) iterable of { geometry, properties }, got ${String(input)}`,
    );
  const c = resolveCrs(crs ?? 'EPSG:4326').code;
  let index = 0;
  for await (const f of input as AsyncIterable<VectorFeature>) {
    const where = `feature ${index}`;
    if (!f || typeof f !== 'object')
      throw new LabelError('BAD_OPTION', `${where} must be an object { geometry, properties }, got ${String(f)}`, {
        subject: where,
      });
    const geometry = toVectorGeometry(f.geometry, where);
    if (geometry) yield { index, geometry, properties: { ...(f.properties ?? {}) }, crs: c };
    index++;
  }
}

/** How messages name an input: its path, or `features` for features given in JS. */
export function inputName(input: GeometryInput): string {
  return typeof input === 'string' ? input : 'features';
}
