/**
 * The compact CRS table against its sources: every EPSG code of `epsg-index` and every ESRI code of
 * `@esri/proj-codes` (both devDependencies) gives exactly the kind, name, proj4 string and area of use
 * the packages give, read here straight from their JSON; the checked-in `data/crs-*.tsv.gz` are
 * what `scripts/build-crs-table.ts` makes from the installed packages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { CRS_TABLES, crsTableTexts } from '../../scripts/build-crs-table.js';
import { resolveCrs } from '../../src/geo/crs.js';
import { epsgEntry, esriCodeByName, esriEntry } from '../../src/geo/crs-table.js';

const require = createRequire(import.meta.url);
const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('CRS table', () => {
  it('is up to date with epsg-index and @esri/proj-codes (else: npm run crs-table)', () => {
    const texts = crsTableTexts();
    for (const key of ['epsg', 'esri'] as const) {
      const checkedIn = gunzipSync(readFileSync(join(repo, CRS_TABLES[key]))).toString('utf8');
      assert.ok(checkedIn === texts[key], `${CRS_TABLES[key]} is out of date: run npm run crs-table`);
    }
  });

  it('gives every EPSG code the kind, name, proj4 string and area of use of epsg-index', () => {
    const dir = join(dirname(require.resolve('epsg-index/package.json')), 's');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length > 8000, `epsg-index holds ${files.length} codes`);
    for (const f of files) {
      const src = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        code: string;
        kind: string;
        name: string;
        proj4: string | null;
        bbox?: number[] | null;
      };
      const e = epsgEntry(Number(src.code));
      assert.ok(e, `EPSG:${src.code} is in the table`);
      assert.deepEqual(
        { kind: e.kind, name: e.name, proj4: e.proj4, bbox: e.bbox ?? null },
        { kind: src.kind, name: src.name, proj4: src.proj4 || null, bbox: src.bbox ?? null },
        `EPSG:${src.code}`,
      );
    }
    assert.equal(epsgEntry(99999999), undefined);
  });

  it('gives every ESRI code (and latestWkid) the name, WKT and area of use of @esri/proj-codes', () => {
    const dir = dirname(require.resolve('@esri/proj-codes/package.json'));
    const seen = new Set<number>();
    let checked = 0;
    for (const [file, key] of [
      ['pe_list_projcs.json', 'ProjectedCoordinateSystems'],
      ['pe_list_geogcs.json', 'GeographicCoordinateSystems'],
    ] as const) {
      const list = (
        JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<
          string,
          {
            wkid: number;
            latestWkid: number;
            name: string;
            wkt: string;
            extent?: { slat: number; nlat: number; llon: number; rlon: number }[];
          }[]
        >
      )[key];
      // The last entry listed under a code is the one it resolves to.
      const byWkid = new Map(list.map((e) => [e.wkid, e]));
      for (const src of byWkid.values()) {
        const x = src.extent?.[0];
        const e = esriEntry(src.wkid);
        assert.ok(e, `ESRI:${src.wkid} is in the table`);
        assert.deepEqual(
          { name: e.name, wkt: e.wkt, bbox: e.bbox ?? null },
          { name: src.name, wkt: src.wkt, bbox: x ? [x.nlat, x.llon, x.slat, x.rlon] : null },
          `ESRI:${src.wkid}`,
        );
        seen.add(src.wkid);
        checked++;
      }
      for (const src of list) {
        if (byWkid.has(src.latestWkid) || seen.has(src.latestWkid)) continue;
        assert.ok(esriEntry(src.latestWkid), `ESRI:${src.latestWkid} (latestWkid of ${src.wkid}) is in the table`);
      }
    }
    assert.ok(checked > 9000, `${checked} ESRI codes checked`);
    assert.equal(esriEntry(99999999), undefined);
  });

  it('resolves codes through the table as before: EPSG proj4 strings, ESRI WKT, names', () => {
    assert.equal(resolveCrs('EPSG:32633').proj4, '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs +type=crs');
    assert.equal(resolveCrs('EPSG:32633').name, 'WGS 84 / UTM zone 33N');
    const albers = resolveCrs('ESRI:102039');
    assert.equal(albers.name, 'USA_Contiguous_Albers_Equal_Area_Conic_USGS_version');
    assert.equal(albers.geographic, false);
    assert.equal(esriCodeByName('USA_Contiguous_Albers_Equal_Area_Conic_USGS_version'), 102039);
    assert.equal(esriCodeByName('WGS_1984_UTM_Zone_33N'), null, 'codes below 32768 are EPSG codes');
    assert.throws(() => resolveCrs('EPSG:5703'), /has no 2D proj4 definition/);
  });
});
