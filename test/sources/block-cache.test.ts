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
