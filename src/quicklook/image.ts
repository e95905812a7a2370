/** An RGBA image in memory, the canvas the quicklook pictures are composed on. */
import type { Rgb } from './png.js';

/**
 * A `width` x `height` RGBA image (row-major, 4 bytes per pixel).
 */
export class RgbaImage {
  readonly data: Uint8Array;

  /** A new image filled with `background` (opaque), or transparent without one. */
  constructor(
    readonly width: number,
    readonly height: number,
    background?: Rgb,
  ) {
    this.data = new Uint8Array(width * height * 4);
    if (background) this.fillRect(0, 0, width, height, background);
  }

  /** Sets pixel (`x`, `y`) to an opaque colour; pixels outside the image are ignored. */
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = 255;
  }

  /** Fills the rectangle `[x, x + w) x [y, y + h)`, clipped to the image. */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let r = Math.max(0, y); r < Math.min(this.height, y + h); r++)
      for (let q = Math.max(0, x); q < Math.min(this.width, x + w); q++) this.set(q, r, c);
  }

  /** Copies an RGBA pixel array of `w` x `h` pixels with its top-left corner at (`x`, `y`). */
  blit(rgba: Uint8Array, w: number, h: number, x: number, y: number): void {
    for (let r = 0; r < h; r++) {
      const ty = y + r;
      if (ty < 0 || ty >= this.height) continue;
      for (let q = 0; q < w; q++) {
        const tx = x + q;
        if (tx < 0 || tx >= this.width) continue;
        const s = (r * w + q) * 4;
        this.data.set(rgba.subarray(s, s + 4), (ty * this.width + tx) * 4);
      }
    }
  }
}
