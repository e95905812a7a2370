import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  write,
  writeSync,
  writev,
} from 'node:fs';
import { crc32 } from 'node:zlib';
import { InferenceError } from '../errors.js';

const writevAt = (fd: number, b: Buffer[], pos: number) =>
  new Promise<number>((ok, fail) => writev(fd, b, pos, (e, n) => (e ? fail(e) : ok(n))));
const writeAt = (fd: number, b: Buffer, off: number, len: number, pos: number) =>
  new Promise<number>((ok, fail) => write(fd, b, off, len, pos, (e, n) => (e ? fail(e) : ok(n))));

const FORMAT = 'geoslice-inference-journal/1';
const MAGIC = 0x52534a47; // "GJSR"
const RECORD_HEAD = 24;

/** CRC-32 of a record's head, flags and data (node's crc32 of an empty buffer over a zero-length ArrayBuffer is 0, not the running value: skipped). */
function recordCrc(head: Buffer, present: Buffer, body: Buffer): number {
  const c = crc32(present, crc32(head));
  return body.length > 0 ? crc32(body, c) : c;
}

/** Bytes of a record's presence flags: one per tile, padded to 4 so that the float data stays aligned. */
function padded(count: number): number {
  return Math.ceil(count / 4) * 4;
}

/**
 * One batch of finished tiles in a journal: tiles `first .. first + count - 1` of the grid (in the
 * sampler's order); `present[k]` is 1 for the tiles that have a prediction (0: no data under the tile),
 * and `data` holds those predictions, each `[bands, height, width]` float32, exactly as they were added
 * to the stitcher (masked pixels NaN).
 */
export interface JournalRecord {
  first: number;
  count: number;
  present: Uint8Array;
  bands: number;
  height: number;
  width: number;
  data: Float32Array;
}

/**
 * The resume journal of an inference run: a header (the run's fingerprint: source, model, options,
 * tiles) and then one record per finished batch, written before the batch counts as done. Each record
 * carries a CRC-32, so a record torn by a kill (or lost in a power cut) is detected, and replay stops there. A killed
 * run restarts by replaying the records into a fresh stitcher (the same additions in the same order,
 * so the same output bytes) and predicting only the chips after them.
 *
 * Size: 4 bytes per output band and chip pixel (a 4096² region in 256² chips with 32 px overlap and
 * 3 bands: 361 chips, ~284 MB). The journal is deleted once the output is written.
 */
