import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { BuildError } from '../../src/errors.js';
import { pointInGeometry, type Geometry, type Position } from '../../src/geo/geometry.js';
import { readWkb } from '../../src/geo/wkb.js';
import type { CogLayout } from '../../src/tiff/cog-layout.js';
import { openRaster } from '../../src/loaders/raster.js';
import type { ByteRange, ByteSource } from '../../src/sources/byte-source.js';
import { openSource } from '../../src/sources/open-source.js';

// Rasters made by GDAL and gdalinfo facts about them: test/fixtures/build/make-fixtures.py
const FIX = fileURLToPath(new URL('../fixtures/build/', import.meta.url));
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as {
  rasters: Record<
    string,
    {
      size: [number, number];
      bands: number;
      dtype: string;
      nodata: number | null;
      overviews: number;
      epsg: string;
      wgs84Extent: { type: string; coordinates: Position[][] };
    }
  >;
};
const SHARED = fileURLToPath(new URL('../../../shared/fixtures/cog/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'gs-build-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GDAL_DTYPES: Record<string, string> = { Byte: 'uint8', UInt16: 'uint16', Int16: 'int16', Float32: 'float32' };

async function allRows(cat: { rows(): AsyncIterable<CatalogRow> }): Promise<Map<string, CatalogRow>> {
  const m = new Map<string, CatalogRow>();
  for await (const r of cat.rows()) m.set(r.id, r);
  return m;
}

/** True when p is inside g, or within 1e-7 degrees of one of its vertices (GDAL's corners are our ring's vertices). */
function covers(g: Geometry, p: Position): boolean {
  if (pointInGeometry(g, p[0], p[1])) return true;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  return polys.some((rings) => rings[0].some(([x, y]) => Math.abs(x - p[0]) < 1e-7 && Math.abs(y - p[1]) < 1e-7));
}

test('builds GDAL-made rasters (UTM, antimeridian, south polar, Web Mercator) with correct metadata and footprints', async () => {
  const out = join(tmp, 'own.parquet');
  const { catalog, rows, skipped } = await buildRasterCatalog(join(FIX, 'rasters'), {
    out,
    workers: 2,
    filenameRegex: /_(?<date>\d{4}(?:\d{4})?)\.tif$/,
    cogHeaders: true,
    progress: false,
  });
  try {
    assert.equal(rows, 4);
    assert.deepEqual(skipped, []);
    const got = await allRows(catalog);
    for (const [name, e] of Object.entries(expected.rasters)) {
      const row = got.get(name);
      assert.ok(row, `row ${name}`);
      assert.equal(row.crs, `EPSG:${e.epsg}`);
      assert.equal(row.extras.dtype, GDAL_DTYPES[e.dtype]);
      assert.equal(Number(row.extras.bands), e.bands);
      assert.deepEqual([Number(row.extras.width), Number(row.extras.height)], e.size);
      assert.equal(Number(row.extras.overviews), e.overviews);
      assert.equal(row.extras.nodata === null ? null : Number(row.extras.nodata), e.nodata, `${name} nodata`);
      assert.equal(row.assets.image.href, join(FIX, 'rasters', `${name}.tif`));
      const footprint = readWkb(row.geometry);
      for (const corner of e.wgs84Extent.coordinates[0])
        assert.ok(covers(footprint, corner), `${name}: GDAL corner ${corner} outside the footprint`);
    }
    const am = got.get('antimeridian_60n_20230115')!;
    assert.equal(readWkb(am.geometry).type, 'MultiPolygon');
    assert.deepEqual([am.bbox[0], am.bbox[2]], [-180, 180]);
    const pole = got.get('south_pole_3031_2022')!;
    assert.equal(pole.bbox[1], -90);
    assert.ok(pointInGeometry(readWkb(pole.geometry), 123, -89.9), 'the footprint covers the pole');
    assert.equal(got.get('utm33_20240601')!.tmin?.toISOString(), '2024-06-01T00:00:00.000Z');
    assert.equal(pole.tmin?.toISOString(), '2022-01-01T00:00:00.000Z');
    assert.equal(pole.tmax?.toISOString(), '2022-12-31T23:59:59.999Z');
  } finally {
    await catalog.close();
  }
});

/** A ByteSource that records every range it serves. */
function counting(inner: ByteSource, log: ByteRange[]): ByteSource {
  return {
    href: inner.href,
    size: () => inner.size(),
    read: (offset, length) => {
      log.push({ offset, length });
      return inner.read(offset, length);
    },
    readRanges: (ranges) => {
      log.push(...ranges);
      return inner.readRanges(ranges);
    },
    close: () => inner.close(),
  };
}

test('the stored COG header cache lets the loader read identical pixels with zero header reads', async () => {
  const out = join(tmp, 'cache.parquet');
  const { catalog } = await buildRasterCatalog(
    [join(FIX, 'rasters', 'utm33_20240601.tif'), join(FIX, 'rasters', 'antimeridian_60n_20230115.tif')],
    { out, workers: 0, cogHeaders: true, progress: false },
  );
  try {
    const sql = await catalog.aggregate(
      'SELECT id, image_cog.width AS w, len(image_cog.images) AS levels FROM catalog ORDER BY id',
    );
    assert.deepEqual(
      sql.map((r) => [r.id, Number(r.w), Number(r.levels)]),
      [
        ['antimeridian_60n_20230115', 240, 3],
        ['utm33_20240601', 300, 3],
      ],
    );
    for (const row of (await allRows(catalog)).values()) {
      const href = row.assets.image.href;
      const layout = row.extras.image_cog as CogLayout;
      assert.equal(typeof layout, 'object', 'the header cache is a struct column');
      const tileStarts = new Set([...layout.images, ...layout.masks].flatMap((im) => im?.offsets ?? []));
      const log: ByteRange[] = [];
      const src = counting(await openSource(href), log);
      const cached = await openRaster(href, { layout, source: src });
      const fresh = await openRaster(href);
      try {
        for (const level of [0, 1]) {
          const a = await cached.readWindow(level, 10, 20, 64, 48, [0]);
          const b = await fresh.readWindow(level, 10, 20, 64, 48, [0]);
          assert.deepEqual(a.data, b.data, `${row.id} level ${level}`);
          assert.deepEqual(a.mask, b.mask);
        }
        assert.ok(log.length > 0);
        // every read starts at a tile: none is a header read
        for (const r of log)
          assert.ok(tileStarts.has(r.offset), `${row.id}: read at byte ${r.offset} is not a tile read`);
      } finally {
        await cached.close();
        await fresh.close();
        await src.close();
      }
    }
  } finally {
    await catalog.close();
  }
});

test('shared third-party COGs: right CRSs and dtypes; files without a CRS are reported when skipped', {
  skip: !existsSync(SHARED) && 'shared fixtures absent',
}, async () => {
  const { catalog, rows, skipped } = await buildRasterCatalog(SHARED, {
    out: join(tmp, 'shared.parquet'),
    onError: 'skip',
    workers: 2,
    cogHeaders: true,
    progress: false,
  });
  try {
    assert.equal(rows, 8);
    assert.deepEqual(skipped.map((s) => [s.input.split('/').pop(), s.code]).sort(), [
      ['int16_zstd.tif', 'NO_GEOREFERENCING'],
    ]);
    const got = await allRows(catalog);
    const want: Record<string, [string, string, number, string | null]> = {
      'RGB.byte': ['EPSG:32618', 'uint8', 3, '0'],
      cogeo: ['EPSG:3857', 'uint8', 3, null],
      cog: ['EPSG:32621', 'uint16', 1, null],
      cog_int16: ['EPSG:32621', 'int16', 1, '-32768'],
      bremen_sea_ice_conc_2022_9_9: ['EPSG:3031', 'float32', 1, null],
      'gpm_1d.20240617': ['EPSG:4326', 'uint16', 1, null],
      m_3607824_se_17_1_20160620_sub: ['EPSG:26917', 'uint8', 4, null],
      // user-defined geographic CRS (Bessel 1841 + TOWGS84): the row keeps the full definition
      GeogToWGS84GeoKey5: [
        '+proj=longlat +a=6377397.155 +rf=299.1528128 +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7 +no_defs',
        'uint8',
        1,
        null,
      ],
    };
    for (const [id, [crs, dtype, bands, nodata]] of Object.entries(want)) {
      const r = got.get(id);
      assert.ok(r, id);
      assert.deepEqual(
        [
          r.crs,
          r.extras.dtype,
          Number(r.extras.bands),
          r.extras.nodata === null ? null : String(Number(r.extras.nodata)),
        ],
        [crs, dtype, bands, nodata],
        id,
      );
    }
    // RGB.byte.tif: gdalinfo -json wgs84Extent corners (GDAL 3.6.2)
    const rgb = readWkb(got.get('RGB.byte')!.geometry);
    for (const c of [
      [-78.95865, 25.5060874],
      [-78.8981334, 23.5649912],
      [-76.5749237, 23.605947],
      [-76.5994383, 25.5508738],
    ] as Position[]) {
      // gdalinfo rounds to 1e-7 degrees: test the corner nudged 1e-6 towards the scene centre
      assert.ok(
        pointInGeometry(rgb, c[0] + Math.sign(-77.7 - c[0]) * 1e-6, c[1] + Math.sign(24.5 - c[1]) * 1e-6),
        `corner ${c}`,
      );
    }
  } finally {
    await catalog.close();
  }
});

test('bad inputs fail the build with a typed error naming the file and leave the previous catalog untouched', async () => {
  const out = join(tmp, 'keep.parquet');
  const first = await buildRasterCatalog([join(FIX, 'rasters', 'webmerc_20200229.tif')], {
    out,
    workers: 0,
    progress: false,
  });
  await first.catalog.close();
  const before = readFileSync(out);
  for (const [file, code] of [
    ['not_a_tiff.tif', 'UNREADABLE'],
    ['truncated.tif', 'UNREADABLE'],
    ['no_georef.tif', 'NO_GEOREFERENCING'],
    ['missing.tif', 'UNREADABLE'],
  ] as const) {
    const path = join(FIX, 'bad', file);
    await assert.rejects(
      buildRasterCatalog([join(FIX, 'rasters', 'utm33_20240601.tif'), path], { out, workers: 0, progress: false }),
      (e: unknown) => e instanceof BuildError && e.code === code && e.message.includes(path),
    );
    assert.deepEqual(readFileSync(out), before, `after ${file}`);
  }
  const dup = join(FIX, 'rasters', 'utm33_20240601.tif');
  const copy = join(tmp, 'utm33_20240601.tif');
  copyFileSync(dup, copy);
  await assert.rejects(
    buildRasterCatalog([dup, copy], { out, workers: 0, progress: false }),
    (e: unknown) => e instanceof BuildError && e.code === 'DUPLICATE_ID' && e.message.includes('utm33_20240601'),
  );
  await assert.rejects(
    buildRasterCatalog([join(FIX, 'bad', 'not_a_tiff.tif')], { out, onError: 'skip', workers: 0, progress: false }),
    (e: unknown) => e instanceof BuildError && e.code === 'NO_ROWS',
  );
  assert.deepEqual(readFileSync(out), before);
  await assert.rejects(
    buildRasterCatalog({ glob: join(tmp, 'nothing-*.tif') }, { out, progress: false }),
    (e: unknown) => e instanceof BuildError && e.code === 'NOT_FOUND',
  );
});

test('onError skip reports every bad file and keeps the good ones; duplicate ids can be avoided with an id function', async () => {
  const files = [
    join(FIX, 'rasters', 'utm33_20240601.tif'),
    join(FIX, 'bad', 'not_a_tiff.tif'),
    join(FIX, 'bad', 'no_georef.tif'),
    join(FIX, 'bad', 'truncated.tif'),
  ];
  const { catalog, rows, skipped } = await buildRasterCatalog(files, {
    out: join(tmp, 'skip.parquet'),
    onError: 'skip',
    workers: 2,
    progress: false,
  });
  await catalog.close();
  assert.equal(rows, 1);
  assert.deepEqual(skipped.map((s) => s.code).sort(), ['NO_GEOREFERENCING', 'UNREADABLE', 'UNREADABLE']);
  const copy = join(tmp, 'utm33_20240601.tif');
  copyFileSync(files[0], copy);
  const two = await buildRasterCatalog([files[0], copy], {
    out: join(tmp, 'ids.parquet'),
    workers: 0,
    progress: false,
    id: (h) => h.replace(/[/.]/g, '_'),
    extraColumns: (h, row) => ({
      pixels: Number(row.extras.width) * Number(row.extras.height),
      local: h.startsWith(tmp),
    }),
  });
  try {
    assert.equal(two.rows, 2);
    const rowsById = await allRows(two.catalog);
    assert.deepEqual(
      [...rowsById.values()].map((r) => Number(r.extras.pixels)),
      [60000, 60000],
    );
    assert.deepEqual([...rowsById.values()].map((r) => r.extras.local).sort(), [false, true]);
  } finally {
    await two.catalog.close();
  }
});

test('worker threads and the main thread build the same rows', async () => {
  const a = await buildRasterCatalog(join(FIX, 'rasters'), {
    out: join(tmp, 'w0.parquet'),
    workers: 0,
    progress: false,
  });
  const b = await buildRasterCatalog(join(FIX, 'rasters'), {
    out: join(tmp, 'w2.parquet'),
    workers: 2,
    progress: false,
  });
  try {
    assert.deepEqual(await allRows(a.catalog), await allRows(b.catalog));
  } finally {
    await a.catalog.close();
    await b.catalog.close();
  }
});

test('without a date in the name, the TIFF DateTime tag gives the time (unless turned off)', async () => {
  const file = join(FIX, 'tagged', 'tagged_scene.tif');
  const on = await buildRasterCatalog([file], {
    out: join(tmp, 'tagged.parquet'),
    workers: 0,
    progress: false,
    filenameRegex: /_(?<date>\d{8})\.tif$/,
  });
  const row = [...(await allRows(on.catalog)).values()][0];
  await on.catalog.close();
  assert.deepEqual(
    [row.tmin?.toISOString(), row.tmax?.toISOString()],
    ['2021-07-14T09:30:05.000Z', '2021-07-14T09:30:05.000Z'],
  );
  const off = await buildRasterCatalog([file], {
    out: join(tmp, 'untagged.parquet'),
    workers: 0,
    progress: false,
    tiffDateTime: false,
  });
  const row2 = [...(await allRows(off.catalog)).values()][0];
  await off.catalog.close();
  assert.deepEqual([row2.tmin, row2.tmax], [null, null]);
});

test('onError skip covers every per-file failure of the hard-case GeoTIFFs, each named with its reason', {
  skip: !existsSync(join(SHARED, '../cog2')) && 'shared fixtures absent',
}, async () => {
  const dir = join(SHARED, '../cog2');
  const { catalog, rows, skipped } = await buildRasterCatalog(
    { glob: join(dir, '*.{tif,tiff}') },
    {
      out: join(tmp, 'cog2.parquet'),
      onError: 'skip',
      workers: 2,
      progress: false,
    },
  );
  try {
    const why = Object.fromEntries(skipped.map((s) => [s.input.split('/').pop(), `${s.code}: ${s.message}`]));
    assert.deepEqual(
      Object.keys(why).sort(),
      [
        'austrian_capitals_model_tie_points_pixel_is_point.tif',
        'cint16.tif',
        'stefan_full_ycbcr_mask.tif',
        'test_rpcs.tif',
        'unsupported-srs.tif',
      ].sort(),
    );
    assert.match(why['austrian_capitals_model_tie_points_pixel_is_point.tif'], /GCP_ONLY/);
    assert.match(why['cint16.tif'], /UNSUPPORTED_DTYPE/);
    assert.equal(rows, 15);
    assert.match(why['unsupported-srs.tif'], /NON_EARTH_CRS/);
    assert.match(why['test_rpcs.tif'], /^BAD_GEOREFERENCING/);
    assert.match(why['stefan_full_ycbcr_mask.tif'], /^NO_GEOREFERENCING/);
    const got = await allRows(catalog);
    // user-defined CRSs are stored in full; EPSG/ESRI-equivalent ones by code
    assert.match(got.get('sstlaea')?.crs ?? '', /^\+proj=laea \+lat_0=-50 \+lon_0=145 /);
    assert.equal(got.get('au-3577-rotated')?.crs, 'EPSG:3577');
    assert.equal(got.get('int64')?.extras.dtype, 'int64'); // gdalinfo: Type=Int64
  } finally {
    await catalog.close();
  }
});

test('a row that fails validation at write time is skipped with onError skip, not the whole build', async () => {
  const files = [join(FIX, 'rasters', 'utm33_20240601.tif'), join(FIX, 'rasters', 'webmerc_20200229.tif')];
  const { catalog, rows, skipped } = await buildRasterCatalog(files, {
    out: join(tmp, 'invalid-row.parquet'),
    onError: 'skip',
    workers: 0,
    progress: false,
    extraColumns: (href, row) => {
      if (href.includes('webmerc')) row.bbox = [10, 50, 5, 40]; // min > max: an invalid row
      return {};
    },
  });
  await catalog.close();
  assert.equal(rows, 1);
  assert.deepEqual(
    skipped.map((s) => [s.input.split('/').pop(), s.code]),
    [['webmerc_20200229.tif', 'INVALID_ROW']],
  );
  assert.match(skipped[0].message, /bbox/);
});
