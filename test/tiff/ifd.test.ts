/**
 * The one IFD parser against GDAL: classic and BigTIFF files in both byte orders made by
 * gdal_translate read with the structure gdalinfo reports and the pixels written; every TIFF field
 * type decodes to the values written by hand; the strict LZW and PackBits decoders round-trip.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { lzwDecode, lzwEncode } from '../../src/tiff/codecs/lzw.js';
import { packbitsDecode } from '../../src/tiff/codecs/packbits.js';
import { openRaster } from '../../src/loaders/raster.js';
import { openSource } from '../../src/sources/open-source.js';
import { extractCogLayout, readIfds, TAG, tagBytes, tagNumbers, tagText } from '../../src/tiff/index.js';
import { gdalMissing, gdalTiff, rampPixel, WIDTH } from '../hostile/tiff-patch.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-ifd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readIfds on files made by GDAL', { skip: gdalMissing }, () => {
  for (const big of [false, true]) {
    for (const endian of ['LITTLE', 'BIG']) {
      it(`${big ? 'BigTIFF' : 'classic TIFF'}, ${endian.toLowerCase()} endian: structure as gdalinfo, pixels as written`, async () => {
        const f = await gdalTiff(dir, `${big ? 'big' : 'classic'}-${endian}`, [
          '-co',
          'TILED=YES',
          '-co',
          'BLOCKXSIZE=32',
          '-co',
          'BLOCKYSIZE=48',
          '-co',
          'COMPRESS=LZW',
          '-co',
          `ENDIANNESS=${endian}`,
          '-co',
          `BIGTIFF=${big ? 'YES' : 'NO'}`,
        ]);
        const source = await openSource(f);
        const tiff = await readIfds(source);
        await source.close();
        assert.equal(tiff.bigTiff, big);
        assert.equal(tiff.littleEndian, endian === 'LITTLE');
        const info = JSON.parse(execFileSync('gdalinfo', ['-json', f], { encoding: 'utf8' }));
        const layout = await extractCogLayout(f);
        assert.deepEqual([layout.width, layout.height], info.size);
        assert.deepEqual([layout.images[0].blockWidth, layout.images[0].blockHeight], info.bands[0].block);
        assert.deepEqual(layout.transform, info.geoTransform);
        assert.equal(layout.crs, 'EPSG:32633');
        const r = await openRaster(f);
        const w = await r.readWindow(0, 0, 0, WIDTH, WIDTH, [0]);
        for (let i = 0; i < WIDTH * WIDTH; i += 97)
          assert.equal(w.data[0][i], rampPixel(Math.floor(i / WIDTH), i % WIDTH));
        await r.close();
      });
    }
  }
});

/** A one-IFD big-endian classic TIFF whose entries are given as [tag, type, count, value bytes]. */
function handMade(entries: [number, number, number, Buffer][]): Buffer {
  const head = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]);
  const ifdSize = 2 + entries.length * 12 + 4;
  const ifd = Buffer.alloc(ifdSize);
  const extra: Buffer[] = [];
  let extraAt = 8 + ifdSize;
  ifd.writeUInt16BE(entries.length, 0);
  entries.forEach(([tag, type, count, bytes], i) => {
    const p = 2 + i * 12;
    ifd.writeUInt16BE(tag, p);
    ifd.writeUInt16BE(type, p + 2);
    ifd.writeUInt32BE(count, p + 4);
    if (bytes.length <= 4) bytes.copy(ifd, p + 8);
    else {
      ifd.writeUInt32BE(extraAt, p + 8);
      extra.push(bytes);
      extraAt += bytes.length;
    }
  });
  return Buffer.concat([head, ifd, ...extra]);
}

