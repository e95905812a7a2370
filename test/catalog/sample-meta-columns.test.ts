/**
 * The catalog's per-asset scale/offset and palette columns (`<asset>_scale`, `<asset>_offset`,
 * `<asset>_palette`) against `gdalinfo -json` (bands[].scale/offset, colorTable.entries) on files made
 * here with gdal_translate -a_scale/-a_offset, osgeo.gdal (per-band values, a colour table) and on the
 * shared fixtures; queried in SQL through DuckDB, the memory engine and the remote (HTTP) reader. A
 * catalog written without the columns reads them as absent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { buildRasterCatalog } from '../../src/catalog/builders/build-raster-catalog.js';
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import { writeGeoParquet } from '../../src/catalog/geoparquet/writer.js';
import { openCatalog } from '../../src/catalog/open.js';
import type { CatalogRow, GeoCatalog } from '../../src/catalog/types.js';
import { type RangeServer, startRangeServer } from '../fixtures/remote/range-server.js';

const SHARED = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const FIXTURES = ['cog2/offset_scaled_tinymarble.tif', 'cog2/test_color_table.tif'].filter((f) =>
  existsSync(join(SHARED, f)),
);

const MAKE = `
import sys, numpy as np
from osgeo import gdal
gdal.UseExceptions()
d = sys.argv[1]
drv = gdal.GetDriverByName('GTiff')
def make(name, bands, dt=gdal.GDT_UInt16):
    f = drv.Create(f'{d}/{name}', 16, 12, bands, dt)
    f.SetGeoTransform([500000, 10, 0, 4000000, 0, -10]); f.SetProjection('EPSG:32633')
    for b in range(bands):
        f.GetRasterBand(b + 1).WriteArray((np.arange(16 * 12).reshape(12, 16) % 200 + b).astype(np.uint16))
    return f
f = make('perband.tif', 3)
for b, (s, o) in enumerate([(0.0001, -0.1), (2.5, 0), (1, 273.15)]):
    f.GetRasterBand(b + 1).SetScale(s); f.GetRasterBand(b + 1).SetOffset(o)
f = None
f = make('palette.tif', 1, gdal.GDT_Byte)
ct = gdal.ColorTable()
for i in range(256):
    ct.SetColorEntry(i, (i, 255 - i, (i * 7) % 256, 255))
f.GetRasterBand(1).SetColorTable(ct); f = None
make('plain.tif', 2); 
`;

interface GdalBand {
  scale?: number;
  offset?: number;
  colorTable?: { entries: number[][] };
}

/** What gdalinfo says: per-band scale/offset (null when no band has either) and the palette of band 1. */
function gdalMeta(file: string): { scale: number[] | null; offset: number[] | null; palette: number[][] | null } {
  const bands: GdalBand[] = JSON.parse(execFileSync('gdalinfo', ['-json', file]).toString()).bands;
  const any = bands.some((b) => b.scale !== undefined || b.offset !== undefined);
  return {
    scale: any ? bands.map((b) => b.scale ?? 1) : null,
    offset: any ? bands.map((b) => b.offset ?? 0) : null,
    palette: bands[0].colorTable?.entries ?? null,
  };
}

/** Plain JSON of a list column value (DuckDB may give typed arrays or nested lists). */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, plain);
  if (typeof v === 'bigint') return Number(v);
  return v;
}

