import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockCache } from '../../src/sources/block-cache.js';

describe('BlockCache budget', () => {
  it('counts the whole ArrayBuffer a cached view keeps alive, not only the viewed rows', () => {
    const c = new BlockCache(1000);
    const block = new Uint8Array(400);
    c.set('a', block.subarray(0, 100));
    assert.equal(c.bytes, 400);
    c.set('b', new Uint8Array(400).subarray(300));
    assert.equal(c.bytes, 800);
    // a third 400-byte buffer does not fit next to both: the least recently used one goes
    c.set('c', new Uint16Array(200).subarray(0, 10));
    assert.equal(c.bytes, 800);
    assert.equal(c.peek('a'), undefined);
    assert.ok(c.peek('b') && c.peek('c'));
  });

  it('refuses a small view of a buffer larger than the budget, and replaces by buffer size', () => {
    const c = new BlockCache(1000);
    c.set('big', new Uint8Array(2000).subarray(0, 10));
    assert.equal(c.peek('big'), undefined);
    assert.equal(c.bytes, 0);
    c.set('k', new Float32Array(100).subarray(0, 1));
    assert.equal(c.bytes, 400);
    c.set('k', new Uint8Array(50));
    assert.equal(c.bytes, 50);
    assert.equal(c.size, 1);
  });
});

describe('BlockCache adaptive budget', () => {
  const KB = 1024;
  /** Reads `keys` in order through the cache as a reader does: a miss decodes and stores a 1 KiB block. */
  const read = (c: BlockCache, keys: string[]) => {
    for (const k of keys) if (c.get(k) === undefined) c.set(k, new Uint8Array(KB));
  };

  it('stays at its start budget on a pass that never reads a block twice', () => {
    const c = new BlockCache(64 * KB, { startBytes: 8 * KB });
    read(
      c,
      Array.from({ length: 5000 }, (_, i) => `cold${i}`),
    );
    assert.equal(c.budget, 8 * KB);
    assert.equal(c.bytes, 8 * KB);
    assert.equal(c.hits, 0);
  });

  it('doubles while blocks come back soon after eviction, and stops once it holds them all', () => {
    const c = new BlockCache(64 * KB, { startBytes: 8 * KB });
    // 30 blocks read in a cycle: an 8 KiB cache misses every time (LRU), but the 24 KiB of evicted
    // keys it remembers see every re-read; 32 KiB holds them all, so it grows no further
    const cycle = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const budgets: number[] = [];
    for (let round = 0; round < 40; round++) {
      read(c, cycle);
      budgets.push(c.budget);
    }
    assert.equal(c.budget, 32 * KB, `budgets: ${budgets.join(',')}`);
    assert.ok(
      budgets.every((b, i) => i === 0 || b >= budgets[i - 1]),
      'the budget never shrinks',
    );
    assert.ok(c.bytes <= c.budget);
    const hits = c.hits;
    read(c, cycle);
    assert.equal(c.hits - hits, cycle.length, 'the whole cycle is cached once grown');
  });

  it('does not grow when re-reads come back after more than a budget of other blocks', () => {
    // each block returns only after 40 KiB of others: the 8 KiB cache and the 24 KiB of evicted keys
    // it remembers never see it again, so a cache even four times as large would not have helped
    const c = new BlockCache(64 * KB, { startBytes: 8 * KB });
    const cycle = Array.from({ length: 41 }, (_, i) => `far${i}`);
    for (let round = 0; round < 50; round++) read(c, cycle);
    assert.equal(c.budget, 8 * KB);
  });

  it('does not grow by chance on a long pass where a few re-reads in a hundred find an evicted block', () => {
    const c = new BlockCache(64 * KB, { startBytes: 8 * KB });
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const keys: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      // 6% of reads ask again for the block read 12 reads ago: evicted from the 8 KiB cache, still
      // among the 24 KiB of keys it remembers; a cache four times as large would save 6% of misses
      keys.push(i > 12 && random() < 0.06 ? keys[i - 12] : `fresh${i}`);
    }
    read(c, keys);
    assert.equal(c.budget, 8 * KB);
  });

  it('grows within a few hundred misses when a pass turns to re-reading what it evicted', () => {
    const c = new BlockCache(64 * KB, { startBytes: 8 * KB });
    read(
      c,
      Array.from({ length: 5000 }, (_, i) => `cold${i}`),
    );
    assert.equal(c.budget, 8 * KB);
    const cycle = Array.from({ length: 20 }, (_, i) => `hot${i}`);
    const missesBefore = c.misses;
    while (c.budget === 8 * KB) read(c, cycle);
    assert.ok(c.misses - missesBefore <= 512, `grew after ${c.misses - missesBefore} misses`);
  });

  it('grows no further than maxBytes', () => {
    const c = new BlockCache(16 * KB, { startBytes: 8 * KB });
    const cycle = Array.from({ length: 30 }, (_, i) => `m${i}`);
    for (let round = 0; round < 60; round++) read(c, cycle);
    assert.equal(c.budget, 16 * KB);
    assert.ok(c.bytes <= 16 * KB);
  });

  it('keeps a fixed budget without startBytes, and never more than maxBytes', () => {
    const fixed = new BlockCache(8 * KB);
    const small = Array.from({ length: 12 }, (_, i) => `s${i}`);
    for (let round = 0; round < 100; round++) read(fixed, small);
    assert.equal(fixed.budget, 8 * KB);
    const capped = new BlockCache(8 * KB, { startBytes: 64 * KB });
    assert.equal(capped.budget, 8 * KB);
  });
});
