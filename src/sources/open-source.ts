import { fileURLToPath } from 'node:url';
import type { ByteSource } from './byte-source.js';
import { openFileSource } from './file-source.js';
import { openHttpSource, type HttpSourceOptions } from './http-source.js';
import type { S3Options } from './s3-config.js';
import { openS3Source } from './s3-source.js';

/**
 * Opens `href` as a {@link ByteSource}: `http(s)://` URLs as range-request sources, `s3://bucket/key`
 * as signed range requests (credentials and endpoint from `opts.s3` or the AWS environment), `file://`
 * URLs and plain paths as local files.
 */
export async function openSource(
  href: string,
  opts: { http?: HttpSourceOptions; s3?: S3Options } = {},
): Promise<ByteSource> {
  if (/^https?:\/\//i.test(href)) return openHttpSource(href, opts.http);
  if (/^s3:\/\//i.test(href)) return openS3Source(href, { s3: opts.s3, http: opts.http });
  if (/^file:\/\//i.test(href)) return openFileSource(fileURLToPath(href));
  return openFileSource(href);
}
