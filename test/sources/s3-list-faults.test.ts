/**
 * `S3Client.list` when the server fails mid-listing: a tampering proxy in front of the moto server
 * (signature checks on) passes moto's first ListObjectsV2 page with `IsTruncated` set and a
 * continuation token added, so the client asks for a second page, which the proxy then breaks —
 * the server dies, the body breaks off, the page is cut or not XML, a truncated page has no token.
 * Each ends in a typed `SourceError` naming the `s3://bucket/prefix` after the first page's
 * objects, never in an untyped error or a listing that silently ends early.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GeosliceError, SourceError } from '../../src/errors.js';
import { S3Client } from '../../src/sources/s3-client.js';
import { type MotoServer, startMoto } from '../fixtures/s3/moto.js';

const T = { timeout: 60_000 };
const PREFIX = 's3://geoslice/list-faults/';
const KEYS = ['list-faults/a.tif', 'list-faults/b.tif', 'list-faults/c.tif'];

/** What the proxy does with the second page request. */
type Fault = 'die' | 'break-off' | 'cut-xml' | 'not-xml' | 'no-token';

interface TamperingProxy {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A proxy to `target` that rewrites the first listing page to say it is truncated (with a token,
 * except for `no-token`) and answers the request for the next page with `fault`.
 */
async function startTamperingProxy(target: string, fault: Fault): Promise<TamperingProxy> {
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').includes('continuation-token=')) {
      if (fault === 'die') {
        // The server goes away: this connection drops and no new one is accepted.
        res.destroy();
        server.close();
        server.closeAllConnections();
      } else if (fault === 'break-off') {
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': '4000' });
        res.write('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Contents><Key>list-faults/d');
        setTimeout(() => res.destroy(), 50);
      } else if (fault === 'cut-xml') {
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Contents><Key>list-faults/d.tif</Key>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
      }
      return;
    }
    const headers = { ...req.headers };
    delete headers['accept-encoding'];
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (d: Buffer) => chunks.push(d));
      r.on('end', () => {
        let body = Buffer.concat(chunks).toString('utf8');
        if ((req.url ?? '').includes('list-type=2')) {
          const more = fault === 'no-token' ? '' : '<NextContinuationToken>page-2</NextContinuationToken>';
          body = body.replace(/<IsTruncated>false<\/IsTruncated>/, `<IsTruncated>true</IsTruncated>${more}`);
        }
        const out = { ...r.headers };
        delete out['content-length'];
        delete out['transfer-encoding'];
        res.writeHead(r.statusCode ?? 502, { ...out, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        if (!server.listening) r();
      }),
  };
}

/** Lists `PREFIX` through a proxy with `fault`: the keys yielded before the error, and the error. */
async function listThrough(moto: MotoServer, fault: Fault): Promise<{ keys: string[]; error: unknown }> {
  const proxy = await startTamperingProxy(moto.endpoint, fault);
  const client = new S3Client({ ...moto.options, endpoint: proxy.endpoint });
  const keys: string[] = [];
  let error: unknown;
  try {
    for await (const o of client.list(PREFIX)) keys.push(o.key);
  } catch (e) {
    error = e;
  } finally {
    await proxy.close();
  }
  return { keys, error };
}

describe('S3Client.list fails typed when the server breaks mid-listing', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    for (const key of KEYS) await moto.client.put(`s3://geoslice/${key}`, new TextEncoder().encode(key));
  });
  after(() => moto?.stop());

  it('moto lists every key when nothing breaks', T, async () => {
    const direct: string[] = [];
    for await (const o of moto.client.list(PREFIX)) direct.push(o.key);
    assert.deepEqual(direct, KEYS);
  });

  const cases: [Fault, string, RegExp][] = [
    ['die', 'CONNECTION', /failed/],
    ['break-off', 'CONNECTION', /broke off/],
    ['cut-xml', 'BAD_RESPONSE', /not a complete ListBucketResult/],
    ['not-xml', 'BAD_RESPONSE', /not a complete ListBucketResult/],
    ['no-token', 'BAD_RESPONSE', /no NextContinuationToken/],
  ];
  for (const [fault, code, reason] of cases) {
    it(`${fault}: SourceError ${code} naming the prefix, after the first page's objects`, T, async () => {
      const { keys, error } = await listThrough(moto, fault);
      assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
      assert.ok(error instanceof GeosliceError);
      assert.equal(error.code, code, error.message);
      assert.ok(error.message.includes(PREFIX), `"${error.message}" should name ${PREFIX}`);
      assert.match(error.message, reason);
      // The first page was yielded before the failure (no-token is refused before its page is yielded).
      assert.deepEqual(keys, fault === 'no-token' ? [] : KEYS);
    });
  }
});
