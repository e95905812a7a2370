/**
 * AWS credentials and region the way the AWS CLI finds them: explicit options, then the standard
 * environment variables, then a profile of `~/.aws/credentials` (and its region in `~/.aws/config`),
 * else anonymous access (public buckets).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from '../errors.js';

/**
 * A key pair (plus a session token for temporary credentials).
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Where {@link resolveAwsCredentials} looks. Every field is optional; `env` defaults to `process.env`.
 */
export interface AwsCredentialOptions {
  /** Use these and look no further. `null` forces anonymous (unsigned) requests. */
  credentials?: AwsCredentials | null;
  /** Profile name in the shared files; default `AWS_PROFILE`, else `default`. */
  profile?: string;
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * The credentials to sign with, or `null` for anonymous access. Order: `opts.credentials`;
 * `AWS_NO_SIGN_REQUEST=yes` (anonymous); `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY`
 * (+ `AWS_SESSION_TOKEN`); the profile (`opts.profile`, `AWS_PROFILE`, or `default`) of
 * `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`); else anonymous. A profile that was
 * asked for by name but is missing is a {@link SourceError} `NO_CREDENTIALS`, not a silent fallback.
 */
export function resolveAwsCredentials(opts: AwsCredentialOptions = {}): AwsCredentials | null {
  if (opts.credentials !== undefined) return opts.credentials;
  const env = opts.env ?? process.env;
  if (/^(1|true|yes)$/i.test(env.AWS_NO_SIGN_REQUEST ?? '')) return null;
  if (opts.profile === undefined && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const named = opts.profile ?? env.AWS_PROFILE;
  const profile = named ?? 'default';
  const file = env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
  const section = readIni(file)?.[profile];
  const id = section?.aws_access_key_id;
  const secret = section?.aws_secret_access_key;
  if (id && secret) {
    return {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(section.aws_session_token ? { sessionToken: section.aws_session_token } : {}),
    };
  }
  if (named !== undefined) {
    throw new SourceError(
      'NO_CREDENTIALS',
      `AWS profile ${JSON.stringify(named)} has no aws_access_key_id/aws_secret_access_key in ${file}; add it or unset AWS_PROFILE`,
      { subject: file },
    );
  }
  return null;
}

/**
 * The AWS region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region` in `AWS_CONFIG_FILE`
 * (default `~/.aws/config`), else `us-east-1`.
 */
export function resolveAwsRegion(opts: { profile?: string; env?: Record<string, string | undefined> } = {}): string {
  const env = opts.env ?? process.env;
  if (env.AWS_REGION) return env.AWS_REGION;
  if (env.AWS_DEFAULT_REGION) return env.AWS_DEFAULT_REGION;
  const profile = opts.profile ?? env.AWS_PROFILE ?? 'default';
  const config = readIni(env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'));
  const section = config?.[profile === 'default' ? 'default' : `profile ${profile}`] ?? config?.[profile];
  return section?.region || 'us-east-1';
}

/** Sections of an INI file (`[name]` then `key = value` lines), or null when the file does not exist. */
function readIni(path: string): Record<string, Record<string, string>> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SourceError('NO_CREDENTIALS', `cannot read AWS shared file ${path}: ${(e as Error).message}`, {
      cause: e,
      subject: path,
    });
  }
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (head) {
      current = out[head[1]] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}
