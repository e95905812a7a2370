/**
 * Misbehaving HTTP servers on loopback (127.0.0.1 only, every loop bounded): a drip server that never
 * trips the idle timeout but hits the total deadline, a file replaced between range reads (ETag,
 * Last-Modified, size), 200 to a range request, 416, wrong Content-Range, short and long bodies, and a
 * retry budget that refills. Each case ends with correct bytes or a typed SourceError.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError, GeosliceError } from '../../src/errors.js';
import { openHttpSource } from '../../src/sources/http-source.js';
import { openRaster } from '../../src/loaders/raster.js';
import { createLoader } from '../../src/loaders/loader.js';
import { loadSlice } from '../../src/loaders/load-slice.js';
import { buildRasterCatalog } from '../../src/catalog/builders/index.js';
import { buildCatalogFromTable } from '../../src/catalog/builders/build-from-table.js';
import { runCli } from '../../src/cli/main.js';

const T = { timeout: 30_000 };
const COG = new Uint8Array(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'loaders', 'codecs', 'cog_deflate_pred2_uint16.tif')),
);
const A = Uint8Array.from({ length: 4096 }, (_, i) => i % 251);
const B = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) % 253);

let server: http.Server;
let base = '';
const hits = new Map<string, number>();
const seen: http.IncomingHttpHeaders[] = [];

function range(req: http.IncomingMessage, size: number): [number, number] | null {
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  return m ? [Number(m[1]), Math.min(Number(m[2]), size - 1)] : null;
}

function send206(res: http.ServerResponse, body: Uint8Array, r: [number, number], extra: Record<string, string> = {}) {
  const part = body.subarray(r[0], r[1] + 1);
  res.writeHead(206, {
    'Content-Range': `bytes ${r[0]}-${r[1]}/${body.length}`,
    'Content-Length': part.length,
    ...extra,
  });
  res.end(part);
}

function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const [, mode, file] = (req.url ?? '').split('/');
  const n = (hits.get(mode) ?? 0) + 1;
  hits.set(mode, n);
  seen.push(req.headers);
  const body = file === 'cog.tif' ? COG : A;
  const r = range(req, body.length);
  switch (mode) {
    case 'drip': {
      // Headers at once, then one byte every 100 ms (at most 200 bytes): the idle timeout never trips.
      res.writeHead(206, { 'Content-Range': `bytes 0-999/${A.length}`, 'Content-Length': 1000 });
      let i = 0;
      const t = setInterval(() => {
        if (i >= 200 || res.destroyed) return clearInterval(t);
        res.write(A.subarray(i, i + 1));
        i++;
      }, 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    case 'etag-ifmatch': {
      // Version A for the first request, then B; honours If-Match like a real server.
      const v = n === 1 ? { body, tag: '"v1"' } : { body: file === 'cog.tif' ? flipTail(COG) : B, tag: '"v2"' };
      const im = req.headers['if-match'];
      if (im !== undefined && im !== v.tag) {
        res.writeHead(412).end();
        return;
      }
      send206(res, v.body, r!, { ETag: v.tag });
      return;
    }
    case 'etag-ignored': // changes ETag, ignores If-Match
      send206(res, n === 1 ? A : B, r!, { ETag: n === 1 ? 'W/"a"' : 'W/"b"' });
      return;
    case 'lastmod':
      send206(res, n === 1 ? A : B, r!, {
        'Last-Modified': n === 1 ? 'Mon, 01 Jan 2024 00:00:00 GMT' : 'Tue, 02 Jan 2024 00:00:00 GMT',
      });
      return;
    case 'grows':
      send206(res, n === 1 ? A : new Uint8Array(8192), r!);
      return;
    case 'full200':
      res.writeHead(200, { 'Content-Length': body.length }).end(body);
      return;
    case 'r416':
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    case 'wrongend': {
      // Right start, but fewer bytes than asked (and than the file has), announced honestly.
      const end = Math.max(r![0], r![1] - 10);
      send206(res, body, [r![0], end]);
      return;
    }
    case 'wrongstart':
      send206(res, body, [r![0] + 1, r![1]]);
      return;
    case 'short': {
      const part = body.subarray(r![0], r![1] + 1);
      res.writeHead(206, { 'Content-Range': `bytes ${r![0]}-${r![1]}/${body.length}`, 'Content-Length': part.length });
      res.write(part.subarray(0, part.length >> 1), () => res.socket?.destroy());
      return;
    }
    case 'long': {
      // Chunked (no Content-Length) and longer than its Content-Range.
      const part = body.subarray(r![0], r![1] + 1);
      res.writeHead(206, { 'Content-Range': `bytes ${r![0]}-${r![1]}/${body.length}` });
      res.write(part);
      res.end(new Uint8Array(32));
      return;
    }
    case 'flaky': // every odd request fails
      if (n % 2 === 1) {
        res.writeHead(503).end();
        return;
      }
      send206(res, body, r!);
      return;
    default:
      res.writeHead(404).end();
  }
}

/** The COG with its last 1 KiB changed (tile data), as if the file were rewritten. */
function flipTail(b: Uint8Array): Uint8Array {
  const c = b.slice();
  for (let i = c.length - 1024; i < c.length; i++) c[i] ^= 0xff;
  return c;
}

