import { open, rm, type FileHandle } from 'node:fs/promises';
import { StitchError } from '../../errors.js';

/**
 * An append-only scratch file: blocks of bytes go in (concurrently, in any order) and come back by
 * the position {@link Spool.append} returned. The stream writer keeps compressed tiles and
 * overview source blocks here so that memory holds only the tiles in flight.
 */
export class Spool {
  private size = 0;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    private readonly subject: string,
  ) {}

  /** Creates (exclusively) the scratch file `file`; errors name `subject`, the output path. */
  static async create(file: string, subject: string): Promise<Spool> {
    try {
      return new Spool(await open(file, 'wx+'), file, subject);
    } catch (e) {
      throw new StitchError('WRITE_FAILED', `${subject}: cannot create scratch file ${file}: ${(e as Error).message}`, {
        cause: e,
        subject,
      });
    }
  }

  /** Appends `bytes` and resolves to the position they start at. */
  async append(bytes: Uint8Array): Promise<number> {
    const at = this.size;
    this.size += bytes.byteLength;
    try {
      let done = 0;
      while (done < bytes.byteLength) {
        const { bytesWritten } = await this.fh.write(bytes, done, bytes.byteLength - done, at + done);
        done += bytesWritten;
      }
    } catch (e) {
      throw new StitchError(
        'WRITE_FAILED',
        `${this.subject}: writing scratch file ${this.file} failed: ${(e as Error).message}`,
        { cause: e, subject: this.subject },
      );
    }
    return at;
  }

  /** Reads `length` bytes at `position` into a new buffer (its own ArrayBuffer, 8-byte aligned). */
  async read(position: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(new ArrayBuffer(length));
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, length - done, position + done);
      if (bytesRead === 0) {
        throw new StitchError(
          'WRITE_FAILED',
          `${this.subject}: scratch file ${this.file} is shorter than expected (${position + done} < ${position + length})`,
          { subject: this.subject },
        );
      }
      done += bytesRead;
    }
    return out;
  }

  /** Closes and deletes the file; safe to call more than once. */
  async remove(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => undefined);
    }
    await rm(this.file, { force: true });
  }
}
