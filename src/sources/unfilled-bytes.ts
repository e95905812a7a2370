/**
 * `length` bytes in an ArrayBuffer of their own, not zero-filled: for buffers whose every byte is
 * written before anyone reads them (or that are dropped unread on failure). Owning their whole
 * ArrayBuffer, they can be transferred to another thread without a copy, which a slice of Node's
 * shared `Buffer.allocUnsafe` pool cannot.
 */
export function unfilledBytes(length: number): Uint8Array {
  const raw = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(raw.buffer, raw.byteOffset, length);
}