export class InferenceJournal {
  /** Tiles the journal holds (replayed ones plus appended ones), with or without a prediction. */
  chips = 0;
  private fd: number;
  private readAt: number;
  private replaying: boolean;
  /** The appends' writes, chained in order. */
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    readAt: number,
    replaying: boolean,
  ) {
    this.fd = fd;
    this.readAt = readAt;
    this.replaying = replaying;
  }

  /**
   * Opens the journal at `path` for a run with `fingerprint` (any JSON value). With `resume`, an
   * existing journal must have the same fingerprint (else `RESUME_MISMATCH` naming the first field
   * that differs) and its records are handed out by {@link InferenceJournal.next}; a missing one starts
   * empty. Without `resume`, an existing journal is refused (`JOURNAL_EXISTS`: pass resume, or delete it).
   */
  static open(path: string, fingerprint: Record<string, unknown>, opts: { resume: boolean }): InferenceJournal {
    const header = Buffer.from(JSON.stringify({ format: FORMAT, ...fingerprint }));
    if (existsSync(path)) {
      if (!opts.resume)
        throw new InferenceError(
          'JOURNAL_EXISTS',
          `${path} holds the finished chips of an interrupted run; pass resume (--resume) to continue it, or delete it to start over`,
          { subject: path },
        );
      const fd = openSync(path, 'r+');
      try {
        const len = Buffer.alloc(4);
        if (readSync(fd, len, 0, 4, 0) === 4) {
          const n = len.readUInt32LE(0);
          const old = Buffer.alloc(n);
          if (n < 1 << 24 && readSync(fd, old, 0, n, 4) === n) {
            let prev: Record<string, unknown> | undefined;
            try {
              prev = JSON.parse(old.toString('utf8'));
            } catch {
              prev = undefined;
            }
            if (prev?.format === FORMAT) {
              const now = JSON.parse(header.toString('utf8')) as Record<string, unknown>;
              const differs = Object.keys({ ...now, ...prev }).find(
                (k) => JSON.stringify(now[k]) !== JSON.stringify(prev[k]),
              );
              if (differs !== undefined)
                throw new InferenceError(
                  'RESUME_MISMATCH',
                  `${path} was written by a run with another ${differs} (${JSON.stringify(prev[differs])}, now ${JSON.stringify(now[differs])}); rerun with the same source, model and options, or delete it to start over`,
                  { subject: path },
                );
              return new InferenceJournal(path, fd, 4 + n, true);
            }
          }
        }
        throw new InferenceError(
          'JOURNAL_CORRUPT',
          `${path} is not a geoslice inference journal (or its header is damaged); delete it to start over`,
          { subject: path },
        );
      } catch (e) {
        closeSync(fd);
        throw e;
      }
    }
    // The header goes to a temporary file renamed into place, so a journal never has a partial header.
    const tmp = `${path}.tmp`;
    const tfd = openSync(tmp, 'w');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length, 0);
    writeSync(tfd, Buffer.concat([len, header]));
    fdatasyncSync(tfd);
    closeSync(tfd);
    renameSync(tmp, path);
    const fd = openSync(path, 'r+');
    return new InferenceJournal(path, fd, 4 + header.length, false);
  }

  /**
   * The next journaled batch, or undefined at the end. A torn or damaged last record (a kill during
   * its write) is cut off, and appending continues from there.
   */
  next(): JournalRecord | undefined {
    if (!this.replaying) return undefined;
    const size = fstatSync(this.fd).size;
    const head = Buffer.alloc(RECORD_HEAD);
    const at = this.readAt;
    const stop = (): undefined => {
      ftruncateSync(this.fd, at);
      this.replaying = false;
      return undefined;
    };
    if (at + RECORD_HEAD > size || readSync(this.fd, head, 0, RECORD_HEAD, at) !== RECORD_HEAD) return stop();
    const [magic, first, count, bands, height, width] = [0, 4, 8, 12, 16, 20].map((o) => head.readUInt32LE(o));
    if (magic !== MAGIC || first !== this.chips || at + RECORD_HEAD + padded(count) > size) return stop();
    const present = Buffer.alloc(padded(count));
    readSync(this.fd, present, 0, present.length, at + RECORD_HEAD);
    const values = present.subarray(0, count).reduce((a, b) => a + b, 0) * bands * height * width;
    const bodyAt = at + RECORD_HEAD + present.length;
    if (bodyAt + values * 4 + 4 > size) return stop();
    const body = Buffer.alloc(values * 4 + 4);
    readSync(this.fd, body, 0, body.length, bodyAt);
    if (recordCrc(head, present, body.subarray(0, values * 4)) !== body.readUInt32LE(values * 4)) return stop();
    this.readAt = bodyAt + body.length;
    this.chips += count;
    const data = new Float32Array(body.buffer, body.byteOffset, values).slice();
    return { first, count, present: Uint8Array.from(present.subarray(0, count)), bands, height, width, data };
  }

  /**
   * Appends a finished batch. Call only after {@link InferenceJournal.next} returned undefined. The
   * write runs on libuv's thread pool, in order after the earlier ones (`r.data` must not change until
   * {@link InferenceJournal.settle}); a failed write throws from the next `append` or `settle`. Not
   * synced per record: a killed process loses what was not written yet or did not reach the disk, which
   * fails its CRC (or is missing) and is predicted again.
   */
  append(r: Omit<JournalRecord, 'first'>): void {
    if (this.failure) throw this.failure;
    if (this.replaying)
      throw new InferenceError('BAD_OPTION', `${this.path}: replay every journaled batch before appending`);
    const head = Buffer.alloc(RECORD_HEAD);
    [MAGIC, this.chips, r.count, r.bands, r.height, r.width].forEach((v, i) => head.writeUInt32LE(v, i * 4));
    const present = Buffer.alloc(padded(r.count));
    present.set(r.present);
    const body = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(recordCrc(head, present, body), 0);
    const length = RECORD_HEAD + present.length + body.length + 4;
    const fd = this.fd;
    const at = this.readAt;
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        let done = await writevAt(fd, [head, present, body, crc], at);
        if (done < length) {
          const rec = Buffer.concat([head, present, body, crc]);
          while (done < length) done += await writeAt(fd, rec, done, length - done, at + done);
        }
      } catch (e) {
        this.failure = e as Error;
      }
    });
    this.readAt += length;
    this.chips += r.count;
  }

  /** Waits for the appended records to be written; throws the first write failure. */
  async settle(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
  }

  /**
   * Closes the journal once its pending writes are done (a closed descriptor number must not be
   * written to); with `remove`, deletes it (the run's output is in place). Idempotent.
   */
  async close(remove = false): Promise<void> {
    await this.writing;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (remove) rmSync(this.path, { force: true });
  }
}
