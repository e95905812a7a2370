/**
 * Scale/offset and palettes as GDAL reports them (gdalinfo -json), and the loader's `scaleOffset`
 * option against the raw read times scale plus offset.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { openRaster } from '../../src/loaders/raster.js';

const COG2 = fileURLToPath(new URL('../../../shared/fixtures/cog2/', import.meta.url));

const gdalinfo = (file: string) =>
  JSON.parse(execFileSync('gdalinfo', ['-json', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());

describe('scale/offset and palette vs gdalinfo', { skip: existsSync(COG2) ? false : `${COG2} is absent` }, () => {
  it('offset_scaled_tinymarble.tif: per-band scale and offset; scaleOffset applies them', async () => {
    const file = join(COG2, 'offset_scaled_tinymarble.tif');
    const info = gdalinfo(file);
    const reader = await openRaster(file);
    try {
      assert.deepEqual(reader.info.scaleOffset, {
        scale: info.bands.map((b: { scale?: number }) => b.scale ?? 1),
        offset: info.bands.map((b: { offset?: number }) => b.offset ?? 0),
      });
      const { transform: t } = reader.info;
      const slice = {
        bounds: [t[0] + 10 * t[1], t[3] + 30 * t[5], t[0] + 30 * t[1], t[3] + 10 * t[5]] as [
          number,
          number,
          number,
          number,
        ],
        crs: reader.info.crs as string,
        resolution: [t[1], -t[5]] as [number, number],
      };
      const raw = await loadSlice([file], slice);
      const physical = await loadSlice([file], slice, { scaleOffset: true });
      const n = 400;
      for (let b = 0; b < 3; b++) {
        for (const k of [0, 57, 399]) {
          const want = raw.data[b * n + k] * info.bands[b].scale + info.bands[b].offset;
          assert.ok(Math.abs(physical.data[b * n + k] - want) < 1e-4, `band ${b + 1} pixel ${k}`);
        }
      }
    } finally {
      await reader.close();
    }
  });

  it('test_color_table.tif: the colour table GDAL reports', async () => {
    const file = join(COG2, 'test_color_table.tif');
    const table = gdalinfo(file).bands[0].colorTable.entries as number[][];
    const reader = await openRaster(file);
    try {
      assert.deepEqual(reader.info.palette, table);
    } finally {
      await reader.close();
    }
  });

  it('a file without them has null', async () => {
    const reader = await openRaster(join(COG2, 'sstlaea.tif'));
    assert.equal(reader.info.scaleOffset, null);
    assert.equal(reader.info.palette, null);
    await reader.close();
  });
});
