import type { ByteRange } from './byte-source.js';

/**
 * A merged request covering several input ranges: `members[i]` is the index of an input range
 * that lies inside `[offset, offset + length)`.
 */
export interface RangeGroup extends ByteRange {
  members: number[];
}

/**
 * Groups ranges whose gaps are at most `maxGap` bytes (and whose merged length stays within
 * `maxLength`) into single requests. Overlapping and duplicate ranges share a request.
 */
export function coalesceRanges(
  ranges: ByteRange[],
  maxGap: number,
  maxLength = Number.POSITIVE_INFINITY,
): RangeGroup[] {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const groups: RangeGroup[] = [];
  let cur: RangeGroup | null = null;
  for (const i of order) {
    const r = ranges[i];
    const end = r.offset + r.length;
    if (
      cur &&
      r.offset <= cur.offset + cur.length + maxGap &&
      Math.max(end, cur.offset + cur.length) - cur.offset <= maxLength
    ) {
      cur.length = Math.max(end, cur.offset + cur.length) - cur.offset;
      cur.members.push(i);
    } else {
      cur = { offset: r.offset, length: r.length, members: [i] };
      groups.push(cur);
    }
  }
  return groups;
}

/**
 * Reads `ranges` through `readOne` after coalescing them, returning one view per input range in
 * input order (views share the merged request's buffer).
 */
export async function readCoalesced(
  ranges: ByteRange[],
  maxGap: number,
  maxLength: number,
  readOne: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<Uint8Array[]> {
  const out = new Array<Uint8Array>(ranges.length);
  await Promise.all(
    coalesceRanges(ranges, maxGap, maxLength).map(async (g) => {
      const buf = await readOne(g.offset, g.length);
      for (const i of g.members) {
        const r = ranges[i];
        out[i] = buf.subarray(r.offset - g.offset, r.offset - g.offset + r.length);
      }
    }),
  );
  return out;
}
