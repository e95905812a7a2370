// ZSTD decoders (node:zlib, the optional native zstd-napi, WebAssembly): every available one gives
// the WebAssembly build's bytes on a GDAL-written ZSTD COG and is as strict (truncated frames and
// frames of another size than the block are errors). Pixels against GDAL: fixtures-gdal.test.ts,
// which decodes with the fastest one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodedBlockBytes } from '../../src/tiff/blocks.js';
import { extractCogLayout } from '../../src/tiff/cog-layout.js';
import { codecs } from '../../src/tiff/codecs/report.js';
import { ZSTD_NAPI_BINDING, zstdDecoders } from '../../src/tiff/codecs/zstd.js';

const file = fileURLToPath(new URL('../fixtures/loaders/codecs/cog_zstd_pred2_int32.tif', import.meta.url));

async function blocks(): Promise<{ bytes: Uint8Array; expected: number }[]> {
  const layout = await extractCogLayout(file);
  const img = layout.images[0];
  assert.equal(img.compression, 50000);
  const all = readFileSync(file);
  return img.offsets.map((o, k) => ({
    bytes: new Uint8Array(all.subarray(o, o + img.byteCounts[k])),
    expected: decodedBlockBytes(img, img.blockHeight),
  }));
}

test('every available ZSTD decoder decodes like the WebAssembly build', async () => {
  const decoders = await zstdDecoders();
  const wasm = decoders.find((d) => d.name === 'wasm');
  assert.ok(wasm, 'the WebAssembly fallback is always there');
  assert.equal(decoders.at(-1), wasm, 'native decoders come first');
  for (const { bytes, expected } of await blocks()) {
    const want = wasm.decode(bytes, expected);
    assert.equal(want.byteLength, expected);
    for (const d of decoders) assert.deepEqual(d.decode(bytes, expected), want, d.name);
  }
  assert.ok(
    decoders.length > 1 || process.versions.node.split('.')[0] === '20',
    `no native ZSTD decoder: ${decoders.map((d) => d.name).join(', ')}`,
  );
});

test('every ZSTD decoder refuses truncated frames and frames of another size', async () => {
  const [{ bytes, expected }] = await blocks();
  for (const d of await zstdDecoders()) {
    assert.throws(() => d.decode(bytes.subarray(0, bytes.length - 7), expected), `${d.name}: truncated`);
    assert.throws(() => d.decode(bytes, expected - 1), `${d.name}: frame holds more than the block`);
    assert.throws(() => d.decode(bytes, expected + 1), `${d.name}: frame holds less than the block`);
    assert.throws(() => d.decode(new Uint8Array(64).fill(7), expected), `${d.name}: not ZSTD`);
  }
});

test('codecs() names the ZSTD decoder in use', async () => {
  const [best] = await zstdDecoders();
  const r = await codecs();
  assert.match(r.codecs.zstd, best.name === 'wasm' ? /WebAssembly/ : new RegExp(best.name));
  assert.equal(r.codecs.deflate, 'node:zlib (native)');
  assert.ok(Number.isInteger(r.decodeThreads) && r.decodeThreads >= 0);
});

test('the zstd-napi binding specifier resolves under plain Node ESM, as in the compiled package', async (t) => {
  if (!(await zstdDecoders()).some((d) => d.name === 'zstd-napi')) {
    t.skip('zstd-napi is not installed (an optional peer dependency)');
    return;
  }
  const code = `const m = await import(${JSON.stringify(ZSTD_NAPI_BINDING)}); console.log(typeof (m.default ?? m).DCtx);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(out.toString().trim(), 'function');
});
