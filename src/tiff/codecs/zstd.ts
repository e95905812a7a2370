import * as zlib from 'node:zlib';
import { unfilledBytes } from '../../sources/unfilled-bytes.js';

/**
 * One ZSTD decoder: `decode` returns exactly `expected` bytes (owning their buffer) or throws when
 * the frames are truncated, corrupt or hold more than `expected` bytes.
 */
export interface ZstdDecoder {
  /** `node:zlib` (Node >= 22.15), `zstd-napi` (the optional native package) or `wasm` (geotiff.js's build). */
  name: 'node:zlib' | 'zstd-napi' | 'wasm';
  /** `into`: a buffer of at least `expected` bytes the decoder may decode into (the native one does); the result may be a view of it. */
  decode(bytes: Uint8Array, expected: number, into?: Uint8Array): Uint8Array;
}

/** The part of Node's zlib that has ZSTD (Node >= 22.15 / 23.8; absent in Node 20). */
type ZlibWithZstd = { zstdDecompressSync?: (b: Uint8Array, o: { maxOutputLength: number }) => Buffer };

function fromZlib(): ZstdDecoder | null {
  const z = zlib as unknown as ZlibWithZstd;
  const inflate = z.zstdDecompressSync;
  if (typeof inflate !== 'function') return null;
  return {
    name: 'node:zlib',
    decode: (bytes, expected) => {
      // more than `expected` bytes fails with ERR_BUFFER_TOO_LARGE; truncated frames fail in zlib
      const out = inflate(bytes, { maxOutputLength: Math.max(1, expected) });
      if (out.byteLength !== expected) throw new Error(`ZSTD data decoded to ${out.byteLength} of ${expected} bytes`);
      return out.byteOffset === 0 && out.buffer.byteLength === out.byteLength ? out : new Uint8Array(out);
    },
  };
}

/** The part of `zstd-napi`'s binding used here: `ZSTD_decompressDCtx` into a caller-sized buffer. */
interface NapiBinding {
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
}

/**
 * The module specifier of `zstd-napi`'s binding. The package has no `exports` map, so Node's ESM
 * resolver needs the file's extension (`zstd-napi/binding` resolves under tsx but not in the
 * compiled package).
 */
export const ZSTD_NAPI_BINDING = 'zstd-napi/binding.js';

async function fromNapi(): Promise<ZstdDecoder | null> {
  let binding: NapiBinding;
  try {
    const m = (await import(ZSTD_NAPI_BINDING)) as { default?: NapiBinding } & NapiBinding;
    binding = m.default ?? m;
    if (typeof binding.DCtx !== 'function') return null;
  } catch {
    return null;
  }
  let ctx: InstanceType<NapiBinding['DCtx']> | null = null;
  return {
    name: 'zstd-napi',
    decode: (bytes, expected, into) => {
      ctx ??= new binding.DCtx();
      // every byte is written or the call fails
      const out = into && into.byteLength >= expected ? into.subarray(0, expected) : unfilledBytes(expected);
      // fails with "Destination buffer is too small" for frames holding more, and on truncation
      const n = ctx.decompress(out, bytes);
      if (n !== expected) throw new Error(`ZSTD data decoded to ${n} of ${expected} bytes`);
      return out;
    },
  };
}

interface ZstdWasm {
  init(): Promise<void>;
  decode(bytes: Uint8Array, uncompressedSize: number): Uint8Array;
}

async function fromWasm(): Promise<ZstdDecoder> {
  const m = (await import(new URL('./compression/zstd.js', import.meta.resolve('geotiff')).href)) as { zstd: ZstdWasm };
  await m.zstd.init();
  return {
    name: 'wasm',
    decode: (bytes, expected) => {
      // ZSTD_decompress into a buffer of `expected` bytes: fails on truncated frames and on frames that hold more
      const out = m.zstd.decode(bytes, expected);
      if (out.byteLength !== expected) throw new Error(`ZSTD data decoded to ${out.byteLength} of ${expected} bytes`);
      return out;
    },
  };
}

let all: Promise<ZstdDecoder[]> | null = null;

/**
 * The ZSTD decoders this process can use, fastest first: Node's built-in zlib zstd when the Node
 * version has it, the optional native `zstd-napi` package when it is installed (about 3x faster
 * than WebAssembly on 512x512 uint16 tiles), and always the WebAssembly zstd geotiff.js ships.
 */
export function zstdDecoders(): Promise<ZstdDecoder[]> {
  all ??= (async () => {
    const found = [fromZlib(), await fromNapi(), await fromWasm()];
    return found.filter((d): d is ZstdDecoder => d !== null);
  })();
  return all;
}

/**
 * Strict ZSTD decoding with the fastest of {@link zstdDecoders}: the frames must decode to exactly
 * `expected` bytes; anything else throws an Error.
 */
export async function zstdDecode(bytes: Uint8Array, expected: number, into?: Uint8Array): Promise<Uint8Array> {
  const [best] = await zstdDecoders();
  return best.decode(bytes, expected, into);
}
