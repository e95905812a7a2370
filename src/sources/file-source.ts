import { open, type FileHandle } from 'node:fs/promises';
import { SourceError } from '../errors.js';
import type { ByteRange, ByteSource } from './byte-source.js';
import { unfilledBytes } from './unfilled-bytes.js';

/**
 * Opens a local file as a {@link ByteSource} using positional reads on one file handle
 * (reads run on the libuv thread pool; each read gets its own buffer). Throws `SourceError` `NOT_FOUND` / `UNREADABLE`.
 */
export async function openFileSource(path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE';
    throw new SourceError(code, `cannot open ${path}: ${(e as Error).message}; check the path and its permissions`, {
      cause: e,
      subject: path,
    });
  }
  return new FileSource(path, handle);
}

class FileSource implements ByteSource {
  private closed = false;
  private sizePromise: Promise<number> | null = null;

  constructor(
    readonly href: string,
    private readonly handle: FileHandle,
  ) {}

  get fd(): number | undefined {
    return this.closed ? undefined : this.handle.fd;
  }

  size(): Promise<number> {
    this.sizePromise ??= this.handle.stat().then((s) => s.size);
    return this.sizePromise;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.closed)
      throw new SourceError('CLOSED', `${this.href} was closed; open it again to read`, { subject: this.href });
    // every byte is overwritten or the read fails; a decoder thread can take it without a copy
    const buf = unfilledBytes(length);
    let done = 0;
    try {
      while (done < length) {
        const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } catch (e) {
      throw new SourceError(
        'READ_FAILED',
        `reading ${length} bytes at ${offset} of ${this.href} failed: ${(e as Error).message}`,
        { cause: e, subject: this.href },
      );
    }
    if (done < length) {
      throw new SourceError(
        'SHORT_READ',
        `${this.href} ended after ${offset + done} bytes but ${length} bytes at offset ${offset} were requested; the file is truncated or its header is corrupt`,
        { subject: this.href },
      );
    }
    return buf;
  }

  /** One positional read per range, in parallel: local reads gain little from merging, and separate buffers can be handed to decoder threads. */
  readRanges(ranges: ByteRange[]): Promise<Uint8Array[]> {
    return Promise.all(ranges.map((r) => this.read(r.offset, r.length)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
