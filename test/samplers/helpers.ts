import { CatalogError } from '../../src/errors.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import type { BBox } from '../../src/geo/bbox.js';
import { bboxToPolygon, type Geometry } from '../../src/geo/geometry.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { writeWkb } from '../../src/geo/wkb.js';

/** A catalog row over an EPSG:4326 box (or geometry), native CRS `crs`, with optional extras. */
export function sceneRow(
  id: string,
  bbox: BBox,
  o: {
    crs?: string;
    geometry?: Geometry;
    tmin?: Date | null;
    tmax?: Date | null;
    extras?: Record<string, unknown>;
  } = {},
): CatalogRow {
  return {
    id,
    assets: { data: { href: `${id}.tif` } },
    geometry: writeWkb(o.geometry ?? bboxToPolygon(bbox)),
    bbox,
    tmin: o.tmin ?? null,
    tmax: o.tmax ?? o.tmin ?? null,
    crs: o.crs ?? 'EPSG:4326',
    backend: 'raster',
    extras: o.extras ?? {},
  };
}

/**
 * A lightweight GeoCatalog over a row generator, for streaming tests where building a real backend
 * would dominate the time budget: `rows()` regenerates rows on the fly; nothing is kept.
 */
export function generatorCatalog(count: number, make: (i: number) => CatalogRow): GeoCatalog {
  const unsupported = (what: string) => (): never => {
    throw new CatalogError('UNSUPPORTED', `generatorCatalog (a test helper) does not implement ${what}`);
  };
  return {
    engine: 'memory',
    source: `generator(${count})`,
    async *rows() {
      for (let i = 0; i < count; i++) yield make(i);
    },
    count: async () => count,
    query: unsupported('query'),
    intersect: unsupported('intersect'),
    union: unsupported('union'),
    sql: unsupported('sql'),
    withColumns: unsupported('withColumns'),
    bounds: unsupported('bounds'),
    temporalExtent: unsupported('temporalExtent'),
    aggregate: unsupported('aggregate'),
    explain: unsupported('explain'),
    schema: unsupported('schema'),
    materialize: unsupported('materialize'),
    toGeoParquet: unsupported('toGeoParquet'),
    toDuckDB: unsupported('toDuckDB'),
    close: async () => undefined,
  };
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A compact, exact text form of a slice for equality checks across runs and processes. */
export function sliceKey(s: GeoSlice): string {
  const iv = s.interval ? `${s.interval.start?.toISOString() ?? '-'}/${s.interval.end?.toISOString() ?? '-'}` : '';
  return `${s.rowId ?? ''}|${s.crs}|${s.bounds.join(',')}|${s.resolution.join(',')}|${iv}`;
}
