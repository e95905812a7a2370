import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import { openRaster } from '../../src/loaders/raster.js';
import { openHttpSource } from '../../src/sources/http-source.js';

const CODECS = fileURLToPath(new URL('../fixtures/loaders/codecs/', import.meta.url));
const NAME = 'cog_deflate_pred2_uint16.tif';
const FILE = new Uint8Array(readFileSync(CODECS + NAME));

/** Requests per mode; connections opened. */
const hits = new Map<string, number>();
let connections = 0;
let server: http.Server;
let base = '';

function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const [, mode, name] = (req.url ?? '').split('/');
  const n = (hits.get(mode) ?? 0) + 1;
  hits.set(mode, n);
  let body: Uint8Array;
  try {
    body = new Uint8Array(readFileSync(CODECS + name));
  } catch {
    res.writeHead(404).end();
    return;
  }
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  if (mode === 'down' || (mode === 'flaky' && n <= 2)) {
    res.writeHead(500).end('boom');
    return;
  }
  if (mode === 'hang') return;
  if (mode === 'reset' && n === 1) {
    req.socket.destroy();
    return;
  }
  if (mode === 'norange' || !m) {
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
    return;
  }
  const start = Number(m[1]);
  const end = Math.min(Number(m[2]), body.length - 1);
  if (start >= body.length) {
    res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
    return;
  }
  const part = body.subarray(start, end + 1);
  const headers = { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': part.length };
  if (mode === 'trunc' || (mode === 'truncOnce' && n === 1)) {
    // Promise the full range, send half of it, then drop the connection.
    res.writeHead(206, headers);
    res.write(part.subarray(0, Math.max(1, part.length >> 1)), () => res.socket?.destroy());
    return;
  }
  if (mode === 'liar') {
    // Claims the requested range but sends (and declares) fewer bytes.
    const short = part.subarray(0, Math.max(0, part.length - 7));
    res.writeHead(206, { ...headers, 'Content-Length': short.length }).end(short);
    return;
  }
  res.writeHead(206, headers).end(part);
}

