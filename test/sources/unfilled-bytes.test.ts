import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { unfilledBytes } from '../../src/sources/unfilled-bytes.js';

test('unfilledBytes owns its whole ArrayBuffer, so it can be transferred to another thread', async () => {
  for (const n of [0, 1, 100, 8191, 1 << 20]) {
    const b = unfilledBytes(n);
    assert.equal(b.byteLength, n);
    assert.equal(b.byteOffset, 0);
    assert.equal(b.buffer.byteLength, n, `${n} bytes: not a slice of a shared pool`);
  }
  const b = unfilledBytes(4096).fill(7);
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<Uint8Array>((resolve) => port2.once('message', resolve));
  port1.postMessage(b, [b.buffer as ArrayBuffer]);
  const r = await got;
  assert.equal(b.byteLength, 0, 'detached here after the transfer');
  assert.equal(r.byteLength, 4096);
  assert.ok(r.every((v) => v === 7));
  port1.close();
});
