import { type EncodedTile, type EncodeTask, encodeTileHere } from './encode-tile.js';

/** Worker-thread entry of the shared pool: encodes one tile with {@link encodeTileHere}. */
export default function encodeInWorker(task: EncodeTask): Promise<EncodedTile> {
  return encodeTileHere(task);
}
