import { getDecoder } from 'geotiff';
import type { CogImageLayout } from '../cog-layout.js';

type BlockDecoder = (bytes: Uint8Array) => Promise<Uint8Array>;

/** Compression codes decoded by geotiff.js's own decoders. */
export const GEOTIFF_CODECS: ReadonlySet<number> = new Set([5, 7, 32773, 34887, 50000]);

const cache = new WeakMap<CogImageLayout, Promise<BlockDecoder>>();

/**
 * A block decoder for LZW, JPEG, PackBits, LERC or ZSTD built on geotiff.js's decoders (one per
 * image, so JPEG tables are parsed once). Predictors are not applied here; the caller does that.
 *
 * @example
 * ```ts
 * const decode = await geotiffCodec(layout.images[0]);
 * const raw = await decode(tileBytes);
 * ```
 */
export function geotiffCodec(img: CogImageLayout): Promise<BlockDecoder> {
  let p = cache.get(img);
  if (!p) {
    p = (async () => {
      const params = {
        tileWidth: img.blockWidth,
        tileHeight: img.blockHeight,
        predictor: 1,
        bitsPerSample: new Array<number>(img.samplesPerPixel).fill(img.bitsPerSample),
        planarConfiguration: img.planarConfiguration,
        samplesPerPixel: img.samplesPerPixel,
        JPEGTables: img.jpegTables ? new Uint8Array(Buffer.from(img.jpegTables, 'base64')) : undefined,
        LercParameters: img.lercParameters ?? undefined,
      };
      const dec = await getDecoder(img.compression, params);
      return async (bytes: Uint8Array) => {
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
        const out = await dec.decodeBlock(own.buffer);
        return new Uint8Array(out);
      };
    })();
    cache.set(img, p);
  }
  return p;
}
