/**
 * CRSs built from GeoKeys, checked against GDAL: every pixel corner and centre of a file is mapped to
 * WGS 84 by geoslice (geotransform + CRS through proj4) and by `gdaltransform -t_srs EPSG:4326`
 * (libgeotiff + PROJ). Covers the third-party fixtures (user-defined LAEA, polar stereographic, LCC,
 * Mercator, Bessel + TOWGS84, Paris meridian in grads) and one synthetic file per projection method,
 * whose GeoKeys GDAL itself writes (gdal_create -a_srs).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { RasterError } from '../../src/errors.js';
import { transformPoint } from '../../src/geo/transform.js';
import { openRaster } from '../../src/loaders/raster.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'geoslice-geokeys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Pixel positions probed in every file: corners, centre and an inner point. */
function probes(w: number, h: number): [number, number][] {
  return [
    [0, 0],
    [w, 0],
    [0, h],
    [w, h],
    [w / 2, h / 2],
    [w / 3, (2 * h) / 3],
  ];
}

/**
 * NAD27 files: GDAL shifts the datum to WGS 84 with the `nad27` grid of /usr/share/proj, which geoslice
 * cannot read (it warns GEOSLICE_MISSING_GRID and ignores the shift); compare in NAD27 lon/lat instead.
 */
const NO_DATUM_GRID = new Set(['int64.tif']);

/** GDAL's lon/lat of pixel positions (NaN where PROJ fails). */
function gdalLonLat(file: string, px: [number, number][], to: string): [number, number][] {
  const out = execFileSync('gdaltransform', ['-t_srs', to, file], {
    input: px.map((p) => `${p[0]} ${p[1]}`).join('\n'),
    stdio: ['pipe', 'pipe', 'ignore'],
  }).toString();
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const [x, y] = l.trim().split(/\s+/).map(Number);
      return [x, y];
    });
}

