/**
 * Reverses the byte order of every `bytesPerSample`-byte sample in place (big-endian TIFF data to
 * native little-endian).
 */
export function swapBytes(block: Uint8Array, bytesPerSample: number): void {
  const n = block.length - (block.length % bytesPerSample);
  for (let i = 0; i < n; i += bytesPerSample) {
    for (let a = i, b = i + bytesPerSample - 1; a < b; a++, b--) {
      const t = block[a];
      block[a] = block[b];
      block[b] = t;
    }
  }
}
