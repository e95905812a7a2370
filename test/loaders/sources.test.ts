import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import { BlockCache } from '../../src/sources/block-cache.js';
import { coalesceRanges, readCoalesced } from '../../src/sources/coalesce.js';
import { openFileSource } from '../../src/sources/file-source.js';
import { openSource } from '../../src/sources/open-source.js';

const dir = mkdtempSync(join(tmpdir(), 'geoslice-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7 + 3) & 0xff);
const file = join(dir, 'data.bin');
writeFileSync(file, bytes);

describe('file source', () => {
  it('reads exact ranges, its size, and several ranges at once', async () => {
    const src = await openFileSource(file);
    assert.equal(await src.size(), 10_000);
    assert.deepEqual(await src.read(123, 456), bytes.subarray(123, 579));
    const parts = await src.readRanges([
      { offset: 9000, length: 1000 },
      { offset: 0, length: 10 },
      { offset: 5, length: 20 },
    ]);
    assert.deepEqual(parts[0], bytes.subarray(9000));
    assert.deepEqual(parts[1], bytes.subarray(0, 10));
    assert.deepEqual(parts[2], bytes.subarray(5, 25));
    await src.close();
    await src.close();
  });

  it('throws SHORT_READ naming the file when a range passes the end', async () => {
    const src = await openFileSource(file);
    await assert.rejects(
      src.read(9_990, 20),
      (e: unknown) => e instanceof SourceError && e.code === 'SHORT_READ' && e.message.includes(file),
    );
    await src.close();
  });

  it('throws NOT_FOUND for a missing file and CLOSED after close', async () => {
    await assert.rejects(
      openFileSource(join(dir, 'nope.tif')),
      (e: unknown) => e instanceof SourceError && e.code === 'NOT_FOUND',
    );
    const src = await openFileSource(file);
    await src.close();
    await assert.rejects(src.read(0, 1), (e: unknown) => e instanceof SourceError && e.code === 'CLOSED');
  });

  it('openSource accepts paths and file:// URLs', async () => {
    for (const href of [file, pathToFileURL(file).href]) {
      const src = await openSource(href);
      assert.deepEqual(await src.read(0, 4), bytes.subarray(0, 4));
      await src.close();
    }
  });
});

describe('range coalescing', () => {
  it('merges ranges within the gap and keeps far ones apart', () => {
    const groups = coalesceRanges(
      [
        { offset: 500, length: 100 },
        { offset: 0, length: 100 },
        { offset: 150, length: 50 },
        { offset: 10_000, length: 5 },
      ],
      64,
    );
    assert.deepEqual(groups, [
      { offset: 0, length: 200, members: [1, 2] },
      { offset: 500, length: 100, members: [0] },
      { offset: 10_000, length: 5, members: [3] },
    ]);
  });

  it('shares a request between overlapping and duplicate ranges and respects maxLength', () => {
    assert.deepEqual(
      coalesceRanges(
        [
          { offset: 0, length: 100 },
          { offset: 50, length: 10 },
          { offset: 0, length: 100 },
        ],
        0,
      ),
      [{ offset: 0, length: 100, members: [0, 2, 1] }],
    );
    assert.equal(
      coalesceRanges(
        [
          { offset: 0, length: 100 },
          { offset: 100, length: 100 },
        ],
        0,
        150,
      ).length,
      2,
    );
  });

  it('readCoalesced returns each range in input order with one request per group', async () => {
    const calls: [number, number][] = [];
    const out = await readCoalesced(
      [
        { offset: 30, length: 10 },
        { offset: 0, length: 10 },
        { offset: 12, length: 4 },
      ],
      8,
      1 << 20,
      async (o, n) => {
        calls.push([o, n]);
        return bytes.slice(o, o + n);
      },
    );
    assert.deepEqual(calls, [
      [0, 16],
      [30, 10],
    ]);
    assert.deepEqual(out, [bytes.subarray(30, 40), bytes.subarray(0, 10), bytes.subarray(12, 16)]);
  });
});

describe('block cache', () => {
  it('evicts least recently used blocks to stay within its byte budget', () => {
    const c = new BlockCache(300);
    c.set('a', new Uint8Array(100));
    c.set('b', new Uint8Array(100));
    c.set('c', new Uint8Array(100));
    assert.ok(c.get('a'));
    c.set('d', new Uint8Array(100));
    assert.equal(c.get('b'), undefined);
    assert.ok(c.get('a') && c.get('c') && c.get('d'));
    assert.equal(c.bytes, 300);
    assert.equal(c.size, 3);
    assert.equal(c.hits, 4);
    assert.equal(c.misses, 1);
  });

  it('counts typed arrays by bytes, replaces keys, skips oversize values and clears', () => {
    const c = new BlockCache(1000);
    c.set('f', new Float64Array(100));
    assert.equal(c.bytes, 800);
    c.set('f', new Uint16Array(10));
    assert.equal(c.bytes, 20);
    c.set('huge', new Uint8Array(2000));
    assert.equal(c.get('huge'), undefined);
    c.clear();
    assert.equal(c.bytes, 0);
    assert.equal(c.size, 0);
  });
});
