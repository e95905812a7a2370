/**
 * Where an `s3://bucket/key` URL lives: the endpoint (AWS or an S3-compatible store), addressing style,
 * region and credentials, resolved once from options and the environment.
 */
import { SourceError } from '../errors.js';
import { type AwsCredentials, resolveAwsCredentials, resolveAwsRegion } from './aws-credentials.js';

/**
 * Options for S3 access; every field falls back to the standard AWS environment.
 */
export interface S3Options {
  /** Custom endpoint of an S3-compatible store; default `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`, else AWS. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`). Default: true with a custom endpoint, false on AWS. */
  forcePathStyle?: boolean;
  /** Default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's region, else `us-east-1`. */
  region?: string;
  /** Explicit credentials; `null` for anonymous access. Default: environment, then `~/.aws/credentials`. */
  credentials?: AwsCredentials | null;
  /** Profile of the shared AWS files; default `AWS_PROFILE`, else `default`. */
  profile?: string;
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Resolved S3 settings. */
export interface S3Config {
  endpoint: URL | null;
  pathStyle: boolean;
  region: string;
  credentials: AwsCredentials | null;
}

/**
 * An `s3://bucket/key` URL split into its parts.
 */
export function parseS3Url(href: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(href);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1])) {
    throw new SourceError('BAD_URL', `${href} is not an s3://bucket/key URL with a valid bucket name`, {
      subject: href,
    });
  }
  return { bucket: m[1], key: m[2] };
}

/**
 * Resolves endpoint, style, region and credentials from `opts` and the environment.
 */
export function resolveS3Config(opts: S3Options = {}): S3Config {
  const env = opts.env ?? process.env;
  const raw = opts.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  let endpoint: URL | null = null;
  if (raw) {
    try {
      endpoint = new URL(raw);
    } catch (e) {
      throw new SourceError('BAD_URL', `S3 endpoint ${JSON.stringify(raw)} is not a URL`, { cause: e, subject: raw });
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')
      throw new SourceError('BAD_URL', `S3 endpoint ${raw} must be http: or https:`, { subject: raw });
  }
  return {
    endpoint,
    pathStyle: opts.forcePathStyle ?? endpoint !== null,
    region: opts.region ?? resolveAwsRegion({ profile: opts.profile, env }),
    credentials: resolveAwsCredentials({ credentials: opts.credentials, profile: opts.profile, env }),
  };
}

/**
 * The HTTP(S) URL of a bucket (`key` empty) or an object; key segments are percent-encoded.
 */
export function s3HttpUrl(cfg: S3Config, bucket: string, key: string): URL {
  const path = key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
  if (cfg.endpoint) {
    const base = cfg.endpoint.href.replace(/\/+$/, '');
    if (cfg.pathStyle) return new URL(`${base}/${bucket}/${path}`);
    const u = new URL(base);
    u.hostname = `${bucket}.${u.hostname}`;
    return new URL(`${u.origin}${u.pathname.replace(/\/+$/, '')}/${path}`);
  }
  if (cfg.pathStyle) return new URL(`https://s3.${cfg.region}.amazonaws.com/${bucket}/${path}`);
  return new URL(`https://${bucket}.s3.${cfg.region}.amazonaws.com/${path}`);
}
