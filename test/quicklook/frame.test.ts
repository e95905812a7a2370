import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawText, GLYPH_HEIGHT, textWidth } from '../../src/quicklook/font.js';
import { frameMap, scaleBar } from '../../src/quicklook/frame.js';
import { RgbaImage } from '../../src/quicklook/image.js';
import { CLASS_PALETTE, rampColor } from '../../src/quicklook/png.js';

const pixel = (img: RgbaImage, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3),
];

test('scaleBar: the longest 1/2/5 x 10^k metres within a third of the width (brute force)', () => {
  for (const [mpp, px] of [
    [30, 192],
    [10, 800],
    [0.5, 300],
    [1234.5, 250],
    [7, 100],
  ]) {
    const most = (px / 3) * mpp;
    let want = 0;
    for (let k = -3; k <= 9; k++)
      for (const f of [1, 2, 5]) if (f * 10 ** k <= most) want = Math.max(want, f * 10 ** k);
    const bar = scaleBar(mpp, px);
    assert.ok(Math.abs(bar.metres - want) < 1e-9 * want, `${mpp} m/px, ${px} px: ${bar.metres} vs ${want}`);
    assert.equal(bar.pixels, Math.round(want / mpp));
    assert.equal(bar.label, want >= 1000 ? `${want / 1000} km` : `${want} m`);
  }
});

test('frameMap: title above, the map pixels unchanged, colour bar and scale bar below', () => {
  const w = 240;
  const h = 60;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) rgba.set(i % 7 === 0 ? [0, 0, 0, 0] : [i % 256, (i * 3) % 256, 99, 255], i * 4);
  const img = frameMap(rgba, w, h, {
    title: 'Entropy',
    legend: { kind: 'ramp', label: 'entropy (nats)', range: [0, 1.1] },
    metresPerPixel: 30,
  });
  assert.equal(img.width, w);
  const top = GLYPH_HEIGHT * 2 + 8; // title at scale 2 plus padding
  for (let i = 0; i < w * h; i++) {
    const got = pixel(img, i % w, top + Math.floor(i / w));
    assert.deepEqual(got, i % 7 === 0 ? [205, 205, 205] : [i % 256, (i * 3) % 256, 99], `map pixel ${i}`);
  }
  // The title is drawn exactly as drawText draws it on a blank image.
  const title = new RgbaImage(w, top, [255, 255, 255]);
  drawText(title, 4, 4, 'Entropy', [20, 20, 20], 2);
  assert.deepEqual(img.data.subarray(0, w * top * 4), title.data);
  // Colour bar: first and last columns are the ends of the ramp.
  const barY = top + h + 4 + GLYPH_HEIGHT + 2;
  assert.deepEqual(pixel(img, 4, barY), rampColor(0));
  assert.deepEqual(pixel(img, 4 + 159, barY), rampColor(1));
  // Scale bar: a dark run as long as scaleBar says, on its row.
  const scaleY = barY + 8 + 2 + GLYPH_HEIGHT + 4;
  const { pixels, label } = scaleBar(30, w - 8);
  let run = 0;
  while (pixel(img, 4 + run, scaleY + 3)[0] === 20) run++;
  assert.equal(run, pixels);
  assert.equal(label, '2 km');
  assert.equal(img.height, scaleY + GLYPH_HEIGHT + 4);
});

test('frameMap: class legend swatches in the palette colours; a narrow map is centred on a 200 px picture', () => {
  const names = ['water', 'vegetation', 'bare'];
  const rgba = new Uint8Array(10 * 10 * 4);
  for (let i = 0; i < 100; i++) rgba.set([1, 2, 3, 255], i * 4);
  const img = frameMap(rgba, 10, 10, { title: 'Classes', legend: { kind: 'classes', names } });
  assert.equal(img.width, 200);
  const top = GLYPH_HEIGHT * 2 + 8;
  assert.deepEqual(
    [pixel(img, 95, top), pixel(img, 104, top + 9)],
    [
      [1, 2, 3],
      [1, 2, 3],
    ],
    'the map, centred',
  );
  assert.deepEqual(
    [pixel(img, 94, top), pixel(img, 105, top)],
    [
      [255, 255, 255],
      [255, 255, 255],
    ],
    'paper beside it',
  );
  const y = top + 10 + 4;
  let x = 4;
  names.forEach((name, k) => {
    assert.deepEqual(pixel(img, x + 1, y + 1), CLASS_PALETTE[k], name);
    x += GLYPH_HEIGHT + 3 + textWidth(name) + 8;
  });
});
