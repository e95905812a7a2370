import seedrandom from 'seedrandom';

/**
 * Uniforms in [0, 1) from a text seed (seedrandom's Alea): the grid sampler seeds one per tile or row
 * (`"<seed>:<epoch>:tile:<r>,<c>"`, `"<seed>:<epoch>:<id>"`), the stratified sampler one per selected
 * row (`"<md5 key>:0"`), so each stream depends only on that text. Slower to start than {@link keyRng}
 * (the text is hashed), which is why the random sampler, drawing for every streamed row, uses that.
 */
export function textRng(seed: string): () => number {
  return seedrandom.alea(seed);
}
