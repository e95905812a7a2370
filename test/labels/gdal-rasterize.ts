// Runs gdal_rasterize (the oracle) on features written as GeoJSON and reads its raw ENVI output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeoSlice } from '../../src/geo/slice.js';
import type { VectorGeometry } from '../../src/vector/geometry.js';

export interface GdalRasterizeOptions {
  burn?: number;
  attribute?: string;
  allTouched?: boolean;
  /** CRS of the GeoJSON coordinates (written as the legacy `crs` member). Default the grid's. */
  crs?: string;
  ot: 'Byte' | 'UInt16' | 'Float32';
  add?: boolean;
  init?: number;
}

/** gdal_rasterize onto the slice's grid (-te/-tr); returns the pixels row-major. */
export function gdalRasterize(
  features: { geometry: VectorGeometry; properties?: Record<string, unknown> }[],
  grid: GeoSlice,
  opts: GdalRasterizeOptions,
): Float64Array {
  const dir = mkdtempSync(join(tmpdir(), 'gs-rasterize-'));
  try {
    const src = join(dir, 'in.geojson');
    const crs = opts.crs ?? grid.crs;
    writeFileSync(
      src,
      JSON.stringify({
        type: 'FeatureCollection',
        // EPSG:4326 is left implicit (GeoJSON's default, OGC:CRS84, lon/lat): naming it would make GDAL read lat/lon.
        ...(crs === 'EPSG:4326'
          ? {}
          : { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:${crs.replace(':', '::')}` } } }),
        features: features.map((f) => ({ type: 'Feature', properties: f.properties ?? {}, geometry: f.geometry })),
      }),
    );
    const out = join(dir, 'out.img');
    const b = grid.bounds;
    const [w, h] = [Math.round((b[2] - b[0]) / grid.resolution[0]), Math.round((b[3] - b[1]) / grid.resolution[1])];
    // The target is created first: gdal_rasterize reprojects features only when burning into an existing raster.
    execFileSync('gdal_create', [
      '-q',
      ...['-of', 'ENVI', '-outsize', String(w), String(h), '-bands', '1', '-ot', opts.ot],
      ...['-burn', String(opts.init ?? 0), '-a_srs', grid.crs],
      ...['-a_ullr', String(b[0]), String(b[3]), String(b[2]), String(b[1]), out],
    ]);
    const args = [
      '-q',
      ...(opts.attribute ? ['-a', opts.attribute] : ['-burn', String(opts.burn ?? 1)]),
      ...(opts.allTouched ? ['-at'] : []),
      ...(opts.add ? ['-add'] : []),
      src,
      out,
    ];
    execFileSync('gdal_rasterize', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const raw = readFileSync(out);
    const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const typed =
      opts.ot === 'Byte' ? new Uint8Array(buf) : opts.ot === 'UInt16' ? new Uint16Array(buf) : new Float32Array(buf);
    return Float64Array.from(typed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Share of equal pixels and the number that differ. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): { share: number; differ: number } {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
  return { share: 1 - differ / a.length, differ };
}
