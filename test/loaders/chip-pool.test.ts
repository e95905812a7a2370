import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChipPool } from '../../src/loaders/chip-pool.js';

describe('ChipPool', () => {
  it('hands back a returned array of the same dtype and length, and a new one otherwise', () => {
    const pool = new ChipPool(8, 1 << 20);
    const a = pool.take('float32', 100);
    pool.give('float32', a);
    assert.equal(pool.take('float32', 101).length, 101);
    assert.equal(pool.take('uint16', 100) instanceof Uint16Array, true);
    assert.equal(pool.take('float32', 100), a);
    assert.notEqual(pool.take('float32', 100), a, 'an array is handed out once');
  });

  it('keeps at most maxBytes idle, dropping the arrays idle longest first', () => {
    const pool = new ChipPool(100, 3000);
    const old = new Float32Array(250); // 1000 bytes
    const mid = new Float32Array(250);
    const other = new Uint8Array(1500);
    pool.give('float32', old);
    pool.give('float32', mid);
    assert.equal(pool.bytes, 2000);
    pool.give('uint8', other); // 3500 > 3000: `old` goes
    assert.equal(pool.bytes, 2500);
    assert.equal(pool.take('float32', 250), mid);
    assert.notEqual(pool.take('float32', 250), old);
    assert.equal(pool.take('uint8', 1500), other);
    assert.equal(pool.bytes, 0);
    pool.give('uint8', new Uint8Array(4000)); // larger than the whole budget: not kept
    assert.equal(pool.bytes, 0);
  });

  it('keeps at most maxArrays idle', () => {
    const pool = new ChipPool(2, 1 << 20);
    const arrays = [1, 2, 3].map(() => new Uint8Array(10));
    for (const a of arrays) pool.give('uint8', a);
    assert.equal(pool.bytes, 20);
    assert.equal(pool.take('uint8', 10), arrays[2]);
    assert.equal(pool.take('uint8', 10), arrays[1]);
    assert.notEqual(pool.take('uint8', 10), arrays[0]);
  });
});
