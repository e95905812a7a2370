/**
 * Every GeoTIFF of ../shared/fixtures (cog/ and cog2/) through open → catalog row → native windows →
 * a warp, against GDAL computed at test time (test/fixtures/conformance/gdal-oracle.py: rasterio
 * windows and dataset masks, gdalinfo's wgs84Extent, gdalwarp -r near -dstalpha). Native windows
 * must match exactly (pixels and masks); nearest warps must agree on ≥ 99 % of pixels; catalog
 * footprints must contain GDAL's wgs84Extent and stay tight; every refusal is a typed error naming
 * the file and its reason.
 *
 * Documented choice: NaN pixels are invalid even without a nodata value (GDAL's dataset mask calls
 * them valid), so the expected mask is GDAL's dataset mask with all-NaN pixels cleared.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { rowFromLayout } from '../../src/catalog/builders/raster-row.js';
import { GeosliceError } from '../../src/errors.js';
import { resolveCrs } from '../../src/geo/crs.js';
import { transformBBox, transformPoint } from '../../src/geo/transform.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { openRaster, type RasterReader } from '../../src/loaders/raster.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';
import type { GeoSlice } from '../../src/geo/slice.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const ORACLE = fileURLToPath(new URL('../fixtures/conformance/gdal-oracle.py', import.meta.url));

/** Files geoslice refuses, with the typed error code and a word its message must contain. */
const REFUSED: Record<string, [code: string, reason: RegExp]> = {
  'cint16.tif': ['UNSUPPORTED_DTYPE', /SampleFormat 5/],
  'austrian_capitals_model_tie_points_pixel_is_point.tif': ['GCP_ONLY', /ground control point/],
  'unsupported-srs.tif': ['NON_EARTH_CRS', /not the Earth's/],
};

/** Files without georeferencing: read natively, no catalog row (NO_GEOREFERENCING), no warp. */
const NO_CRS = new Set(['int16_zstd.tif', 'stefan_full_ycbcr_mask.tif']);

/** Files read natively whose georeferencing the catalog refuses (code, reason). */
const CATALOG_REFUSED: Record<string, [code: string, reason: RegExp]> = {
  // identity ModelTransformation on EPSG:4326 next to RPCs: latitudes 0..274
  'test_rpcs.tif': ['BAD_GEOREFERENCING', /outside -90\.\.90/],
};

/**
 * Int8 with nodata -128: GDAL 3.6 reads the samples as Byte (PIXELTYPE=SIGNEDBYTE), so 128 never
 * equals the nodata value and its dataset mask is all valid; geoslice reads int8 like GDAL >= 3.7 and
 * rasterio (values -128) and masks the nodata pixels. The expected mask is "value != nodata".
 */
const INT8_NODATA = new Set(['SBN_inc_percap-nodata-clip.tif']);

/**
 * NAD27 files: GDAL shifts the datum with the `nad27` (CONUS) grid of /usr/share/proj, geoslice has no
 * reader for it and warns (GEOSLICE_MISSING_GRID) that the shift is ignored, "accurate to about
 * 100 m": the footprint must contain GDAL's extent within that many degrees.
 */
const NO_DATUM_GRID: Record<string, number> = { 'int64.tif': 0.0015 };
/** Their warps go to NAD27 longitude/latitude, where neither side shifts the datum. */
const NO_DATUM_GRID_GEOGRAPHIC = 'EPSG:4267';

interface Window {
  level: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
}

interface FileOracle {
  error?: string;
  width: number;
  height: number;
  bands: number;
  dtype: string;
  nodata: number | 'nan' | null;
  overviews: [number, number][];
  wgs84Extent?: { coordinates: number[][][] };
  windows: { data: string[]; dtype: string; mask: string }[];
}

interface WarpOracle {
  error?: string;
  data: string[];
  alpha: string;
}

const ARRAYS: Record<string, new (b: ArrayBuffer) => ArrayLike<number>> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: Float64Array,
  uint64: Float64Array,
};

