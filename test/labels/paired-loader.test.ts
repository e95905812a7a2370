// Paired image + label samples are aligned: polygons are burnt into an image by gdal_rasterize (the
// features in EPSG:4326, the image in UTM), and the paired loader's label (rasterized from a vector
// catalog of the same polygons) must match the image content; raster labels read the same pixels;
// boxes are the polygons' bounds in pixel coordinates; tfDataset yields { xs, ys }.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GeoCatalog } from '../../src/catalog/types.js';
import type { GeoSlice } from '../../src/geo/slice.js';
import { createPairedLoader } from '../../src/labels/paired-loader.js';
import { tfDataset } from '../../src/tfjs/tf-dataset.js';
import { loadTf } from '../../src/tfjs/tfjs.js';
import { type BurntScene, burntScene, RES, X0, Y0 } from './burnt-scene.js';

let dir = '';
let imagery: GeoCatalog;
let labels: GeoCatalog;
let polygons: BurntScene['polygons'] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gs-paired-'));
  ({ imagery, labels, polygons } = await burntScene(dir));
});
after(async () => {
  await imagery?.close();
  await labels?.close();
  rmSync(dir, { recursive: true, force: true });
});

const slice = (col: number, row: number, size: number): GeoSlice => ({
  bounds: [X0 + col * RES, Y0 - (row + size) * RES, X0 + (col + size) * RES, Y0 - row * RES],
  crs: 'EPSG:32633',
  resolution: [RES, RES],
});
const slices = [slice(0, 0, 128), slice(128, 0, 128), slice(0, 128, 128), slice(128, 128, 128), slice(40, 90, 128)];

test('vector labels rasterized per chip match the burnt image content', async () => {
  const paired = createPairedLoader({
    images: { catalog: imagery },
    labels: { kind: 'vector', catalog: labels, attribute: 'class_id' },
  });
  try {
    let labelled = 0;
    for await (const s of paired.samples(slices)) {
      const { image, label } = s;
      assert.deepEqual(label!.shape, [1, 128, 128]);
      let differ = 0;
      for (let i = 0; i < label!.data.length; i++) {
        const expected = image.data[i] === 10 ? 0 : (image.data[i] - 100) / 50;
        if (label!.data[i] !== expected) differ++;
        if (label!.data[i] > 0) labelled++;
      }
      // Densified edges may move a boundary pixel centre across; GDAL burnt the chords.
      assert.ok(differ <= 0.001 * label!.data.length, `${differ} label pixels disagree with the image`);
    }
    assert.ok(labelled > 1000, 'the polygons should cover part of the chips');
  } finally {
    await paired.close();
  }
});

test('raster labels read the same pixels; boxes are the polygon bounds in pixels', async () => {
  const masks = createPairedLoader({ images: { catalog: imagery }, labels: { kind: 'raster', catalog: imagery } });
  const boxes = createPairedLoader({
    images: { catalog: imagery },
    labels: { kind: 'boxes', catalog: labels, attribute: 'class_id' },
  });
  try {
    const s = await masks.load(slices[4]);
    assert.deepEqual(Array.from(s.label!.data), Array.from(s.image.data));
    const b = await boxes.load(slice(0, 0, 256));
    assert.equal(b.boxes!.length, 3);
    for (const box of b.boxes!) {
      const ring = polygons.find((p) => p.cls === box.classId)!.ring;
      const xs = ring.map((p) => p[0] / RES);
      const ys = ring.map((p) => (512 - p[1]) / RES);
      assert.ok(
        Math.abs(box.x0 - Math.min(...xs)) < 0.05 && Math.abs(box.x1 - Math.max(...xs)) < 0.05,
        JSON.stringify(box),
      );
      assert.ok(
        Math.abs(box.y0 - Math.min(...ys)) < 0.05 && Math.abs(box.y1 - Math.max(...ys)) < 0.05,
        JSON.stringify(box),
      );
    }
  } finally {
    await masks.close();
    await boxes.close();
  }
});

test("raster labels with resampling: 'mode' take the class mode of the finer label raster", async () => {
  // chips at twice the label raster's pixel size: each label pixel is the mode of 2 x 2 (gdalwarp -r mode)
  const coarse: GeoSlice = { ...slice(0, 0, 256), resolution: [2 * RES, 2 * RES] };
  const mode = createPairedLoader({
    images: { catalog: imagery, resampling: 'mode' },
    labels: { kind: 'raster', catalog: imagery, resampling: 'mode' },
  });
  const near = createPairedLoader({ images: { catalog: imagery }, labels: { kind: 'raster', catalog: imagery } });
  try {
    const m = await mode.load(coarse);
    const n = await near.load(coarse);
    assert.deepEqual(m.label!.shape, [1, 128, 128]);
    // the image loaded with mode is the same computation: labels and image agree pixel for pixel
    assert.deepEqual(Array.from(m.label!.data), Array.from(m.image.data));
    let differ = 0;
    for (let i = 0; i < m.label!.data.length; i++) if (m.label!.data[i] !== n.label!.data[i]) differ++;
    assert.ok(differ > 0, 'mode and nearest differ somewhere on polygon edges');
  } finally {
    await mode.close();
    await near.close();
  }
  assert.throws(
    () =>
      createPairedLoader({
        images: { catalog: imagery },
        labels: { kind: 'raster', catalog: imagery, resampling: 'bilinear' as 'mode' },
      }),
    { code: 'BAD_OPTION' },
  );
});

test('tfDataset over a paired loader yields { xs, ys } on the same grid', async () => {
  const tf = await loadTf();
  const paired = createPairedLoader({
    images: { catalog: imagery },
    labels: { kind: 'vector', catalog: labels, attribute: 'class_id' },
  });
  try {
    const ds = await tfDataset(slices.slice(0, 4), paired, { batchSize: 2, tf });
    let n = 0;
    await ds.forEachAsync((el) => {
      const { xs, ys } = el as unknown as {
        xs: import('@tensorflow/tfjs').Tensor;
        ys: import('@tensorflow/tfjs').Tensor;
      };
      assert.deepEqual(xs.shape, [2, 128, 128, 1]);
      assert.deepEqual(ys.shape, [2, 128, 128, 1]);
      const x = xs.dataSync();
      const y = ys.dataSync();
      let same = 0;
      for (let i = 0; i < x.length; i++) if ((x[i] === 10 ? 0 : (x[i] - 100) / 50) === y[i]) same++;
      assert.ok(same >= 0.999 * x.length);
      xs.dispose();
      ys.dispose();
      n++;
    });
    assert.equal(n, 2);
  } finally {
    await paired.close();
  }
});