before(async () => {
  server = http.createServer(serve);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const fast = { baseDelayMs: 1, maxDelayMs: 5, maxRetries: 3 };

describe('HTTP range source', () => {
  it('reads exact ranges and the size over one keep-alive connection', async () => {
    hits.clear();
    const before = connections;
    const src = openHttpSource(`${base}/ok/${NAME}`, fast);
    assert.equal(await src.size(), FILE.length);
    for (const [o, n] of [
      [0, 16],
      [1000, 5000],
      [FILE.length - 10, 10],
    ])
      assert.deepEqual(await src.read(o, n), FILE.subarray(o, o + n));
    assert.equal(connections - before, 1);
    await src.close();
  });

  it('coalesces nearby ranges into one request and keeps input order', async () => {
    hits.clear();
    const src = openHttpSource(`${base}/ok/${NAME}`, { ...fast, mergeGap: 1024 });
    const ranges = [
      { offset: 5000, length: 100 },
      { offset: 100, length: 50 },
      { offset: 200, length: 300 },
      { offset: 600, length: 10 },
    ];
    const parts = await src.readRanges(ranges);
    ranges.forEach((r, i) => assert.deepEqual(parts[i], FILE.subarray(r.offset, r.offset + r.length)));
    assert.equal(hits.get('ok'), 2);
    await src.close();
  });

  it('works with servers that ignore Range (200 with the whole file)', async () => {
    const src = openHttpSource(`${base}/norange/${NAME}`, fast);
    assert.deepEqual(await src.read(300, 200), FILE.subarray(300, 500));
    assert.equal(await src.size(), FILE.length);
    await src.close();
  });

  it('retries 5xx with backoff and then succeeds', async () => {
    hits.clear();
    const src = openHttpSource(`${base}/flaky/${NAME}`, fast);
    assert.deepEqual(await src.read(10, 10), FILE.subarray(10, 20));
    assert.equal(hits.get('flaky'), 3);
    await src.close();
  });

  it('gives up after maxRetries with HTTP_STATUS naming the URL', async () => {
    hits.clear();
    const src = openHttpSource(`${base}/down/${NAME}`, fast);
    await assert.rejects(
      src.read(0, 10),
      (e: unknown) =>
        e instanceof SourceError &&
        e.code === 'HTTP_STATUS' &&
        e.message.includes(`/down/${NAME}`) &&
        /500/.test(e.message),
    );
    assert.equal(hits.get('down'), 4);
    await src.close();
  });

  it('spends at most its retry budget across requests', async () => {
    hits.clear();
    const src = openHttpSource(`${base}/down/${NAME}`, { ...fast, maxRetries: 10, retryBudget: 3 });
    await assert.rejects(src.read(0, 10), (e: unknown) => e instanceof SourceError && /retry budget/.test(e.message));
    await assert.rejects(src.read(0, 10), (e: unknown) => e instanceof SourceError && e.code === 'HTTP_STATUS');
    assert.equal(hits.get('down'), 5);
    await src.close();
  });

  it('retries truncated bodies and fails with SHORT_READ when they stay truncated', async () => {
    hits.clear();
    const once = openHttpSource(`${base}/truncOnce/${NAME}`, fast);
    assert.deepEqual(await once.read(2000, 4000), FILE.subarray(2000, 6000));
    assert.equal(hits.get('truncOnce'), 2);
    await once.close();
    for (const mode of ['trunc', 'liar']) {
      const src = openHttpSource(`${base}/${mode}/${NAME}`, fast);
      await assert.rejects(
        src.read(2000, 4000),
        (e: unknown) => e instanceof SourceError && e.code === 'SHORT_READ' && e.message.includes(mode),
      );
      assert.equal(hits.get(mode), 4);
      await src.close();
    }
  });

  it('retries a reset connection', async () => {
    hits.clear();
    const src = openHttpSource(`${base}/reset/${NAME}`, fast);
    assert.deepEqual(await src.read(0, 8), FILE.subarray(0, 8));
    assert.equal(hits.get('reset'), 2);
    await src.close();
  });

  it('times out a server that never answers', async () => {
    const src = openHttpSource(`${base}/hang/${NAME}`, { ...fast, timeoutMs: 100, maxRetries: 1 });
    await assert.rejects(src.read(0, 8), (e: unknown) => e instanceof SourceError && e.code === 'TIMEOUT');
    await src.close();
  });

  it('does not retry 404, and reports reads past the end as SHORT_READ without retrying', async () => {
    hits.clear();
    const missing = openHttpSource(`${base}/ok/missing.tif`, fast);
    await assert.rejects(missing.read(0, 8), (e: unknown) => e instanceof SourceError && e.code === 'NOT_FOUND');
    assert.equal(hits.get('ok'), 1);
    await missing.close();
    const src = openHttpSource(`${base}/ok/${NAME}`, fast);
    await assert.rejects(
      src.read(FILE.length - 4, 8),
      (e: unknown) => e instanceof SourceError && e.code === 'SHORT_READ',
    );
    await assert.rejects(
      src.read(FILE.length + 10, 8),
      (e: unknown) => e instanceof SourceError && e.code === 'SHORT_READ',
    );
    assert.equal(hits.get('ok'), 3);
    await src.close();
  });

  it('rejects URLs that are not http(s)', () => {
    assert.throws(
      () => openHttpSource('ftp://example.com/a.tif'),
      (e: unknown) => e instanceof SourceError && e.code === 'BAD_URL',
    );
  });
});

describe('raster reader over HTTP', () => {
  it('reads the same windows as from the local file, overviews included', async () => {
    const remote = await openRaster(`${base}/ok/${NAME}`, { http: fast });
    const local = await openRaster(CODECS + NAME);
    assert.deepEqual(remote.info, { ...local.info, href: `${base}/ok/${NAME}` });
    for (const [level, x, y, w, h] of [
      [0, 100, 100, 64, 48],
      [0, -10, -10, 40, 40],
      [1, 10, 10, 50, 40],
      [2, 0, 0, 60, 60],
    ]) {
      assert.deepEqual(await remote.readWindow(level, x, y, w, h, [0]), await local.readWindow(level, x, y, w, h, [0]));
    }
    await remote.close();
    await local.close();
  });

  it('opening fails with a typed error when the server stays down', async () => {
    await assert.rejects(
      openRaster(`${base}/down/${NAME}`, { http: fast }),
      (e: unknown) => e instanceof SourceError && e.code === 'HTTP_STATUS',
    );
  });
});
