/**
 * `s3://bucket/key` as a {@link ByteSource}: the HTTP source (same retries, deadline, range coalescing
 * and pinning rules) over the object's URL, with every request signed by AWS Signature V4.
 */
import type { ByteSource } from './byte-source.js';
import { type HttpSourceOptions, openHttpSource } from './http-source.js';
import { S3Client } from './s3-client.js';
import type { S3Options } from './s3-config.js';

/**
 * Opens `s3://bucket/key` for range reads. Credentials, region and endpoint come from `opts.s3` or the
 * AWS environment (see {@link S3Options}); pass `client` to share one resolved configuration. A missing
 * key is {@link SourceError} `NOT_FOUND`, refused credentials `ACCESS_DENIED`.
 */
export function openS3Source(
  href: string,
  opts: { s3?: S3Options; http?: HttpSourceOptions; client?: S3Client } = {},
): ByteSource {
  const client = opts.client ?? new S3Client(opts.s3);
  const url = client.httpUrl(href).href;
  const source = openHttpSource(url, {
    ...opts.http,
    signRequest: (r) => client.sign(r.method, r.url, r.headers),
  });
  return {
    href,
    size: () => source.size(),
    read: (offset, length) => source.read(offset, length),
    readRanges: (ranges) => source.readRanges(ranges),
    close: () => source.close(),
  };
}
