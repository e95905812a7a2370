/**
 * Listing `s3://` prefixes and globs with ListObjectsV2: the literal part before the first glob
 * character is the listing prefix, the rest is matched client-side.
 */
import { SourceError } from '../errors.js';
import type { S3Client } from './s3-client.js';
import { parseS3Url } from './s3-config.js';

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * The `s3://` URLs of the objects a prefix (ending in `/`) or a glob (`*`, `**`, `?`, `[abc]`) names,
 * sorted; a plain key names itself. An empty result is {@link SourceError} `NOT_FOUND`.
 */
export async function listS3(client: S3Client, href: string): Promise<string[]> {
  const { bucket, key } = parseS3Url(href);
  const g = key.search(GLOB_CHARS);
  const prefix = g < 0 ? key : key.slice(0, g);
  const match = g < 0 ? null : globRegExp(key);
  const out: string[] = [];
  for await (const o of client.list(`s3://${bucket}/${prefix}`)) {
    if (o.key.endsWith('/')) continue;
    if (match ? match.test(o.key) : key === '' || key.endsWith('/') || o.key === key)
      out.push(`s3://${bucket}/${o.key}`);
  }
  if (out.length === 0)
    throw new SourceError('NOT_FOUND', `${href} names no objects; check the bucket, prefix and glob`, {
      subject: href,
    });
  return out.sort();
}

/** `*` within a path segment, `**` across segments, `?` one character, `[...]` a class, `{a,b}` alternatives. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new SourceError('BAD_URL', `unclosed [ in glob ${glob}`, { subject: glob });
      re += `[${glob
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      const end = glob.indexOf('}', i + 1);
      if (end < 0) throw new SourceError('BAD_URL', `unclosed { in glob ${glob}`, { subject: glob });
      re += `(?:${glob
        .slice(i + 1, end)
        .split(',')
        .map((s) => s.replace(/[.+^${}()|\\]/g, '\\$&'))
        .join('|')})`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
