/**
 * A small S3 client: AWS Signature V4 signing (aws4fetch) plus the few calls geoslice needs besides
 * range reads — ListObjectsV2, conditional PutObject, GetObject of small objects, DeleteObject.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsV4Signer } from 'aws4fetch';
import { iterateAtBoundary, SourceError } from '../errors.js';
import { type S3Config, type S3Options, parseS3Url, resolveS3Config, s3HttpUrl } from './s3-config.js';

/**
 * One listed object.
 */
export interface S3Object {
  key: string;
  size: number;
  etag: string;
}

const RETRIES = 4;

/**
 * Signed S3 requests against one resolved configuration (endpoint, region, credentials).
 */
export class S3Client {
  readonly config: S3Config;

  constructor(opts: S3Options = {}) {
    this.config = resolveS3Config(opts);
  }

  /** The HTTP(S) URL of `s3://bucket/key`. */
  httpUrl(href: string): URL {
    const { bucket, key } = parseS3Url(href);
    return s3HttpUrl(this.config, bucket, key);
  }

  /** Headers with a fresh SigV4 signature (unchanged for anonymous access). */
  async sign(method: string, url: string, headers: Record<string, string>): Promise<Record<string, string>> {
    const c = this.config.credentials;
    if (!c) return headers;
    const signed = await new AwsV4Signer({
      method,
      url,
      headers,
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      service: 's3',
      region: this.config.region,
    }).sign();
    const out: Record<string, string> = {};
    signed.headers.forEach((v, k) => {
      out[k] = v;
    });
    return out;
  }

  /**
   * Objects under an `s3://bucket/prefix` (ListObjectsV2, all pages), in key order.
   */
  list(href: string): AsyncGenerator<S3Object> {
    return iterateAtBoundary(SourceError, `listing ${href}`, this.listPages(href));
  }

  private async *listPages(href: string): AsyncGenerator<S3Object> {
    const { bucket, key: prefix } = parseS3Url(href);
    let token: string | null = null;
    do {
      const url = s3HttpUrl(this.config, bucket, '');
      url.searchParams.set('list-type', '2');
      if (prefix) url.searchParams.set('prefix', prefix);
      if (token) url.searchParams.set('continuation-token', token);
      const res = await this.request('GET', url, href);
      let xml: string;
      try {
        xml = await res.text();
      } catch (e) {
        throw new SourceError('CONNECTION', `listing ${href}: the response broke off: ${(e as Error)?.message}`, {
          cause: e,
          subject: href,
        });
      }
      // Check the whole page before yielding any of it: a cut or foreign body must not end the listing early.
      const page = listingPage(xml, href);
      yield* page.objects;
      token = page.token;
    } while (token);
  }

  /** The whole object (for small objects such as manifests), or null when it does not exist. */
  async get(href: string): Promise<{ body: Uint8Array; etag: string } | null> {
    try {
      const res = await this.request('GET', this.httpUrl(href), href);
      return { body: new Uint8Array(await res.arrayBuffer()), etag: res.headers.get('etag') ?? '' };
    } catch (e) {
      if (e instanceof SourceError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
  }

  /**
   * Uploads `body` to `s3://bucket/key`. `ifNoneMatch: '*'` only creates (fails if it exists);
   * `ifMatch: etag` only replaces that version. A failed condition is {@link SourceError} `PRECONDITION_FAILED`.
   */
  async put(href: string, body: Uint8Array, cond: { ifNoneMatch?: '*'; ifMatch?: string } = {}): Promise<string> {
    const headers: Record<string, string> = { 'content-length': String(body.length) };
    if (cond.ifNoneMatch) headers['if-none-match'] = cond.ifNoneMatch;
    if (cond.ifMatch) headers['if-match'] = cond.ifMatch;
    const res = await this.request('PUT', this.httpUrl(href), href, headers, body);
    await res.arrayBuffer();
    return res.headers.get('etag') ?? '';
  }

  /** Deletes an object (no error when it is absent). */
  async delete(href: string): Promise<void> {
    const res = await this.request('DELETE', this.httpUrl(href), href);
    await res.arrayBuffer();
  }

  /** One signed request with retries on 5xx/429/network errors; other failures become typed errors. */
  private async request(
    method: string,
    url: URL,
    subject: string,
    extra: Record<string, string> = {},
    body?: Uint8Array,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers = await this.sign(method, url.href, extra);
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body });
      } catch (e) {
        if (attempt < RETRIES) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        throw new SourceError('CONNECTION', `${method} ${subject} failed: ${(e as Error).message}`, {
          cause: e,
          subject,
        });
      }
      if (res.ok) return res;
      const text = await res.text();
      if ((res.status >= 500 || res.status === 429) && attempt < RETRIES) {
        await sleep(100 * 2 ** attempt);
        continue;
      }
      throw s3Error(res.status, tag(text, 'Code') ?? '', tag(text, 'Message') ?? '', method, subject);
    }
  }
}

function s3Error(status: number, code: string, message: string, method: string, subject: string): SourceError {
  const detail = `${method} ${subject}: HTTP ${status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`;
  if (status === 404) return new SourceError('NOT_FOUND', `${detail}; check the bucket and key`, { subject });
  if (status === 401 || status === 403)
    return new SourceError(
      'ACCESS_DENIED',
      `${detail}; check the credentials (AWS_ACCESS_KEY_ID/AWS_PROFILE) and that they may access this object`,
      { subject },
    );
  if (status === 412 || (status === 409 && code === 'ConditionalRequestConflict'))
    return new SourceError('PRECONDITION_FAILED', `${detail}; the object changed or exists already`, { subject });
  return new SourceError('HTTP_STATUS', detail, { subject });
}

/**
 * The objects and continuation token of one ListObjectsV2 page. A body that is not one whole
 * `ListBucketResult`, an object without a key or size, or a truncated page without a continuation
 * token is {@link SourceError} `BAD_RESPONSE` naming `href` (never a listing that silently ends early).
 */
function listingPage(xml: string, href: string): { objects: S3Object[]; token: string | null } {
  const bad = (why: string) =>
    new SourceError('BAD_RESPONSE', `listing ${href}: the server's ListObjectsV2 page ${why}`, { subject: href });
  if (!/<ListBucketResult[\s>]/.test(xml) || !/<\/ListBucketResult>\s*$/.test(xml))
    throw bad(`is not a complete ListBucketResult document: ${JSON.stringify(xml.slice(0, 80))}`);
  const objects: S3Object[] = [];
  for (const block of xml.match(/<Contents>[\s\S]*?<\/Contents>/g) ?? []) {
    const key = tag(block, 'Key');
    const size = Number(tag(block, 'Size') ?? NaN);
    if (!key || !Number.isInteger(size) || size < 0)
      throw bad(`has an object without a key or size: ${block.slice(0, 120)}`);
    objects.push({ key: xmlUnescape(key), size, etag: xmlUnescape(tag(block, 'ETag') ?? '') });
  }
  if (tag(xml, 'IsTruncated') !== 'true') return { objects, token: null };
  const token = tag(xml, 'NextContinuationToken');
  if (!token) throw bad('says it is truncated but has no NextContinuationToken');
  return { objects, token: xmlUnescape(token) };
}

function tag(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? m[1] : null;
}

function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[e]) return named[e];
    return String.fromCodePoint(e[1].toLowerCase() === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}
