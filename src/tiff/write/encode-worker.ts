import { type EncodedTile, type EncodeTask, encodeTileSync } from './encode-tile.js';

/** Worker-thread entry of the shared pool: encodes one tile with {@link encodeTileSync}. */
export default function encodeInWorker(task: EncodeTask): EncodedTile {
  return encodeTileSync(task);
}
