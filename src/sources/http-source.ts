import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../errors.js';
import type { ByteRange, ByteSource } from './byte-source.js';
import { readCoalesced } from './coalesce.js';

/**
 * Options of {@link openHttpSource}.
 */
export interface HttpSourceOptions {
  /** Retries per request after the first attempt (5xx, 408, 429, timeouts, resets, truncated bodies). Default 4. */
  maxRetries?: number;
  /** Total retries this source may spend over its lifetime, so a failing server cannot stall a run. Default 64. */
  retryBudget?: number;
  /** First backoff delay; doubles per attempt (with jitter) up to `maxDelayMs`. Default 100 ms. */
  baseDelayMs?: number;
  /** Default 4000 ms. */
  maxDelayMs?: number;
  /** Idle timeout of one request. Default 30 000 ms. */
  timeoutMs?: number;
  /** Ranges closer than this are fetched in one request. Default 64 KiB. */
  mergeGap?: number;
  /** Largest merged request. Default 16 MiB. */
  maxRequestBytes?: number;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Concurrent sockets per host on the keep-alive agent. Default 16. */
  maxSockets?: number;
  /**
   * Called before every request (each retry too) with its method, URL and headers; returns the headers
   * to send. Object stores use it to add a fresh signature (see `openS3Source`).
   */
  signRequest?: SignRequest;
}

/**
 * A request-signing hook of {@link HttpSourceOptions}: gets one request's method, URL and headers and
 * returns the headers to send (e.g. with an AWS Signature V4 `Authorization`).
 */
export type SignRequest = (request: {
  method: string;
  url: string;
  headers: Record<string, string>;
}) => Promise<Record<string, string>>;

interface Attempt {
  kind: 'ok' | 'retry' | 'fatal';
  data?: Uint8Array;
  /** Total file size, when the response told it. */
  total?: number;
  error?: SourceError;
}

/**
 * Opens an `http:` or `https:` URL as a {@link ByteSource} using range requests on a keep-alive
 * agent, coalescing nearby ranges, retrying with exponential backoff on 5xx/408/429, timeouts,
 * connection resets and truncated bodies, within a bounded retry budget. Every response is checked
 * to hold exactly the requested bytes. No I/O happens until the first read.
 */
export function openHttpSource(url: string, opts: HttpSourceOptions = {}): ByteSource {
  return new HttpSource(url, opts);
}

class HttpSource implements ByteSource {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;
  private retriesLeft: number;
  private sizePromise: Promise<number> | null = null;
  private closed = false;
  private readonly o: Required<Omit<HttpSourceOptions, 'headers' | 'signRequest'>> & {
    headers: Record<string, string>;
    signRequest?: SignRequest;
  };

