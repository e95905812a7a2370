import { inflateSync } from 'node:zlib';
import type { CogImageLayout } from '../image.js';
import { LIMITS } from '../limits.js';
import { zstdDecode } from './zstd.js';

/** The part of Esri's `lerc` package (4.x: the LERC C++ library built to WebAssembly) used here. */
interface LercWasm {
  load(): Promise<void>;
  decode(
    input: Uint8Array,
    options: { returnInterleaved: boolean },
  ): { pixels: ArrayBufferView[]; mask: Uint8Array | null; depthCount: number };
}

let module: Promise<LercWasm> | null = null;

function loadLerc(): Promise<LercWasm> {
  module ??= import('lerc').then(async (m: { default?: LercWasm } & Partial<LercWasm>) => {
    const lerc = (m.default ?? m) as LercWasm;
    await lerc.load();
    return lerc;
  });
  return module;
}

/** LercParameters' second value: the compression wrapped around the LERC blob. */
const ADD_NONE = 0;
const ADD_DEFLATE = 1;
const ADD_ZSTD = 2;

/**
 * The decompressed size a ZSTD frame header declares (its Frame_Content_Size), or throws when the
 * data is not a ZSTD frame or does not say.
 */
export function zstdFrameSize(b: Uint8Array): number {
  if (b.length < 6 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd)
    throw new Error('the LERC blob is not inside a ZSTD frame');
  const fhd = b[4];
  const single = (fhd >> 5) & 1;
  const fcsBytes = [single, 2, 4, 8][fhd >> 6];
  if (fcsBytes === 0) throw new Error('the ZSTD frame around the LERC blob does not declare its size');
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
  if (at + fcsBytes > b.length) throw new Error('the ZSTD frame header is truncated');
  let size = 0;
  for (let k = fcsBytes - 1; k >= 0; k--) size = size * 256 + b[at + k];
  return fcsBytes === 2 ? size + 256 : size;
}

/**
 * Decodes one LERC block (`COMPRESS=LERC`, `LERC_DEFLATE`, `LERC_ZSTD`) with the LERC library's
 * WebAssembly build (Esri's `lerc` 4; about 1.7x faster than the JavaScript decoder of `lerc` 3):
 * the samples in native byte order, pixel-interleaved for `planarConfiguration` 1. Like GDAL,
 * floating-point pixels the blob masks out are NaN. A corrupt blob, or a wrapper that would
 * decompress to more than a block could plausibly need, throws.
 */
export async function lercDecode(bytes: Uint8Array, img: CogImageLayout, blockBytes: number): Promise<Uint8Array> {
  const lerc = await loadLerc();
  const bound = blockBytes * LIMITS.storedBlockFactor + LIMITS.storedBlockSlack;
  const add = img.lercParameters?.[1] ?? ADD_NONE;
  let blob: Uint8Array;
  if (add === ADD_NONE) blob = bytes;
  else if (add === ADD_DEFLATE) blob = inflateSync(bytes, { maxOutputLength: bound });
  else if (add === ADD_ZSTD) {
    const size = zstdFrameSize(bytes);
    if (size > bound) throw new Error(`the ZSTD frame around the LERC blob declares ${size} bytes`);
    blob = await zstdDecode(bytes, size);
  } else throw new Error(`LERC additional compression ${add} is not one GDAL writes (0 none, 1 DEFLATE, 2 ZSTD)`);
  const { pixels, mask, depthCount } = lerc.decode(blob, { returnInterleaved: img.planarConfiguration === 1 });
  const band = pixels[0];
  if (mask && (band instanceof Float32Array || band instanceof Float64Array)) {
    for (let i = 0; i < mask.length; i++)
      if (mask[i] === 0) band.fill(Number.NaN, i * depthCount, (i + 1) * depthCount);
  }
  return new Uint8Array(band.buffer, band.byteOffset, band.byteLength);
}
