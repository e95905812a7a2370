import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { ensureSampleArchive } from '../../examples/sample-archive.js';
import { openRaster } from '../../src/loaders/raster.js';
import { MIN_ACCURACY, outputDir, runExample } from './run-example.js';

test('examples/segmentation.ts: trains on rasterized vector labels to >= 0.93 validation accuracy, its polygons reproduce the label raster under gdal_rasterize, and it writes the quicklook', async () => {
  const out = outputDir('segmentation');
  const stdout = runExample('segmentation', out);
  const epochs = [...stdout.matchAll(/epoch (\d+)\/6: loss ([\d.]+)/g)].map((m) => Number(m[2]));
  assert.equal(epochs.length, 6, stdout);
  assert.ok(epochs[5] < epochs[0] / 2, `loss ${epochs[0]} -> ${epochs[5]}`);
  const acc = Number(/validation pixel accuracy: ([\d.]+)/.exec(stdout)?.[1]);
  assert.ok(acc >= MIN_ACCURACY, `validation accuracy ${acc}`);

  // The polygons it generated, burnt by GDAL onto the label raster's grid, give the label raster back.
  const archive = await ensureSampleArchive();
  const reader = await openRaster(archive.labels);
  const { width, height, transform } = reader.info;
  const labels = (await reader.readWindow(0, 0, 0, width, height, [0])).data[0];
  await reader.close();
  const burnt = join(out, 'burnt.img');
  const [x0, xres, , y0, , yres] = transform;
  execFileSync('gdal_create', [
    '-q',
    '-of',
    'ENVI',
    '-outsize',
    String(width),
    String(height),
    '-bands',
    '1',
    '-ot',
    'Byte',
    '-burn',
    '255',
    '-a_srs',
    'EPSG:32632',
    '-a_ullr',
    String(x0),
    String(y0),
    String(x0 + width * xres),
    String(y0 + height * yres),
    burnt,
  ]);
  execFileSync('gdal_rasterize', ['-q', '-a', 'class_id', join(out, 'labels.geojson'), burnt]);
  const gdal = readFileSync(burnt);
  let differ = 0;
  for (let i = 0; i < labels.length; i++) if (gdal[i] !== labels[i]) differ++;
  assert.equal(differ, 0, `${differ} of ${labels.length} pixels differ`);

  const png = PNG.sync.read(readFileSync(join(out, 'segmentation-quicklook.png')));
  assert.deepEqual([png.width, png.height], [3 * 128 * 3 + 16, 128 * 3]);
});