describe('readIfds field types', () => {
  it('BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE, UNDEFINED, SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE, LONG8', async () => {
    const be = (n: number, write: (b: Buffer, v: number, at: number) => void, values: number[]) => {
      const b = Buffer.alloc(n * values.length);
      values.forEach((v, i) => write(b, v, i * n));
      return b;
    };
    const rational = (pairs: number[], signed: boolean) =>
      be(4, (b, v, at) => (signed ? b.writeInt32BE(v, at) : b.writeUInt32BE(v, at)), pairs);
    const cases: [number, number, number, Buffer, unknown][] = [
      [TAG.ImageWidth, 3, 1, be(2, (b, v, at) => b.writeUInt16BE(v, at), [300]), [300]],
      [TAG.ImageLength, 4, 1, be(4, (b, v, at) => b.writeUInt32BE(v, at), [70000]), [70000]],
      [TAG.BitsPerSample, 1, 3, Buffer.from([8, 16, 250]), new Uint8Array([8, 16, 250])],
      [TAG.Compression, 6, 2, Buffer.from([0xff, 5]), [-1, 5]],
      [TAG.JPEGTables, 7, 5, Buffer.from([1, 2, 3, 4, 5]), new Uint8Array([1, 2, 3, 4, 5])],
      [TAG.Predictor, 8, 2, be(2, (b, v, at) => b.writeInt16BE(v, at), [-3, 7]), [-3, 7]],
      [TAG.TileWidth, 9, 2, be(4, (b, v, at) => b.writeInt32BE(v, at), [-70000, 9]), [-70000, 9]],
      [TAG.ModelPixelScale, 5, 2, rational([1, 4, 3, 2], false), [0.25, 1.5]],
      [TAG.ModelTiepoint, 10, 1, rational([-1, 8], true), [-0.125]],
      [TAG.ModelTransformation, 11, 2, be(4, (b, v, at) => b.writeFloatBE(v, at), [0.5, -2]), [0.5, -2]],
      [TAG.LercParameters, 12, 2, be(8, (b, v, at) => b.writeDoubleBE(v, at), [Math.PI, -1e300]), [Math.PI, -1e300]],
      [TAG.TileOffsets, 16, 1, be(8, (b, v, at) => b.writeBigUInt64BE(BigInt(v), at), [2 ** 40 + 3]), [2 ** 40 + 3]],
      [TAG.GdalNodata, 2, 5, Buffer.from('-9.5\0', 'latin1'), '-9.5'],
    ];
    const f = join(dir, 'types.tif');
    writeFileSync(f, handMade(cases.map(([t, ty, n, b]) => [t, ty, n, b])));
    const source = await openSource(f);
    const { ifds } = await readIfds(source);
    await source.close();
    for (const [tag, , , , want] of cases) {
      const got =
        typeof want === 'string'
          ? tagText(ifds[0], tag)
          : want instanceof Uint8Array
            ? tagBytes(ifds[0], tag)
            : tagNumbers(ifds[0], tag);
      assert.deepEqual(got, want, `tag ${tag}`);
    }
  });
});

describe('strict LZW and PackBits', () => {
  it('LZW round-trips random and repetitive data of many sizes (the encoder is the oracle)', () => {
    const rng = seedrandom('lzw');
    for (const n of [0, 1, 2, 255, 4096, 70_000]) {
      for (const kind of ['random', 'runs']) {
        const data = new Uint8Array(n);
        for (let i = 0; i < n; i++) data[i] = kind === 'random' ? Math.floor(rng() * 256) : Math.floor(i / 300) % 7;
        assert.deepEqual(lzwDecode(lzwEncode(data), n), data, `${kind} ${n}`);
      }
    }
    assert.throws(() => lzwDecode(lzwEncode(new Uint8Array(100)), 101), /ended after 100 of 101/);
  });

  it('LZW: output past the expected bytes is dropped; bad codes throw', () => {
    const runs = Uint8Array.from({ length: 20_000 }, (_, i) => Math.floor(i / 900) % 5);
    for (const n of [1, 899, 19_990]) assert.deepEqual(lzwDecode(lzwEncode(runs), n), runs.subarray(0, n), `${n}`);
    // 9-bit codes, most significant bit first
    const codes = (...c: number[]) => {
      const out = new Uint8Array(Math.ceil((c.length * 9) / 8) + 1);
      c.forEach((v, k) => {
        for (let b = 0; b < 9; b++) if ((v >> (8 - b)) & 1) out[(k * 9 + b) >> 3] |= 0x80 >> ((k * 9 + b) & 7);
      });
      return out;
    };
    assert.deepEqual(lzwDecode(codes(256, 65, 66, 258, 257), 4), Uint8Array.from([65, 66, 65, 66]));
    assert.deepEqual(lzwDecode(codes(256, 65, 258, 257), 3), Uint8Array.from([65, 65, 65])); // the code being defined
    assert.throws(() => lzwDecode(codes(256, 300), 4), /code 300 right after Clear/);
    assert.throws(
      () => lzwDecode(codes(256, 65, 300), 4),
      /code 300 is beyond the string table \(next free code 258\)/,
    );
  });

  it('PackBits: literal and repeat runs; runs past the end and short data throw', () => {
    assert.deepEqual(
      packbitsDecode(Buffer.from([2, 1, 2, 3, 0xfd, 9, 0x80]), 7),
      new Uint8Array([1, 2, 3, 9, 9, 9, 9]),
    );
    assert.throws(() => packbitsDecode(Buffer.from([5, 1, 2]), 6), /passes the end/);
    assert.throws(() => packbitsDecode(Buffer.from([0xfe, 4]), 4), /ended after 3 of 4/);
  });
});
