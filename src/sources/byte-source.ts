/**
 * A random-access byte source: a local file or an HTTP(S) URL. Every read returns exactly the
 * requested bytes or throws a {@link SourceError}; a short read is never returned silently.
 */
export interface ByteSource {
  /** The path or URL, for messages. */
  readonly href: string;
  /** Total size in bytes (may do I/O the first time). */
  size(): Promise<number>;
  /** Exactly `length` bytes starting at `offset`; `SourceError` `SHORT_READ` when the source ends first. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Several ranges at once; sources may coalesce nearby ranges into fewer requests. Results keep the input order. */
  readRanges(ranges: ByteRange[]): Promise<Uint8Array[]>;
  /**
   * A local file's descriptor while the source is open, so that decoder threads can read blocks
   * themselves (positional reads); undefined for remote or closed sources.
   */
  readonly fd?: number;
  /** Releases file handles / sockets. Idempotent. */
  close(): Promise<void>;
}

/**
 * One byte range of a {@link ByteSource}.
 */
export interface ByteRange {
  offset: number;
  length: number;
}