function decode(b64: string, dtype: string): ArrayLike<number> {
  const buf = Buffer.from(b64, 'base64');
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  if (dtype === 'int64') return Array.from(new BigInt64Array(bytes), Number);
  if (dtype === 'uint64') return Array.from(new BigUint64Array(bytes), Number);
  const C = ARRAYS[dtype];
  assert.ok(C, `dtype ${dtype}`);
  return new C(bytes);
}

function windowsOf(r: RasterReader): Window[] {
  const { width: W, height: H, levels } = r.info;
  const w = Math.min(64, W);
  const h = Math.min(64, H);
  const out: Window[] = [
    { level: 0, x0: Math.floor((W - w) / 2), y0: Math.floor((H - h) / 2), w, h },
    { level: 0, x0: W - Math.floor(w / 2), y0: H - Math.floor(h / 2), w, h },
  ];
  if (levels.length > 1) {
    const l = levels[1];
    out.push({ level: 1, x0: 0, y0: 0, w: Math.min(32, l.width), h: Math.min(32, l.height) });
  }
  return out;
}

interface Case {
  sub: string;
  name: string;
  path: string;
  reader?: RasterReader;
  refusal?: unknown;
  windows: Window[];
  warps: { slice: GeoSlice; index: number }[];
}

const cases: Case[] = [];
let oracle: { files: FileOracle[]; warps: WarpOracle[] };
const tmp = mkdtempSync(join(tmpdir(), 'geoslice-fixtures-'));

