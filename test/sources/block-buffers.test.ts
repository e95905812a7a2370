// Reuse of decoded-block buffers: a buffer is handed out again only once every hold on it is
// released, never one that was not adopted, and the idle ones stay within their byte bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adoptBlockBuffer,
  blockBufferStats,
  dropBlock,
  holdBlock,
  releaseBlock,
  takeBlockBuffer,
} from '../../src/sources/block-buffers.js';
import { BlockCache } from '../../src/sources/block-cache.js';

/** A block of `bytes` bytes viewing a fresh adopted buffer. */
function adopted(bytes: number): Uint8Array {
  const b = new Uint8Array(bytes);
  adoptBlockBuffer(b.buffer);
  return b;
}

describe('decoded-block buffers', () => {
  it('are reused only after the last hold is released', () => {
    const block = adopted(4096);
    holdBlock(block, 2);
    releaseBlock(block);
    assert.equal(takeBlockBuffer(4096), undefined, 'reused while a hold remains');
    releaseBlock(block);
    assert.equal(takeBlockBuffer(4096), block.buffer);
    assert.equal(takeBlockBuffer(4096), undefined, 'handed out twice');
  });

  it('a view of the first rows holds and frees its whole buffer', () => {
    const block = adopted(8192);
    const prefix = block.subarray(0, 1000);
    holdBlock(prefix);
    assert.equal(takeBlockBuffer(8192), undefined);
    releaseBlock(prefix);
    assert.equal(takeBlockBuffer(8192), block.buffer);
  });

  it('never hands out a buffer that was not adopted, nor one outside the sizes asked for', () => {
    const plain = new Uint8Array(2048);
    holdBlock(plain);
    releaseBlock(plain);
    dropBlock(plain);
    assert.equal(takeBlockBuffer(2048), undefined);
    const block = adopted(2048);
    holdBlock(block);
    releaseBlock(block);
    assert.equal(takeBlockBuffer(1024), undefined, 'larger than the most asked for');
    assert.equal(takeBlockBuffer(4096, 8192), undefined, 'smaller than the least asked for');
    assert.equal(takeBlockBuffer(1024, 4096), block.buffer);
  });

  it('hands out the smallest idle buffer that fits', () => {
    const sizes = [6000, 4500, 9000];
    const blocks = sizes.map((n) => adopted(n));
    for (const b of blocks) {
      holdBlock(b);
      releaseBlock(b);
    }
    assert.equal(takeBlockBuffer(4000, 10_000), blocks[1].buffer);
    assert.equal(takeBlockBuffer(4000, 10_000), blocks[0].buffer);
    assert.equal(takeBlockBuffer(4000, 8000), undefined);
    assert.equal(takeBlockBuffer(9000), blocks[2].buffer);
  });

  it('a release past the holds is ignored, so it cannot free a buffer another holder still reads', () => {
    const block = adopted(3072);
    releaseBlock(block);
    assert.equal(takeBlockBuffer(3072), undefined);
    holdBlock(block);
    releaseBlock(block);
    releaseBlock(block);
    assert.equal(takeBlockBuffer(3072), block.buffer);
    assert.equal(takeBlockBuffer(3072), undefined);
  });

  it('dropBlock frees an adopted buffer nobody held, and leaves a held one alone', () => {
    const unheld = adopted(5120);
    dropBlock(unheld);
    assert.equal(takeBlockBuffer(5120), unheld.buffer);
    const held = adopted(5120);
    holdBlock(held);
    dropBlock(held);
    assert.equal(takeBlockBuffer(5120), undefined);
    releaseBlock(held);
    assert.equal(takeBlockBuffer(5120), held.buffer);
  });

  it('keeps at most 8 MiB of idle buffers, the most recently freed', () => {
    const size = 2 ** 20;
    const blocks = Array.from({ length: 12 }, () => adopted(size));
    for (const b of blocks) {
      holdBlock(b);
      releaseBlock(b);
    }
    assert.equal(blockBufferStats().freeBytes, 8 * size);
    const taken = new Set<ArrayBuffer>();
    for (let b = takeBlockBuffer(size); b; b = takeBlockBuffer(size)) taken.add(b);
    assert.deepEqual(taken, new Set(blocks.slice(4).map((b) => b.buffer)));
    assert.equal(blockBufferStats().freeBytes, 0);
  });

  it('the block cache holds what it keeps: an evicted block is reused only once its reader releases it', () => {
    const cache = new BlockCache(3 * 4096);
    const a = adopted(4096);
    const b = adopted(4096);
    cache.set('a', a);
    holdBlock(a); // a reader got `a` from the cache and has not copied it yet
    cache.set('b', b);
    cache.set('c', adopted(4096));
    cache.set('d', adopted(4096)); // evicts `a`
    assert.equal(cache.peek('a'), undefined);
    assert.equal(takeBlockBuffer(4096), undefined, 'an evicted block was reused while its reader held it');
    releaseBlock(a);
    assert.equal(takeBlockBuffer(4096), a.buffer);
    cache.set('e', adopted(4096)); // evicts `b`, which nobody else holds
    assert.equal(takeBlockBuffer(4096), b.buffer);
    cache.set('d', cache.peek('d') as Uint8Array); // the same block again stays held
    cache.clear();
    assert.equal(blockBufferStats().freeBytes, 3 * 4096);
  });
});
