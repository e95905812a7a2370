import { spawn } from 'node:child_process';

/**
 * Serves the files of `dir` with byte ranges (GET and HEAD) on 127.0.0.1 from a child process, so
 * that serving takes nothing from the benchmarked main thread. A range is read with one positional
 * read on a descriptor kept open per file and sent in one write (about half the CPU per request of
 * piping a read stream, which matters on a 2-core machine where the server shares the cores with
 * the client; a remote server would use none of them). A range past the end gets 416. Resolves to
 * its base URL (with a trailing slash) and a `stop`.
 */
export async function startRangeServer(dir: string): Promise<{ url: string; stop: () => void }> {
  const code = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = ${JSON.stringify(dir)};
const fds = new Map();
const fdOf = (file) => { let fd = fds.get(file); if (fd === undefined) fds.set(file, (fd = fs.openSync(file, 'r'))); return fd; };
http.createServer((req, res) => {
  const file = path.join(root, decodeURIComponent(req.url.slice(1).split('?')[0]));
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404); res.end(); return; }
    const m = /bytes=(\\d+)-(\\d+)/.exec(req.headers.range || '');
    const start = m ? Number(m[1]) : 0, end = m ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
    if (start > end) { res.writeHead(416, { 'Content-Range': 'bytes */' + st.size }); res.end(); return; }
    res.writeHead(m ? 206 : 200, { 'Content-Length': end - start + 1, 'Content-Range': 'bytes ' + start + '-' + end + '/' + st.size, 'Accept-Ranges': 'bytes' });
    if (req.method === 'HEAD') { res.end(); return; }
    if (!m) { fs.createReadStream(file).on('error', () => res.destroy()).pipe(res); return; }
    const buf = Buffer.allocUnsafe(end - start + 1);
    fs.read(fdOf(file), buf, 0, buf.length, start, (e, n) => { if (e || n !== buf.length) res.destroy(); else res.end(buf); });
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((res, rej) => {
    child.once('error', rej);
    child.stdout?.once('data', (d: Buffer) => res(d.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}
