import { spawn } from 'node:child_process';

/**
 * Serves the files of `dir` with byte ranges (GET and HEAD) on 127.0.0.1 from a child process, so
 * that serving takes nothing from the benchmarked main thread. Resolves to its base URL (with a
 * trailing slash) and a `stop`.
 */
export async function startRangeServer(dir: string): Promise<{ url: string; stop: () => void }> {
  const code = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = ${JSON.stringify(dir)};
http.createServer((req, res) => {
  const file = path.join(root, decodeURIComponent(req.url.slice(1).split('?')[0]));
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404); res.end(); return; }
    const m = /bytes=(\\d+)-(\\d+)/.exec(req.headers.range || '');
    const start = m ? Number(m[1]) : 0, end = m ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
    res.writeHead(m ? 206 : 200, { 'Content-Length': end - start + 1, 'Content-Range': 'bytes ' + start + '-' + end + '/' + st.size, 'Accept-Ranges': 'bytes' });
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(file, { start, end }).on('error', () => res.destroy()).pipe(res);
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
