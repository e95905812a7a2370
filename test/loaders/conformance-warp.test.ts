// Conformance of the loader's geometry against rasterio / GDAL 3.6 on COGs written by gdal_translate:
// native-grid windows and overview reads must match exactly; warps and UTM-zone mosaics must agree with
// rasterio.warp.reproject on >= 99% of pixels (nearest). Fixtures and expectations:
// test/fixtures/loaders/warp/make.sh (committed, so GDAL is only needed to regenerate them). Cases on
// third-party rasters ("shared:" sources, from ../shared/fixtures) are skipped when those are absent.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { GeoSlice } from '../../src/geo/slice.js';
import { maskOf } from '../../src/loaders/chip.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { openRaster, type RasterReader } from '../../src/loaders/raster.js';

const dir = fileURLToPath(new URL('../fixtures/loaders/warp/', import.meta.url));
const shared = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const resolve = (s: string): string => (s.startsWith('shared:') ? shared + s.slice('shared:'.length) : dir + s);
const skip = (c: Case): string | false => {
  const missing = c.sources.map(resolve).find((p) => !existsSync(p));
  return missing ? `third-party fixture ${missing} is absent` : false;
};
interface Case {
  name: string;
  kind: 'native' | 'overview' | 'warp';
  level?: number;
  /** 1-based; default [1]. `data` is [C, H, W]. */
  bands?: number[];
  sources: string[];
  slice: GeoSlice;
  resampling: 'nearest' | 'bilinear';
  data: (number | null)[];
}
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { generator: string; cases: Case[] };

async function run(c: Case) {
  const levels: number[] = [];
  const readers: RasterReader[] = [];
  try {
    const chip = await loadSlice(c.sources.map(resolve), c.slice, {
      resampling: c.resampling,
      bands: c.bands ?? [1],
      open: async (href, layout) => {
        const r = await openRaster(href, { layout });
        readers.push(r);
        const readWindow = r.readWindow.bind(r);
        r.readWindow = (level, ...rest) => {
          levels.push(level);
          return readWindow(level, ...rest);
        };
        return r;
      },
    });
    assert.equal(chip.data.length, c.data.length, `${c.name}: pixel count`);
    return { chip, levels };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

for (const c of expected.cases.filter((k) => k.kind !== 'warp')) {
  test(`exact: ${c.name}`, { skip: skip(c) }, async () => {
    const { chip, levels } = await run(c);
    if (c.level !== undefined)
      assert.ok(
        levels.every((l) => l === c.level),
        `${c.name}: read levels ${levels.join(',')}`,
      );
    for (let p = 0; p < c.data.length; p++) {
      const want = c.data[p];
      assert.equal(maskOf(chip)[p % maskOf(chip).length], want === null ? 0 : 1, `${c.name}: mask at pixel ${p}`);
      assert.equal(chip.data[p], want ?? 0, `${c.name}: value at pixel ${p}`);
    }
  });
}

for (const c of expected.cases.filter((k) => k.kind === 'warp')) {
  test(`warp vs rasterio.warp.reproject: ${c.name}`, { skip: skip(c) }, async (t) => {
    const { chip, levels } = await run(c);
    if (c.level !== undefined)
      assert.ok(
        levels.every((l) => l === c.level),
        `${c.name}: read levels ${levels.join(',')}`,
      );
    const plane = maskOf(chip).length;
    let agree = 0;
    let validBoth = 0;
    for (let p = 0; p < c.data.length; p++) {
      const want = c.data[p];
      const valid = maskOf(chip)[p % plane] === 1;
      if (want === null || !valid) {
        if (want === null && !valid) agree++;
        continue;
      }
      validBoth++;
      // expectations are rounded to 3 decimals; nearest must give the same source pixel, bilinear the same value to 0.1%
      const tol = c.resampling === 'nearest' ? 6e-4 : Math.max(6e-4, 1e-3 * Math.abs(want));
      if (Math.abs(chip.data[p] - want) <= tol) agree++;
    }
    const pct = (100 * agree) / c.data.length;
    t.diagnostic(`${c.name}: ${agree}/${c.data.length} pixels agree (${pct.toFixed(2)}%), ${validBoth} valid in both`);
    assert.ok(validBoth > 0.3 * c.data.length, `${c.name}: the slice has valid pixels`);
    if (c.resampling === 'nearest') assert.ok(pct >= 99, `${c.name}: only ${pct.toFixed(2)}% agree with rasterio`);
    else assert.ok(pct >= 99, `${c.name}: bilinear agreement ${pct.toFixed(2)}%`);
  });
}
