import { COMPRESSION } from '../tags.js';
import type { CogImageLayout } from '../image.js';

type BlockDecoder = (bytes: Uint8Array) => Promise<Uint8Array>;
type GetDecoder = (
  compression: number,
  params: object,
) => Promise<{ decodeBlock(b: ArrayBuffer): ArrayBufferLike | Promise<ArrayBufferLike> }>;

let registry: Promise<GetDecoder> | null = null;

/**
 * geotiff.js's decoder registry, imported by file URL: its package entry also loads a web-worker
 * shim that breaks inside worker threads, and the registry is all the block decoders need.
 */
function loadRegistry(): Promise<GetDecoder> {
  registry ??= import(new URL('./compression/index.js', import.meta.resolve('geotiff')).href).then(
    (m: { getDecoder: GetDecoder }) => m.getDecoder,
  );
  return registry;
}

/**
 * Compression codes decoded by geotiff.js's decoders (geoslice has no codec of its own for them
 * yet): JPEG, when `sharp` is not installed.
 */
export const GEOTIFF_CODECS: ReadonlySet<number> = new Set([COMPRESSION.JPEG]);

const cache = new Map<string, Promise<BlockDecoder>>();

/**
 * A block decoder for JPEG built on geotiff.js's decoders (cached per
 * image structure, so JPEG tables are parsed once). Predictors are not applied here; the caller does that.
 */
export function geotiffCodec(img: CogImageLayout): Promise<BlockDecoder> {
  const key = [
    img.compression,
    img.blockWidth,
    img.blockHeight,
    img.bitsPerSample,
    img.samplesPerPixel,
    img.planarConfiguration,
    img.jpegTables,
  ].join('|');
  let p = cache.get(key);
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
      };
      const dec = await (await loadRegistry())(img.compression, params);
      return async (bytes: Uint8Array) => {
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
        const out = await dec.decodeBlock(own.buffer as ArrayBuffer);
        return new Uint8Array(out);
      };
    })();
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    cache.set(key, p);
  }
  return p;
}