  constructor(
    readonly href: string,
    opts: HttpSourceOptions,
  ) {
    try {
      this.url = new URL(href);
    } catch (e) {
      throw new SourceError('BAD_URL', `${href} is not a valid URL`, { cause: e, subject: href });
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new SourceError('BAD_URL', `${href}: only http: and https: URLs are supported`, { subject: href });
    }
    this.o = {
      maxRetries: opts.maxRetries ?? 4,
      retryBudget: opts.retryBudget ?? 64,
      baseDelayMs: opts.baseDelayMs ?? 100,
      maxDelayMs: opts.maxDelayMs ?? 4000,
      timeoutMs: opts.timeoutMs ?? 30_000,
      mergeGap: opts.mergeGap ?? 65_536,
      maxRequestBytes: opts.maxRequestBytes ?? 16 << 20,
      maxSockets: opts.maxSockets ?? 16,
      headers: opts.headers ?? {},
      signRequest: opts.signRequest,
    };
    this.retriesLeft = this.o.retryBudget;
    this.lib = this.url.protocol === 'https:' ? https : http;
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets: this.o.maxSockets });
  }

  size(): Promise<number> {
    this.sizePromise ??= this.withRetries('size', () => this.attempt(0, 1, true)).then((a) => a.total!);
    return this.sizePromise;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return Promise.resolve(new Uint8Array(0));
    return this.withRetries(`bytes ${offset}-${offset + length - 1}`, () => this.attempt(offset, length, false)).then(
      (a) => a.data!,
    );
  }

  readRanges(ranges: ByteRange[]): Promise<Uint8Array[]> {
    return readCoalesced(ranges, this.o.mergeGap, this.o.maxRequestBytes, (o, n) => this.read(o, n));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.agent.destroy();
  }

  private async withRetries(what: string, run: () => Promise<Attempt>): Promise<Attempt> {
    if (this.closed)
      throw new SourceError('CLOSED', `${this.href} was closed; open it again to read`, { subject: this.href });
    for (let attempt = 0; ; attempt++) {
      const r = await run();
      if (r.kind === 'ok') return r;
      if (r.kind === 'fatal') throw r.error!;
      if (attempt >= this.o.maxRetries || this.retriesLeft <= 0) {
        const why =
          this.retriesLeft <= 0
            ? `the source's retry budget of ${this.o.retryBudget} is spent`
            : `${attempt + 1} attempts`;
        throw new SourceError(
          r.error!.code,
          `${r.error!.message} (${what}; gave up after ${why}); check that the server is up and serves byte ranges`,
          {
            cause: r.error,
            subject: this.href,
          },
        );
      }
      this.retriesLeft--;
      const delay = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** attempt);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }

  /** One request; a `sizeProbe` only reads the total size from the headers. */
  private async attempt(offset: number, length: number, sizeProbe: boolean): Promise<Attempt> {
    const end = offset + length - 1;
    const plain = { ...this.o.headers, Range: `bytes=${offset}-${end}` };
    const headers = this.o.signRequest
      ? await this.o.signRequest({ method: 'GET', url: this.url.href, headers: plain })
      : plain;
    const retry = (code: string, msg: string): Attempt => ({
      kind: 'retry',
      error: new SourceError(code, `${this.href}: ${msg}`, { subject: this.href }),
    });
    const fatal = (code: string, msg: string): Attempt => ({
      kind: 'fatal',
      error: new SourceError(code, `${this.href}: ${msg}`, { subject: this.href }),
    });
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      const done = (a: Attempt) => {
        if (!settled) {
          settled = true;
          resolve(a);
        }
      };
      const req = this.lib.request(this.url, { method: 'GET', agent: this.agent, headers }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 500 || status === 408 || status === 429) {
          res.resume();
          done(retry('HTTP_STATUS', `HTTP ${status} for bytes ${offset}-${end}`));
          return;
        }
        if (status === 416) {
          res.resume();
          done(
            fatal(
              'SHORT_READ',
              `bytes ${offset}-${end} are past the end of the file (HTTP 416); the file is truncated or its header is corrupt`,
            ),
          );
          return;
        }
        if (status !== 200 && status !== 206) {
          res.resume();
          const code =
            status === 404 ? 'NOT_FOUND' : status === 401 || status === 403 ? 'ACCESS_DENIED' : 'HTTP_STATUS';
          const hint = code === 'ACCESS_DENIED' ? '; check the credentials and that they may read this object' : '';
          done(fatal(code, `HTTP ${status} for bytes ${offset}-${end}${hint}`));
          return;
        }
        const cr = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
        const total =
          status === 200 ? Number(res.headers['content-length'] ?? NaN) : cr && cr[3] !== '*' ? Number(cr[3]) : NaN;
        if (sizeProbe) {
          // A 200 carries the whole file: stop it instead of downloading it.
          if (status === 200) req.destroy();
          else res.resume();
          if (!Number.isFinite(total))
            done(fatal('NO_SIZE', 'the server reports no file size (Content-Range or Content-Length)'));
          else done({ kind: 'ok', total });
          return;
        }
        if (status === 206 && (!cr || Number(cr[1]) !== offset)) {
          res.resume();
          done(
            retry(
              'BAD_RANGE',
              `asked for bytes ${offset}-${end} but got Content-Range ${String(res.headers['content-range'])}`,
            ),
          );
          return;
        }
        const skip = status === 200 ? offset : 0;
        const want = Number.isFinite(total) ? Math.min(length, total - offset) : length;
        const buf = new Uint8Array(Math.max(0, want));
        let pos = -skip;
        res.on('data', (chunk: Buffer) => {
          const from = Math.max(0, -pos);
          const n = Math.min(chunk.length - from, buf.length - Math.max(0, pos));
          if (n > 0) buf.set(chunk.subarray(from, from + n), Math.max(0, pos));
          pos += chunk.length;
          if (status === 200 && pos >= buf.length) {
            req.destroy();
            done(finish(buf.length));
          }
        });
        const finish = (got: number): Attempt => {
          if (got < want)
            return retry(
              'SHORT_READ',
              `response for bytes ${offset}-${end} ended after ${Math.max(0, got)} of ${want} bytes`,
            );
          if (want < length) {
            return fatal(
              'SHORT_READ',
              `the file has ${total} bytes, so bytes ${offset}-${end} cannot be read; the file is truncated or its header is corrupt`,
            );
          }
          return { kind: 'ok', data: buf };
        };
        res.on('end', () => done(finish(Math.min(pos, buf.length))));
        res.on('aborted', () =>
          done(
            retry(
              'SHORT_READ',
              `connection closed after ${Math.max(0, pos)} of ${want} bytes for bytes ${offset}-${end}`,
            ),
          ),
        );
        res.on('error', (e) => done(retry('CONNECTION', `response for bytes ${offset}-${end} failed: ${e.message}`)));
      });
      req.setTimeout(this.o.timeoutMs, () => {
        req.destroy();
        done(retry('TIMEOUT', `no data for ${this.o.timeoutMs} ms on bytes ${offset}-${end}`));
      });
      req.on('error', (e) => done(retry('CONNECTION', `request for bytes ${offset}-${end} failed: ${e.message}`)));
      req.end();
    });
  }
}
