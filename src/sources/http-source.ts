import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../errors.js';
import type { ByteRange, ByteSource } from './byte-source.js';
import { readCoalesced } from './coalesce.js';
import { unfilledBytes } from './unfilled-bytes.js';

/**
 * Options of {@link openHttpSource}.
 */
export interface HttpSourceOptions {
  /** Retries per request after the first attempt (5xx, 408, 429, timeouts, resets, truncated bodies). Default 4. */
  maxRetries?: number;
  /**
   * Retry budget of this source, a token bucket: at most this many retries in a burst, so a failing
   * server cannot stall a run; one token comes back every `retryRefillMs`, so a long job survives
   * occasional transient errors. Default 64.
   */
  retryBudget?: number;
  /** One retry token returns to the budget every this many ms. Default 1000. */
  retryRefillMs?: number;
  /** First backoff delay; doubles per attempt (with jitter) up to `maxDelayMs`. Default 100 ms. */
  baseDelayMs?: number;
  /** Default 4000 ms. */
  maxDelayMs?: number;
  /** Idle timeout of one request: no byte for this long fails the attempt. Default 30 000 ms. */
  timeoutMs?: number;
  /** Total time one request may take, however steadily bytes drip in. Default 60 000 ms. */
  deadlineMs?: number;
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

const DEFAULTS = {
  maxRetries: 4,
  retryBudget: 64,
  retryRefillMs: 1000,
  baseDelayMs: 100,
  maxDelayMs: 4000,
  timeoutMs: 30_000,
  deadlineMs: 60_000,
  mergeGap: 65_536,
  maxRequestBytes: 16 << 20,
  maxSockets: 16,
};
const KNOWN = new Set([...Object.keys(DEFAULTS), 'headers', 'signRequest']);

/**
 * Checks HTTP options wherever they enter (loader, `loadSlice`, builders, CLI): an object with only
 * known keys, numbers in range, string headers. Throws {@link SourceError} `BAD_OPTION` naming the key.
 */
export function checkHttpOptions(opts: unknown, where = 'http options'): HttpSourceOptions {
  if (opts === undefined) return {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
    throw new SourceError('BAD_OPTION', `${where} must be an object, got ${JSON.stringify(opts)}`);
  for (const [k, v] of Object.entries(opts)) {
    if (!KNOWN.has(k))
      throw new SourceError(
        'BAD_OPTION',
        `${where}: unknown key ${JSON.stringify(k)}; known keys: ${[...KNOWN].join(', ')}`,
        {
          subject: k,
        },
      );
    if (v === undefined) continue;
    if (k === 'headers') {
      if (typeof v !== 'object' || v === null || !Object.values(v).every((h) => typeof h === 'string'))
        throw new SourceError('BAD_OPTION', `${where}: headers must be an object of strings`, { subject: k });
    } else if (k === 'signRequest') {
      if (typeof v !== 'function')
        throw new SourceError('BAD_OPTION', `${where}: signRequest must be a function`, { subject: k });
    } else {
      const min = k === 'maxRetries' || k === 'retryBudget' || k === 'mergeGap' || k === 'baseDelayMs' ? 0 : 1;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (!Number.isInteger(v) && k !== 'retryRefillMs'))
        throw new SourceError('BAD_OPTION', `${where}: ${k} must be an integer >= ${min}, got ${JSON.stringify(v)}`, {
          subject: k,
        });
    }
  }
  return opts as HttpSourceOptions;
}

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
  /** Host, port, path and auth of every request, parsed from the URL once. */
  private readonly target: http.RequestOptions;
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;
  private tokens: number;
  private tokensAt = Date.now();
  /** The validator of the first response (ETag, else Last-Modified) and the file size, pinned for every later range. */
  private pinned: { etag?: string; lastModified?: string; size?: number } | null = null;
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
    checkHttpOptions(opts, `${href} http options`);
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.o = { ...DEFAULTS, headers: {}, ...defined };
    this.tokens = this.o.retryBudget;
    this.lib = this.url.protocol === 'https:' ? https : http;
    this.agent = new this.lib.Agent({ keepAlive: true, maxSockets: this.o.maxSockets });
    const u = this.url;
    this.target = {
      protocol: u.protocol,
      hostname: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
      port: u.port === '' ? undefined : Number(u.port),
      path: `${u.pathname}${u.search}`,
      ...(u.username || u.password
        ? { auth: `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` }
        : {}),
      method: 'GET',
      agent: this.agent,
    };
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
      const now = Date.now();
      this.tokens = Math.min(this.o.retryBudget, this.tokens + (now - this.tokensAt) / this.o.retryRefillMs);
      this.tokensAt = now;
      if (attempt >= this.o.maxRetries || this.tokens < 1) {
        const why =
          this.tokens < 1
            ? `the source's retry budget of ${this.o.retryBudget} is spent (one retry returns every ${this.o.retryRefillMs} ms)`
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
      this.tokens--;
      const delay = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** attempt);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }

  /** One request; a `sizeProbe` only reads the total size from the headers. */
  private async attempt(offset: number, length: number, sizeProbe: boolean): Promise<Attempt> {
    const end = offset + length - 1;
    const plain: Record<string, string> = { ...this.o.headers, Range: `bytes=${offset}-${end}` };
    const pin = this.pinned;
    if (pin?.etag && !pin.etag.startsWith('W/')) plain['If-Match'] = pin.etag;
    else if (pin?.lastModified) plain['If-Unmodified-Since'] = pin.lastModified;
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
      let deadline: NodeJS.Timeout | undefined;
      const done = (a: Attempt) => {
        if (!settled) {
          settled = true;
          clearTimeout(deadline);
          resolve(a);
        }
      };
      const changed = (why: string): Attempt =>
        fatal(
          'SOURCE_CHANGED',
          `the file changed while it was being read (${why}); its bytes would mix two versions — open it again`,
        );
      const req = this.lib.request({ ...this.target, headers }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 412) {
          res.resume();
          done(changed(`HTTP 412: it no longer matches ${pin?.etag ?? pin?.lastModified}`));
          return;
        }
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
        const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? '').trim());
        const total =
          status === 200 ? Number(res.headers['content-length'] ?? NaN) : cr && cr[3] !== '*' ? Number(cr[3]) : NaN;
        const etag = typeof res.headers.etag === 'string' ? res.headers.etag : undefined;
        const lastModified = res.headers['last-modified'];
        if (this.pinned === null)
          this.pinned = { etag, lastModified, size: Number.isFinite(total) ? total : undefined };
        else {
          const p = this.pinned;
          const why =
            p.etag !== undefined && etag !== undefined && etag !== p.etag
              ? `ETag ${p.etag} became ${etag}`
              : p.etag === undefined &&
                  p.lastModified !== undefined &&
                  lastModified !== undefined &&
                  lastModified !== p.lastModified
                ? `Last-Modified ${p.lastModified} became ${lastModified}`
                : p.size !== undefined && Number.isFinite(total) && total !== p.size
                  ? `its size ${p.size} became ${total}`
                  : null;
          if (why) {
            res.resume();
            done(changed(why));
            return;
          }
        }
        if (sizeProbe) {
          // A 200 carries the whole file: stop it instead of downloading it.
          if (status === 200) req.destroy();
          else res.resume();
          if (!Number.isFinite(total))
            done(fatal('NO_SIZE', 'the server reports no file size (Content-Range or Content-Length)'));
          else done({ kind: 'ok', total });
          return;
        }
        const expectedEnd = Number.isFinite(total) ? Math.min(end, total - 1) : end;
        if (status === 206 && (!cr || Number(cr[1]) !== offset || Number(cr[2]) !== expectedEnd)) {
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
        // returned only when every byte arrived; a decoder thread can take it without a copy
        const buf = unfilledBytes(Math.max(0, want));
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
          if (status === 206 && pos > want)
            return fatal(
              'BAD_RANGE',
              `response for bytes ${offset}-${end} carried ${pos} bytes, more than the ${want} its Content-Range announced`,
            );
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
      deadline = setTimeout(() => {
        req.destroy();
        done(retry('TIMEOUT', `bytes ${offset}-${end} did not arrive within the deadline of ${this.o.deadlineMs} ms`));
      }, this.o.deadlineMs);
      deadline.unref();
      req.on('error', (e) => done(retry('CONNECTION', `request for bytes ${offset}-${end} failed: ${e.message}`)));
      req.end();
    });
  }
}