describe('scale/offset and palette catalog columns vs gdalinfo', () => {
  let tmp = '';
  let files: string[] = [];
  let server: RangeServer;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'geoslice-meta-'));
    const dir = join(tmp, 'rasters');
    mkdirSync(dir);
    execFileSync('/usr/bin/python3', ['-c', MAKE, dir]);
    execFileSync('gdal_translate', [
      '-q',
      '-a_scale',
      '0.5',
      '-a_offset',
      '10',
      join(dir, 'plain.tif'),
      join(dir, 'translated.tif'),
    ]);
    for (const f of FIXTURES) copyFileSync(join(SHARED, f), join(dir, f.split('/').pop() as string));
    files = [
      'perband',
      'palette',
      'plain',
      'translated',
      ...FIXTURES.map((f) => (f.split('/').pop() as string).replace(/\.tif$/, '')),
    ];
    server = await startRangeServer(tmp);
  });
  after(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function check(cat: GeoCatalog, what: string, key = 'image') {
    const rows = await cat.aggregate(
      `SELECT id, ${key}_scale AS s, ${key}_offset AS o, ${key}_palette AS p FROM catalog ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      [...files].sort(),
      `${what}: rows`,
    );
    for (const r of rows) {
      const g = gdalMeta(join(tmp, 'rasters', `${r.id}.tif`));
      assert.deepEqual(plain(r.s), g.scale, `${what} ${r.id} scale`);
      assert.deepEqual(plain(r.o), g.offset, `${what} ${r.id} offset`);
      assert.deepEqual(plain(r.p), g.palette, `${what} ${r.id} palette`);
    }
    // the columns are queryable: files whose first band is scaled
    const scaled = await cat.aggregate(
      `SELECT id FROM catalog WHERE ${key}_scale IS NOT NULL AND ${key}_scale[1] <> 1 ORDER BY id`,
    );
    const want = files.filter((f) => {
      const s = gdalMeta(join(tmp, 'rasters', `${f}.tif`)).scale;
      return s !== null && s[0] !== 1;
    });
    assert.deepEqual(
      scaled.map((r) => r.id),
      want.sort(),
      `${what}: WHERE on the scale column`,
    );
  }

  it('buildRasterCatalog writes them; DuckDB, memory and remote readers agree with gdalinfo', async () => {
    const out = join(tmp, 'cat.parquet');
    const { catalog, skipped } = await buildRasterCatalog(join(tmp, 'rasters'), { out, workers: 0, progress: false });
    assert.deepEqual(skipped, []);
    try {
      await check(catalog, 'duckdb');
      const rows: CatalogRow[] = [];
      for await (const r of catalog.rows()) rows.push(r);
      const mem = catalogFromRows(rows);
      await check(mem, 'memory');
      await mem.close();
    } finally {
      await catalog.close();
    }
    const remote = await openCatalog(`${server.base}/cat.parquet`);
    try {
      await check(remote, 'remote');
    } finally {
      await remote.close();
    }
  });

  it('buildCatalogFromTable with enrichCog writes them per asset', async () => {
    const records = files.map((f) => ({
      id: f,
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [15, 36],
            [15.1, 36],
            [15.1, 36.1],
            [15, 36.1],
            [15, 36],
          ],
        ],
      },
      datetime: '2024-01-01T00:00:00Z',
      assets: { B1: { href: join(tmp, 'rasters', `${f}.tif`) } },
    }));
    const { catalog } = await buildCatalogFromTable(records, {
      out: join(tmp, 'table.parquet'),
      enrichCog: true,
      progress: false,
    });
    try {
      await check(catalog, 'table build', 'B1');
    } finally {
      await catalog.close();
    }
  });

  it('a shard written before the columns existed reads them as NULL next to a new shard', async () => {
    const dir = join(tmp, 'sharded');
    mkdirSync(dir);
    const { catalog } = await buildRasterCatalog(join(tmp, 'rasters'), {
      out: join(dir, 'part-1.parquet'),
      workers: 0,
      progress: false,
    });
    const rows: CatalogRow[] = [];
    for await (const r of catalog.rows()) {
      for (const k of ['image_scale', 'image_offset', 'image_palette']) delete r.extras[k];
      rows.push({ ...r, id: `old-${r.id}` });
    }
    await catalog.close();
    await writeGeoParquet(rows, join(dir, 'part-0.parquet'));
    const cat = await openCatalog(dir);
    try {
      const got = await cat.aggregate(
        "SELECT count(*) FILTER (WHERE image_scale IS NOT NULL) AS s, count(*) FILTER (WHERE id LIKE 'old-%' AND (image_scale IS NOT NULL OR image_palette IS NOT NULL)) AS bad FROM catalog",
      );
      assert.equal(Number(got[0].bad), 0);
      assert.equal(Number(got[0].s), files.filter((f) => gdalMeta(join(tmp, 'rasters', `${f}.tif`)).scale).length);
    } finally {
      await cat.close();
    }
  });
});
