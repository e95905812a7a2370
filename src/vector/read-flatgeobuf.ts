/**
 * FlatGeobuf layers through the optional peer package `flatgeobuf`: a `bbox` query walks the file's
 * packed R-tree (locally on the file's bytes, remotely with HTTP range requests), so only matching
 * features are decoded. A local file is read whole into memory.
 */
import { readFile } from 'node:fs/promises';
import type { HeaderMeta } from 'flatgeobuf';
import { VectorError } from '../errors.js';
import { normalizeCrs } from '../geo/crs.js';
import { parseGeoJsonGeometry, vectorBBox } from './geometry.js';
import { bboxHits, layerName, type LayerFeature, type VectorLayer } from './types.js';

/**
 * Runs a step of the package's reader with `console.debug` silenced: its R-tree search logs every node
 * it visits unconditionally.
 */
async function quietly<T>(step: () => Promise<T>): Promise<T> {
  const debug = console.debug;
  console.debug = () => undefined;
  try {
    return await step();
  } finally {
    console.debug = debug;
  }
}

/** The package's GeoJSON and generic readers (its entry point also loads OpenLayers, an optional dependency of its own). */
interface FlatGeobufReaders {
  geojson: typeof import('flatgeobuf/lib/mjs/geojson.js');
  generic: typeof import('flatgeobuf/lib/mjs/generic.js');
}

let readers: Promise<FlatGeobufReaders> | undefined;

/** Loads `flatgeobuf` once. Throws {@link VectorError} `MISSING_DEPENDENCY` (naming `href`) when it is not installed. */
async function flatGeobuf(href: string): Promise<FlatGeobufReaders> {
  readers ??= Promise.all([import('flatgeobuf/lib/mjs/geojson.js'), import('flatgeobuf/lib/mjs/generic.js')]).then(
    ([geojson, generic]) => ({ geojson, generic }),
  );
  try {
    return await readers;
  } catch (e) {
    readers = undefined;
    throw new VectorError(
      'MISSING_DEPENDENCY',
      `${href} is a FlatGeobuf file, which geoslice reads with the optional package flatgeobuf; install it with \`npm install flatgeobuf\` (${(e as Error).message.split('\n')[0]})`,
      { cause: e, subject: href },
    );
  }
}

function bad(href: string, why: string, cause?: unknown): never {
  throw new VectorError('BAD_FILE', `${href}: ${why}`, { subject: href, cause });
}

function crsOf(header: HeaderMeta, href: string): string {
  const c = header.crs;
  if (!c || (!c.code && !c.code_string)) return 'EPSG:4326';
  const code = c.code_string ?? `${c.org ?? 'EPSG'}:${c.code}`;
  try {
    return normalizeCrs(code);
  } catch (e) {
    return bad(href, `its CRS ${code} is not a known CRS`, e);
  }
}

async function headerOf(
  { geojson, generic }: FlatGeobufReaders,
  href: string,
  bytes: Uint8Array | null,
): Promise<HeaderMeta> {
  try {
    if (!bytes) return await generic.readMetadata(href);
    let header: HeaderMeta | null = null;
    const it = geojson.deserialize(bytes, {
      headerMetaFn: (h: HeaderMeta) => {
        header = h;
      },
    });
    await it.next();
    await it.return(undefined);
    if (!header) bad(href, 'has no FlatGeobuf header');
    return header;
  } catch (e) {
    if (e instanceof VectorError) throw e;
    return bad(href, `is not a readable FlatGeobuf file (${(e as Error).message})`, e);
  }
}

/**
 * Opens a FlatGeobuf file or URL. Throws {@link VectorError} `BAD_FILE` naming it, or
 * `MISSING_DEPENDENCY` when the optional package `flatgeobuf` is not installed.
 */
export async function openFlatGeobuf(href: string): Promise<VectorLayer> {
  const remote = /^https?:\/\//i.test(href);
  const readers = await flatGeobuf(href);
  const { geojson } = readers;
  const bytes = remote ? null : new Uint8Array(await readFile(href));
  const header = await headerOf(readers, href, bytes);
  const name = layerName(href);
  return {
    href,
    format: 'flatgeobuf',
    name,
    crs: crsOf(header, href),
    fields: (header.columns ?? []).map((c) => c.name),
    count: header.featuresCount,
    async *features(opts = {}) {
      const b = opts.bbox;
      const rect = b ? { minX: b[0], minY: b[1], maxX: b[2], maxY: b[3] } : undefined;
      if (rect && header.indexNodeSize === 0 && remote)
        bad(href, 'has no spatial index, so a bbox query would download it whole; rebuild it with an index');
      let i = 0;
      const it = geojson.deserialize(bytes ?? href, { rect });
      try {
        for (;;) {
          const next = await quietly(() => it.next());
          if (next.done) break;
          // The package types its features with @types/geojson, which geoslice does not depend on.
          const f = next.value as unknown as {
            id?: unknown;
            geometry?: unknown;
            properties?: Record<string, unknown> | null;
          };
          const index = typeof f.id === 'number' ? f.id : i;
          i++;
          const where = `${href} feature ${index}`;
          if (!f.geometry) continue;
          const geometry = parseGeoJsonGeometry(f.geometry, where);
          if (!bboxHits(vectorBBox(geometry), b)) continue;
          const feature: LayerFeature = { id: `${name}#${index}`, geometry, properties: { ...(f.properties ?? {}) } };
          yield feature;
        }
      } catch (e) {
        if (e instanceof VectorError) throw e;
        bad(href, `cannot be read (${(e as Error).message})`, e);
      } finally {
        await it.return(undefined);
      }
    },
  };
}
