import { fileURLToPath } from 'node:url';
import type { ByteSource } from './byte-source.js';
import { openFileSource } from './file-source.js';
import { openHttpSource, type HttpSourceOptions } from './http-source.js';

/**
 * Opens `href` as a {@link ByteSource}: `http(s)://` URLs as range-request sources, `file://` URLs
 * and plain paths as local files.
 *
 * @example
 * ```ts
 * const a = await openSource('/data/b04.tif');
 * const b = await openSource('https://example.com/b04.tif', { http: { maxRetries: 2 } });
 * ```
 */
export async function openSource(href: string, opts: { http?: HttpSourceOptions } = {}): Promise<ByteSource> {
  if (/^https?:\/\//i.test(href)) return openHttpSource(href, opts.http);
  if (/^file:\/\//i.test(href)) return openFileSource(fileURLToPath(href));
  return openFileSource(href);
}
