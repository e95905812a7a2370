/**
 * Seeded, label-aware augmentations: the same flip / 90° rotation applied to an image and its label
 * (and its validity mask), so that pairs stay aligned.
 */
import seedrandom from 'seedrandom';
import { LabelError } from '../errors.js';
import { checkOptionKeys, optionKeys } from '../option-keys.js';

/**
 * One of the eight symmetries of a square: `rot` quarter turns counter-clockwise after an optional
 * horizontal flip.
 */
export interface Augmentation {
  flip: boolean;
  rot: 0 | 1 | 2 | 3;
}

/** The keys of {@link Augmentation} (the compiler checks the list is complete). */
const AUGMENTATION_KEYS = optionKeys<Augmentation>()(['flip', 'rot']);

/**
 * The augmentation of sample `key` for a seed: deterministic (same seed and key, same transform),
 * uniform over the eight symmetries (only flips and half turns, the four that keep a non-square
 * shape, when `square` is false).
 */
export function pickAugmentation(seed: number | string, key: string, square = true): Augmentation {
  const rng = seedrandom(`${seed}\u0000${key}`);
  const flip = rng() < 0.5;
  const r = Math.floor(rng() * 4) as 0 | 1 | 2 | 3;
  return { flip, rot: square ? r : ((r & 1 ? r - 1 : r) as 0 | 2) };
}

/**
 * Applies an augmentation to channels-first pixels `[..., H, W]` (any number of leading planes: bands,
 * or a single label or mask plane) and returns the new array (same type) and its shape. Quarter turns
 * need square planes. Throws {@link LabelError} `BAD_SHAPE`.
 */
export function augment<T extends ArrayLike<number> & { length: number }>(
  data: T,
  shape: readonly number[],
  t: Augmentation,
): { data: T; shape: number[] } {
  checkOptionKeys(t, AUGMENTATION_KEYS, 'augment', LabelError);
  if (typeof t?.flip !== 'boolean' || ![0, 1, 2, 3].includes(t.rot))
    throw new LabelError('BAD_OPTION', `augment needs { flip: boolean, rot: 0 | 1 | 2 | 3 }, got ${JSON.stringify(t)}`);
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  if (shape.length < 2 || data.length % (h * w) !== 0)
    throw new LabelError('BAD_SHAPE', `augment needs [..., H, W] pixels, got shape [${shape.join(', ')}]`);
  if (t.rot % 2 === 1 && h !== w)
    throw new LabelError('BAD_SHAPE', `a quarter turn needs square planes, got ${h} × ${w}`);
  const planes = data.length / (h * w);
  const Ctor = (data as unknown as { constructor: new (n: number) => T }).constructor;
  const out = new Ctor(data.length) as T & { [i: number]: number };
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        // Source pixel (r, c) after the flip, then rotated rot quarter turns counter-clockwise.
        const fc = t.flip ? w - 1 - c : c;
        let rr = r;
        let cc = fc;
        let hh = h;
        let ww = w;
        for (let k = 0; k < t.rot; k++) {
          [rr, cc] = [ww - 1 - cc, rr];
          [hh, ww] = [ww, hh];
        }
        out[base + rr * ww + cc] = data[base + r * w + c];
      }
    }
  }
  const outShape = [...shape];
  if (t.rot % 2 === 1) [outShape[shape.length - 2], outShape[shape.length - 1]] = [w, h];
  return { data: out, shape: outShape };
}