/** GDAL's CRS identification: the authority code of the top-level CRS, or null. */
function gdalCode(file: string): string | null {
  const info = JSON.parse(
    execFileSync('gdalinfo', ['-json', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(),
  );
  const wkt: string = info.coordinateSystem?.wkt ?? '';
  const m = /ID\["(EPSG|ESRI)",(\d+)\]\]\s*$/.exec(wkt);
  return m ? `${m[1]}:${m[2]}` : null;
}

async function compareWithGdal(file: string, to = 'EPSG:4326'): Promise<string> {
  const reader = await openRaster(file);
  try {
    const { crs, transform: t, width, height } = reader.info;
    assert.ok(crs, `${file}: no CRS`);
    const px = probes(width, height);
    const theirs = gdalLonLat(file, px, to);
    px.forEach(([c, r], i) => {
      const x = t[0] + c * t[1] + r * t[2];
      const y = t[3] + c * t[4] + r * t[5];
      const [lon, lat] = transformPoint(crs, to, [x, y]);
      const [glon, glat] = theirs[i];
      const dl = Math.abs(((lon - glon + 540) % 360) - 180);
      assert.ok(
        dl < 1e-7 && Math.abs(lat - glat) < 1e-7,
        `${file} pixel (${c}, ${r}): geoslice (${lon}, ${lat}), GDAL (${glon}, ${glat}) with ${crs}`,
      );
    });
    return crs;
  } finally {
    await reader.close();
  }
}

describe('CRS from GeoKeys vs GDAL: third-party fixtures', {
  skip: existsSync(SHARED) ? false : `${SHARED} is absent`,
}, () => {
  // no georeferencing, GCP-only or not placeable on the Earth: refused or CRS-less, tested elsewhere
  const notGeoreferenced = new Set([
    'int16_zstd.tif',
    'stefan_full_ycbcr_mask.tif',
    'austrian_capitals_model_tie_points_pixel_is_point.tif',
    'cint16.tif',
    'unsupported-srs.tif',
  ]);
  for (const sub of ['cog', 'cog2']) {
    for (const name of readdirSync(join(SHARED, sub)).filter((f) => /\.tiff?$/.test(f) && !notGeoreferenced.has(f))) {
      it(`${sub}/${name}`, async () => {
        const file = join(SHARED, sub, name);
        const crs = await compareWithGdal(file, NO_DATUM_GRID.has(name) ? 'EPSG:4267' : 'EPSG:4326');
        const code = gdalCode(file);
        if (code === 'EPSG:5488')
          assert.equal(crs, 'EPSG:5489', 'the 2D geographic CRS of RGAF09 (GDAL gives its 3D code)');
        else if (code) assert.equal(crs, code, `GDAL identifies ${code}`);
        else assert.match(crs, /^\+proj=/, 'GDAL gives no code, so the row keeps the full definition');
      });
    }
  }

  it('a Mars CRS is refused with NON_EARTH_CRS naming the file', async () => {
    const file = join(SHARED, 'cog2', 'unsupported-srs.tif');
    await assert.rejects(
      openRaster(file),
      (e: unknown) => e instanceof RasterError && e.code === 'NON_EARTH_CRS' && e.message.includes(file),
    );
  });
});

describe('CRS from GeoKeys vs GDAL: one file per projection method, keys written by GDAL', () => {
  const cases: [string, string, [number, number, number, number]][] = [
    [
      'tmerc',
      '+proj=tmerc +lat_0=10 +lon_0=20 +k=0.9995 +x_0=300000 +y_0=100000 +ellps=intl +units=m',
      [290000, 110000, 310000, 90000],
    ],
    [
      'tmerc us-ft',
      '+proj=tmerc +lat_0=31 +lon_0=-110.1666666666667 +k=0.9999 +x_0=213360 +y_0=0 +datum=NAD83 +units=us-ft',
      [690000, 40000, 710000, 20000],
    ],
    [
      'lcc 1sp paris grads',
      '+proj=lcc +lat_1=46.8 +lat_0=46.8 +lon_0=0 +k_0=0.99987742 +x_0=600000 +y_0=2200000 +ellps=clrk80ign +pm=paris +towgs84=-168,-60,320,0,0,0,0 +units=m',
      [590000, 2210000, 610000, 2190000],
    ],
    [
      'lcc 2sp',
      '+proj=lcc +lat_0=40 +lon_0=-96 +lat_1=33 +lat_2=45 +x_0=100 +y_0=200 +datum=NAD83 +units=m',
      [-100000, 100000, 100000, -100000],
    ],
    [
      'albers',
      '+proj=aea +lat_0=-32 +lon_0=132 +lat_1=-18 +lat_2=-36 +x_0=0 +y_0=0 +ellps=GRS80 +units=m',
      [-100000, 100000, 100000, -100000],
    ],
    [
      'laea',
      '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m',
      [4300000, 3300000, 4400000, 3200000],
    ],
    [
      'polar stereographic A',
      '+proj=stere +lat_0=90 +lon_0=-45 +k=0.994 +x_0=2000000 +y_0=2000000 +datum=WGS84 +units=m',
      [1900000, 2100000, 2100000, 1900000],
    ],
    [
      'polar stereographic B',
      '+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m',
      [-500000, 1500000, 500000, 500000],
    ],
    [
      'mercator 1sp',
      '+proj=merc +lon_0=110 +k=0.997 +x_0=3900000 +y_0=900000 +ellps=bessel +units=m',
      [3800000, 1000000, 4000000, 800000],
    ],
    [
      'mercator 2sp',
      '+proj=merc +lat_ts=41 +lon_0=51 +x_0=0 +y_0=0 +ellps=krass +units=m',
      [-100000, 5000000, 100000, 4800000],
    ],
    [
      'equirectangular',
      '+proj=eqc +lat_ts=30 +lat_0=0 +lon_0=10 +x_0=0 +y_0=0 +datum=WGS84 +units=m',
      [-100000, 100000, 100000, -100000],
    ],
    [
      'oblique stereographic',
      '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +units=m',
      [150000, 470000, 160000, 460000],
    ],
    [
      'geostationary',
      '+proj=geos +h=35785831 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m',
      [-1000000, 1000000, 1000000, -1000000],
    ],
    ['geographic, Madrid meridian', '+proj=longlat +ellps=intl +pm=madrid +no_defs', [0, 41, 1, 40]],
    ['utm written as proj4', '+proj=utm +zone=33 +datum=WGS84 +units=m', [500000, 5800000, 510000, 5790000]],
  ];
  for (const [name, srs, [ulx, uly, lrx, lry]] of cases) {
    it(name, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '_')}.tif`);
      execFileSync('gdal_create', [
        '-q',
        '-of',
        'GTiff',
        '-outsize',
        '8',
        '8',
        '-bands',
        '1',
        '-a_srs',
        srs,
        '-a_ullr',
        String(ulx),
        String(uly),
        String(lrx),
        String(lry),
        file,
      ]);
      const crs = await compareWithGdal(file);
      const code = gdalCode(file);
      if (code) assert.equal(crs, code);
    });
  }

  it('an Albers grid whose citation names ESRI:102039 is identified as ESRI:102039', async () => {
    const file = join(dir, 'esri_102039.tif');
    execFileSync('gdal_create', [
      '-q',
      '-of',
      'GTiff',
      '-outsize',
      '8',
      '8',
      '-a_srs',
      'ESRI:102039',
      '-a_ullr',
      '0',
      '8000',
      '8000',
      '0',
      file,
    ]);
    assert.equal(await compareWithGdal(file), 'ESRI:102039');
  });
});
