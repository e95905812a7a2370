import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { RasterError } from '../../src/errors.js';
import { assertCogLayout, extractCogLayout, type CogLayout } from '../../src/tiff/cog-layout.js';
import { openRaster } from '../../src/loaders/raster.js';
import type { ByteRange, ByteSource } from '../../src/sources/byte-source.js';
import { openFileSource } from '../../src/sources/file-source.js';

const CODECS = fileURLToPath(new URL('../fixtures/loaders/codecs/', import.meta.url));

/** Wraps a source and records every byte range read and every size() call. */
function counting(inner: ByteSource): ByteSource & { reads: ByteRange[]; sizeCalls: number } {
  const c = {
    href: inner.href,
    reads: [] as ByteRange[],
    sizeCalls: 0,
    size: () => {
      c.sizeCalls++;
      return inner.size();
    },
    read: (offset: number, length: number) => {
      c.reads.push({ offset, length });
      return inner.read(offset, length);
    },
    readRanges: (ranges: ByteRange[]) => Promise.all(ranges.map((r) => c.read(r.offset, r.length))),
    close: () => inner.close(),
  };
  return c;
}

describe('extractCogLayout', () => {
  it('captures every overview and mask IFD with offsets and byte counts, and survives JSON', async () => {
    const layout = await extractCogLayout(`${CODECS}cog_deflate_mask_rgb.tif`);
    assert.equal(layout.version, 1);
    assert.deepEqual(
      layout.images.map((im) => [im.width, im.height]),
      [
        [200, 150],
        [100, 75],
        [50, 37],
      ],
    );
    assert.ok(layout.masks.every((m) => m !== null && m.bitsPerSample === 1));
    for (const im of layout.images) {
      assert.equal(im.offsets.length, Math.ceil(im.width / im.blockWidth) * Math.ceil(im.height / im.blockHeight));
      assert.equal(im.byteCounts.length, im.offsets.length);
      assert.equal(im.compression, 8);
      assert.equal(im.samplesPerPixel, 3);
      assert.equal(im.planarConfiguration, 1);
    }
    assert.equal(layout.crs, 'EPSG:32633');
    assert.deepEqual(JSON.parse(JSON.stringify(layout)), layout);
  });

  it('records predictor, dtype, nodata text, strips and planar layouts', async () => {
    const f32 = await extractCogLayout(`${CODECS}cog_deflate_pred3_float32.tif`);
    assert.equal(f32.dtype, 'float32');
    assert.equal(f32.images[0].predictor, 3);
    assert.equal(f32.nodata, '-9999');
    const strips = await extractCogLayout(`${CODECS}gt_deflate_pred3_float32_3b_planar_striped.tif`);
    assert.equal(strips.images[0].tiled, false);
    assert.equal(strips.images[0].blockHeight, 11);
    assert.equal(strips.images[0].planarConfiguration, 2);
    assert.equal(strips.images[0].offsets.length, 3 * Math.ceil(80 / 11));
    const jpeg = await extractCogLayout(`${CODECS}cog_jpeg_ycbcr.tif`);
    assert.equal(jpeg.images[0].photometric, 6);
    assert.ok(jpeg.images[0].jpegTables && jpeg.images[0].jpegTables.length > 0);
  });

  it('accepts an open ByteSource and leaves it open', async () => {
    const src = await openFileSource(`${CODECS}gt_packbits_int16_tiled.tif`);
    const layout = await extractCogLayout(src);
    assert.equal(layout.images[0].compression, 32773);
    assert.equal((await src.read(0, 2)).length, 2);
    await src.close();
  });
});

describe('openRaster with a cached layout', () => {
  for (const name of [
    'cog_deflate_mask_rgb.tif',
    'cog_zstd_pred2_int32.tif',
    'gt_deflate_pred2_uint16_3b_planar.tif',
  ]) {
    it(`does no header I/O and reads only block bytes: ${name}`, async () => {
      const layout = JSON.parse(JSON.stringify(await extractCogLayout(CODECS + name))) as CogLayout;
      const src = counting(await openFileSource(CODECS + name));
      const cached = await openRaster(CODECS + name, { layout, source: src });
      assert.equal(src.reads.length, 0, 'opening read bytes');
      assert.equal(src.sizeCalls, 0, 'opening asked for the size');
      const fresh = await openRaster(CODECS + name);
      assert.deepEqual(cached.info, fresh.info);
      const blocks = layout.images
        .flatMap((im) => im.offsets.map((o, i) => [o, o + im.byteCounts[i]]))
        .concat(layout.masks.flatMap((im) => (im ? im.offsets.map((o, i) => [o, o + im.byteCounts[i]]) : [])));
      for (const [level, x, y, w, h] of [
        [0, 20, 30, 100, 70],
        [0, -5, -5, 30, 30],
        [1, 0, 0, 50, 50],
      ]) {
        if (level >= layout.images.length) continue;
        const bands = Array.from({ length: layout.bands }, (_, b) => b);
        assert.deepEqual(
          await cached.readWindow(level, x, y, w, h, bands),
          await fresh.readWindow(level, x, y, w, h, bands),
        );
      }
      assert.ok(src.reads.length > 0);
      for (const r of src.reads) {
        // A whole block, or the prefix of one when only its first rows are needed.
        assert.ok(
          blocks.some(([a, b]) => r.offset === a && r.offset + r.length <= b),
          `read ${r.offset}+${r.length} is not (the start of) one block`,
        );
      }
      await cached.close();
      await fresh.close();
      await src.close();
    });
  }

  it('rejects an unusable layout with BAD_LAYOUT naming the file', async () => {
    const layout = await extractCogLayout(`${CODECS}cog_deflate_pred2_uint16.tif`);
    const broken = {
      ...layout,
      images: [{ ...layout.images[0], offsets: layout.images[0].offsets.slice(1) }],
      masks: [null],
    };
    await assert.rejects(
      openRaster(`${CODECS}x.tif`, {
        layout: broken,
        source: await openFileSource(`${CODECS}cog_deflate_pred2_uint16.tif`),
      }),
      (e: unknown) => e instanceof RasterError && e.code === 'BAD_LAYOUT' && e.message.includes('x.tif'),
    );
    assert.throws(
      () => assertCogLayout({ version: 2 }, 'y.tif'),
      (e: unknown) => e instanceof RasterError && e.code === 'BAD_LAYOUT',
    );
    assert.throws(
      () => assertCogLayout(null, 'y.tif'),
      (e: unknown) => e instanceof RasterError && e.code === 'BAD_LAYOUT',
    );
  });
});