describe('shared fixtures vs GDAL: open, catalog row, native windows, warp', {
  skip: existsSync(SHARED) ? false : `${SHARED} is absent`,
}, () => {
  before(async () => {
    const warpReqs: { path: string; crs: string; bounds: number[]; width: number; height: number }[] = [];
    for (const sub of ['cog', 'cog2']) {
      for (const name of readdirSync(join(SHARED, sub))
        .filter((f) => /\.tiff?$/.test(f))
        .sort()) {
        const path = join(SHARED, sub, name);
        const c: Case = { sub, name, path, windows: [], warps: [] };
        try {
          c.reader = await openRaster(path);
          c.windows = windowsOf(c.reader);
        } catch (e) {
          c.refusal = e;
        }
        if (c.reader?.info.crs) {
          const { transform: t, width, height, crs } = c.reader.info;
          // the middle half of the raster, in EPSG:4326, at about its native resolution, and the
          // whole raster at a quarter of it (where overviews are chosen)
          const x = (f: number, g: number) => t[0] + f * width * t[1] + g * height * t[2];
          const y = (f: number, g: number) => t[3] + f * width * t[4] + g * height * t[5];
          // irregular fractions and sizes: no overview ratio and no pixel centre on an exact tie, where
          // PROJ's and proj4's last digits decide (see pickLevelForRatio)
          for (const [f0, f1, size] of [
            [0.213, 0.737, 61],
            [0.017, 0.971, 27],
          ]) {
            const xs = [x(f0, f0), x(f1, f0), x(f0, f1), x(f1, f1)];
            const ys = [y(f0, f0), y(f1, f0), y(f0, f1), y(f1, f1)];
            // without the datum grid GDAL uses, warp to the file's own geographic CRS (no datum shift)
            const to = NO_DATUM_GRID[name] ? NO_DATUM_GRID_GEOGRAPHIC : 'EPSG:4326';
            const b = transformBBox([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], crs, to);
            if (!(b[0] < b[2] && b[1] < b[3])) continue;
            const slice: GeoSlice = {
              bounds: b,
              crs: to,
              resolution: [(b[2] - b[0]) / size, (b[3] - b[1]) / size],
            };
            c.warps.push({ slice, index: warpReqs.length });
            warpReqs.push({ path, crs: to, bounds: b, width: size, height: size });
          }
        }
        cases.push(c);
      }
    }
    const req = join(tmp, 'request.json');
    writeFileSync(
      req,
      JSON.stringify({
        files: cases.map((c) => ({ path: c.path, windows: c.windows.map((w) => [w.level, w.x0, w.y0, w.w, w.h]) })),
        warps: warpReqs,
      }),
    );
    oracle = JSON.parse(
      execFileSync('/usr/bin/python3', [ORACLE, req], {
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
    );
  });
  after(async () => {
    for (const c of cases) await c.reader?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const sub of ['cog', 'cog2']) {
    const dir = join(SHARED, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)
      .filter((f) => /\.tiff?$/.test(f))
      .sort()) {
      it(`${sub}/${name}`, async () => {
        const k = cases.findIndex((c) => c.sub === sub && c.name === name);
        const c = cases[k];
        const gdal = oracle.files[k];
        const refused = REFUSED[name];
        if (refused) {
          assert.ok(c.refusal, `${name} should be refused with ${refused[0]}`);
          const e = c.refusal as GeosliceError;
          assert.ok(e instanceof GeosliceError, `typed error, got ${String(e)}`);
          assert.equal(e.code, refused[0]);
          assert.ok(e.message.includes(c.path), `the message names the file: ${e.message}`);
          assert.match(e.message, refused[1]);
          return;
        }
        if (c.refusal) throw c.refusal;
        const r = c.reader as RasterReader;
        assert.ok(!gdal.error, gdal.error);
        assert.deepEqual([r.info.width, r.info.height, r.info.bands], [gdal.width, gdal.height, gdal.bands]);
        // rasterio 1.3.5 calls GDAL 3.6's Int64 "uint64" (cog2/MANIFEST.md); gdalinfo says Int64
        if (name === 'int64.tif') assert.equal(r.info.dtype, 'int64');

        // native windows: exact pixels, exact masks
        for (const [i, w] of c.windows.entries()) {
          const what = `${name} level ${w.level} window ${w.x0},${w.y0} ${w.w}x${w.h}`;
          const bands = Array.from({ length: r.info.bands }, (_, b) => b);
          const got = await r.readWindow(w.level, w.x0, w.y0, w.w, w.h, bands);
          const exp = gdal.windows[i];
          const expMask = Uint8Array.from(decode(exp.mask, 'uint8'));
          const expBands = exp.data.map((d) => decode(d, exp.dtype));
          for (let p = 0; p < expMask.length; p++) {
            if (expBands.every((b) => Number.isNaN(b[p]))) expMask[p] = 0;
            if (INT8_NODATA.has(name) && expBands.every((b) => b[p] === gdal.nodata)) expMask[p] = 0;
          }
          let differ = 0;
          for (let p = 0; p < expMask.length; p++) if ((got.mask as Uint8Array)[p] !== expMask[p]) differ++;
          assert.equal(differ, 0, `${what}: ${differ} mask pixels differ from GDAL's dataset mask`);
          got.data.forEach((band, b) => {
            const e = expBands[b];
            for (let p = 0; p < e.length; p++) {
              if (expMask[p] === 0) continue; // outside or masked: the fill value is not GDAL's business
              const a = Number(band[p]);
              const want = Number(e[p]);
              assert.ok(
                a === want || (Number.isNaN(a) && Number.isNaN(want)),
                `${what} band ${b + 1} pixel ${p}: ${a} vs GDAL ${want}`,
              );
            }
          });
        }

        // catalog row: footprint contains GDAL's wgs84Extent and stays tight
        if (NO_CRS.has(name)) {
          assert.equal(r.info.crs, null);
          const layout = await extractCogLayout(c.path);
          assert.throws(
            () => rowFromLayout(c.path, layout),
            (e: unknown) => e instanceof GeosliceError && e.code === 'NO_GEOREFERENCING' && e.message.includes(c.path),
          );
          return;
        }
        const layout = await extractCogLayout(c.path);
        const catalogRefused = CATALOG_REFUSED[name];
        if (catalogRefused) {
          assert.throws(
            () => rowFromLayout(c.path, layout),
            (e: unknown) =>
              e instanceof GeosliceError &&
              e.code === catalogRefused[0] &&
              e.message.includes(c.path) &&
              catalogRefused[1].test(e.message),
          );
          return;
        }
        const row = rowFromLayout(c.path, layout);
        const ring = gdal.wgs84Extent?.coordinates[0] ?? [];
        assert.ok(ring.length > 0, 'GDAL gives a wgs84Extent');
        // GDAL's extent may pass ±180 by rounding (nz_habitat: 180.0000023); a WGS 84 bbox stops there
        const gx = ring.map((p) => Math.max(-180, Math.min(180, p[0])));
        const gy = ring.map((p) => p[1]);
        const g = [Math.min(...gx), Math.min(...gy), Math.max(...gx), Math.max(...gy)];
        const [bx0, by0, bx1, by1] = row.bbox;
        const tol = NO_DATUM_GRID[name] ?? 1e-6;
        assert.ok(
          bx0 <= g[0] + tol && by0 <= g[1] + tol && bx1 >= g[2] - tol && by1 >= g[3] - tol,
          `footprint ${row.bbox} ⊇ GDAL ${g}`,
        );
        const pole = poleInside(r);
        if (pole !== 0) {
          // GDAL's wgs84Extent only transforms corners; a raster around a pole covers every longitude
          assert.deepEqual(
            [bx0, bx1, pole > 0 ? by1 : by0],
            [-180, 180, pole * 90],
            `footprint ${row.bbox} reaches the pole`,
          );
        } else {
          const area = (bx1 - bx0) * (by1 - by0);
          const garea = (g[2] - g[0]) * (g[3] - g[1]);
          assert.ok(area <= garea * 1.05 + 1e-12, `footprint ${row.bbox} is tight around GDAL ${g} (${area / garea}x)`);
        }

        // warps: nearest agrees with gdalwarp on >= 99 % of pixels (mask and value)
        for (const { slice, index } of c.warps) {
          if (INT8_NODATA.has(name)) {
            // every pixel is -128 = nodata (GDAL 3.6 warps them as valid Byte 128, see INT8_NODATA)
            const chip = await loadSlice([c.path], slice, { resampling: 'nearest' });
            assert.equal(chip.validFraction, 0);
            continue;
          }
          const exp = oracle.warps[index];
          assert.ok(!exp.error, exp.error);
          const chip = await loadSlice([c.path], slice, { resampling: 'nearest', dtype: 'float64' });
          const alpha = decode(exp.alpha, 'uint8');
          const bands = exp.data.map((d) => decode(d, 'float64'));
          const n = alpha.length;
          let agree = 0;
          for (let p = 0; p < n; p++) {
            const theirs = alpha[p] === 1 && !bands.every((b) => Number.isNaN(b[p]));
            const ours = maskOf(chip)[p] === 1;
            if (theirs !== ours) continue;
            if (!ours || bands.every((b, i) => b[p] === chip.data[i * n + p])) agree++;
          }
          assert.ok(
            agree / n >= 0.99,
            `${name} warp to ${slice.bounds} @${slice.resolution}: ${((100 * agree) / n).toFixed(2)} % agree with gdalwarp`,
          );
        }
      });
    }
  }
});

/** +1 / -1 when the north / south pole lies inside the raster, else 0. */
function poleInside(r: RasterReader): 1 | -1 | 0 {
  const { transform: t, width, height, crs } = r.info;
  if (resolveCrs(crs as string).geographic) return 0; // a pole is an edge there, not a point inside
  for (const lat of [90, -90] as const) {
    let p: [number, number];
    try {
      p = transformPoint('EPSG:4326', crs as string, [0, lat]);
    } catch {
      continue;
    }
    const det = t[1] * t[5] - t[2] * t[4];
    const dx = p[0] - t[0];
    const dy = p[1] - t[3];
    const col = (t[5] * dx - t[2] * dy) / det;
    const row = (-t[4] * dx + t[1] * dy) / det;
    if (col >= 0 && col <= width && row >= 0 && row <= height) return lat > 0 ? 1 : -1;
  }
  return 0;
}