before(async () => {
  server = http.createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const isSource = (code: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SourceError, `expected SourceError ${code}, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

test('a drip server (one byte per 100 ms) hits the total deadline, not the idle timeout', T, async () => {
  const src = openHttpSource(`${base}/drip/a.bin`, { timeoutMs: 5000, deadlineMs: 600, maxRetries: 1, baseDelayMs: 1 });
  await assert.rejects(src.read(0, 1000), isSource('TIMEOUT', /deadline of 600 ms/));
  await src.close();
});

test('a file replaced between range reads is SOURCE_CHANGED (If-Match sent, 412)', T, async () => {
  hits.clear();
  seen.length = 0;
  const src = openHttpSource(`${base}/etag-ifmatch/a.bin`);
  assert.deepEqual(await src.read(0, 16), A.subarray(0, 16));
  await assert.rejects(src.read(100, 16), isSource('SOURCE_CHANGED', /412/));
  assert.equal(seen.at(-1)!['if-match'], '"v1"');
  await src.close();
});

test('ETag or Last-Modified changing on a server that ignores If-Match is SOURCE_CHANGED', T, async () => {
  for (const mode of ['etag-ignored', 'lastmod', 'grows']) {
    hits.clear();
    const src = openHttpSource(`${base}/${mode}/a.bin`);
    assert.deepEqual(await src.read(0, 16), A.subarray(0, 16));
    await assert.rejects(src.read(100, 16), isSource('SOURCE_CHANGED'), mode);
    await src.close();
  }
});

test('a COG replaced between its header and its tiles fails the window instead of mixing versions', T, async () => {
  hits.clear();
  const read = async () => {
    const r = await openRaster(`${base}/etag-ifmatch/cog.tif`);
    try {
      return await r.readWindow(0, 0, 0, r.info.width, r.info.height, [0]);
    } finally {
      await r.close();
    }
  };
  await assert.rejects(read(), isSource('SOURCE_CHANGED', /mix two versions/));
});

test('200 to a range request gives the right bytes; 416 and wrong Content-Range are refused', T, async () => {
  const full = openHttpSource(`${base}/full200/a.bin`);
  assert.deepEqual(await full.read(1000, 100), A.subarray(1000, 1100));
  await full.close();
  const o = { maxRetries: 1, baseDelayMs: 1 };
  const s416 = openHttpSource(`${base}/r416/a.bin`, o);
  await assert.rejects(s416.read(0, 10), isSource('SHORT_READ', /416/));
  for (const mode of ['wrongend', 'wrongstart']) {
    const s = openHttpSource(`${base}/${mode}/a.bin`, o);
    await assert.rejects(s.read(0, 100), isSource('BAD_RANGE'), mode);
    await s.close();
  }
  const short = openHttpSource(`${base}/short/a.bin`, o);
  await assert.rejects(short.read(0, 1000), isSource('SHORT_READ'));
  const long = openHttpSource(`${base}/long/a.bin`, o);
  await assert.rejects(long.read(0, 100), isSource('BAD_RANGE', /more than/));
  await Promise.all([s416.close(), short.close(), long.close()]);
});

test('the retry budget refills over time (token bucket)', T, async () => {
  hits.clear();
  const never = openHttpSource(`${base}/flaky/a.bin`, { retryBudget: 2, retryRefillMs: 1e9, baseDelayMs: 1 });
  await never.read(0, 10);
  await never.read(0, 10);
  await assert.rejects(never.read(0, 10), isSource('HTTP_STATUS', /retry budget of 2 is spent/));
  await never.close();
  hits.clear();
  const refills = openHttpSource(`${base}/flaky/a.bin`, { retryBudget: 2, retryRefillMs: 20, baseDelayMs: 1 });
  for (let i = 0; i < 8; i++) {
    assert.deepEqual(await refills.read(10, 10), A.subarray(10, 20));
    await sleep(45);
  }
  await refills.close();
});

test('http options reach every entry point and unknown keys are refused', T, async () => {
  const bad = { timeout: 5 } as never;
  const isBad = isSource('BAD_OPTION', /unknown key "timeout"/);
  assert.throws(() => openHttpSource(`${base}/full200/a.bin`, bad), isBad);
  await assert.rejects(openRaster(`${base}/full200/cog.tif`, { http: bad }), isBad);
  assert.throws(() => createLoader({ sources: [], http: bad }), isBad);
  const slice = { bounds: [0, 0, 1, 1], crs: 'EPSG:4326', resolution: [0.5, 0.5] } as const;
  await assert.rejects(
    loadSlice(
      [`${base}/full200/cog.tif`],
      { ...slice, bounds: [...slice.bounds], resolution: [...slice.resolution] },
      { http: bad },
    ),
    isBad,
  );
  await assert.rejects(
    buildRasterCatalog([`${base}/full200/cog.tif`], { out: '/nonexistent/x.parquet', http: bad, progress: false }),
    isBad,
  );
  await assert.rejects(
    buildCatalogFromTable([], { out: '/nonexistent/x.parquet', enrichCog: true, http: bad, progress: false }),
    (e: unknown) => e instanceof GeosliceError,
  );
  assert.throws(() => openHttpSource(`${base}/x`, { deadlineMs: -1 }), isSource('BAD_OPTION', /deadlineMs/));
  let text = '';
  const io = { stdout: (t: string) => void (text += t), stderr: (t: string) => void (text += t) };
  const code = await runCli(
    ['--http', '{"timeout":5}', 'catalog', 'build', `${base}/full200/cog.tif`, '--out', '/nonexistent/x.parquet'],
    io,
  );
  assert.equal(code, 2);
  assert.match(text, /unknown key "timeout"/);
});

test('the deadline reaches openRaster: a drip server cannot hang a header read', T, async () => {
  await assert.rejects(
    openRaster(`${base}/drip/a.bin`, { http: { deadlineMs: 500, maxRetries: 0 } }),
    (e: unknown) => e instanceof GeosliceError,
  );
});
